"""Everything the engine gives on the parity corpus, saved once and compared later.

Run: ``.venv/bin/python tests/bench/engine_snapshot.py save`` before changing the
engine, ``... check`` after (``--python-walks`` for the walks without the native
core; ``--rule NAME`` for one rule alone). Per file it records the fixed text, the
applied and skipped fixes, the pass count, the problems left, and the problems of
one analysis of the original text; ``check`` prints the files that differ and exits
1 if any does. It is the gate for a change that must not change results (a speed-up,
a refactor): the corpus covers paths the ESLint cases do not.

The corpus is the one ``bench_eslint_parity.py`` installs into ``.cache/bench``
(run that once first). Do not run the two at the same time: both copy the corpus
files into ``.cache/bench/files``.
"""

from __future__ import annotations

import argparse
import contextlib
import pickle
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _eslint import collect_files  # noqa: E402

from patterns import PatternMatcher  # noqa: E402
from patterns._native_core import python_walks  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def _record(matcher: PatternMatcher, text: str, source_type: str) -> tuple[Any, ...]:
    fixed, report = matcher.apply_fixes(text, "javascript", source_type=source_type)
    analysis = matcher.analyze_code(text, "javascript", source_type=source_type)
    return (
        fixed,
        [(a.rule, a.start, a.end, a.pass_index) for a in report.applied],
        [(s.rule, s.start, s.end, s.reason) for s in report.skipped],
        report.passes,
        [(p.rule, p.start, p.end, p.line, p.column, p.end_line, p.end_column, p.message, p.fix)
         for p in report.remaining],
        [(p.rule, p.start, p.end, p.line, p.column, p.message, p.fix) for p in analysis],
    )


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("save", "check"))
    parser.add_argument("--max-files", type=int, default=1500)
    parser.add_argument("--rule", help="this rule alone (default: every rule)")
    parser.add_argument("--python-walks", action="store_true",
                        help="run with the Python walks, not the native core")
    parser.add_argument("--cache", type=Path, default=REPO / ".cache" / "bench")
    parser.add_argument("--snapshot", type=Path,
                        help="the snapshot file (default: <cache>/snapshot-<rule or all>.pickle)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    if not (args.cache / "corpus").is_dir():
        print(f"no corpus in {args.cache}: run tests/bench/bench_eslint_parity.py once first",
              file=sys.stderr)
        return 2
    files = collect_files(args.cache, args.max_files)
    matcher = PatternMatcher([args.rule] if args.rule else None)
    walks: contextlib.AbstractContextManager[Any] = (
        python_walks() if args.python_walks else contextlib.nullcontext())
    with walks:
        records = [_record(matcher, f.text, f.source_type) for f in _progress(files)]
    path = args.snapshot or args.cache / f"snapshot-{args.rule or 'all'}.pickle"
    if args.action == "save":
        path.write_bytes(pickle.dumps([(f.path, r) for f, r in zip(files, records, strict=True)]))
        print(f"saved {len(records)} files to {path}")
        return 0
    if not path.exists():
        print(f"no snapshot at {path}: run `save` first", file=sys.stderr)
        return 2
    saved = dict(pickle.loads(path.read_bytes()))
    differing = [f.path for f, r in zip(files, records, strict=True) if saved.get(f.path) != r]
    missing = len(set(saved) - {f.path for f in files})
    print(f"{len(files)} files compared, {len(differing)} differ"
          + (f", {missing} in the snapshot only" if missing else ""))
    for name in differing[:20]:
        print("  differs:", name)
    return 1 if differing or missing else 0


def _progress(files: Sequence[Any]) -> Iterator[Any]:
    """The files, with a count on stderr now and then (a run takes a minute or so)."""
    for index, file in enumerate(files, 1):
        if index % 250 == 0 or index == len(files):
            print(f"\r{index}/{len(files)} files", end="", file=sys.stderr, flush=True)
        yield file
    print(file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
