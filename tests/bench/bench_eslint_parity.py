"""Parity and speed of fixstream's fix engine against ESLint 9, on npm package sources.

Run: ``nice .venv/bin/python tests/bench/bench_eslint_parity.py [--max-files 1500]
[--rules a,b,c] [--cpu 0] [--repeat 1] [--keep]``. Needs node and npm; the first run
installs ``eslint@9`` and a dozen popular packages into ``<repo>/.cache/bench``.

Both tools run on one core with the same rules at their default options, and the
same source type per extension (ESLint 9's defaults: ``.cjs`` commonjs, else
module): ESLint's CLI with ``--fix-dry-run --format json`` (up to 10 passes), and
``PatternMatcher.apply_fixes`` in this process (the main fixstream figure), plus
a bare tree-sitter parse of every file (``Parser.parse`` on the UTF-8 bytes, with
nothing of the engine's own parse step around it). Files ESLint cannot parse are left out of
the parity figure and counted apart. Then ``--repeat`` paired rounds run ESLint's fix
and the engine's back to back (each first in turn) and print the ratio of each
round: the machine's speed drifts over the minutes the best-of timings above are
taken apart. For the same reason the engine and the bare parse of every text it
parses also run in ``--repeat`` interleaved rounds, taking turns every few files.

Targets: 99 % of the files fixed identically; fixstream at least 5x ESLint's
files/s; the whole engine within 3x of the bare parse time.

Differences are attributed to rules: a rule whose problems (line, column) differ
from ESLint's before fixing "reports" differently; a rule whose fixed text, run
alone, differs from ESLint's alone "fixes" differently. For one example per rule
and kind, the difference is reduced to a small snippet. The per-file details go
to ``<cache>/differences.json``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

import tree_sitter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _eslint import (  # noqa: E402
    DEFAULT_PACKAGES,
    CorpusFile,
    EslintMessage,
    EslintWorker,
    Stopwatch,
    Timing,
    collect_files,
    ensure_installed,
    messages_of,
    run_cli,
    source_type_for,
    write_config,
)

import patterns.fixer  # noqa: E402
from patterns import FixReport, PatternMatcher, Problem, all_rule_names, parse  # noqa: E402
from patterns._native_core import native, python_walks  # noqa: E402
from patterns.scope import analyze_scopes  # noqa: E402

REPO: Final = Path(__file__).resolve().parents[2]
NOT_ESLINT: Final = frozenset({"no-spaced-equals"})
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")

Position = tuple[int, int]  # ESLint's 1-based line and UTF-16 column


# -- running fixstream -------------------------------------------------------------------
@dataclass(slots=True)
class EngineRun:
    """fixstream over the corpus: timings (best of the repeats) and results."""

    parse: Timing = Timing(0.0, 0.0)
    analyze: Timing = Timing(0.0, 0.0)
    fix: Timing = Timing(0.0, 0.0)
    fix_python: Timing | None = None  # the same, with the Python walks (no native core)
    parse_passes: Timing = Timing(0.0, 0.0)  # a bare parse of every text the fixer parsed
    texts_parsed: int = 0
    # The engine's CPU time over that parse's, per round of the two interleaved.
    parse_ratios: list[float] = field(default_factory=list)
    # This process's resident memory (MiB) after each round of fixes: flat unless
    # the engine keeps something per file (a parse that leaked its source did).
    resident_mb: list[float] = field(default_factory=list)
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    fix_times: dict[str, float] = field(default_factory=dict)
    passes: dict[str, int] = field(default_factory=dict)
    crashes: dict[str, str] = field(default_factory=dict)  # path -> the exception
    tree_errors: set[str] = field(default_factory=set)


def resident_mb() -> float:
    """This process's resident memory in MiB (Linux's /proc), else NaN."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return math.nan
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def tree_sitter_parser(language: str) -> tree_sitter.Parser:
    """A plain tree-sitter parser with the grammar the engine parses ``language`` with."""
    return tree_sitter.Parser(parse("", language).tree.language)


_TURN: Final = 25  # files per turn of the interleaved parse and engine runs


def run_engine(matcher: PatternMatcher, files: Sequence[CorpusFile], repeat: int) -> EngineRun:
    result = EngineRun()

    def bare_parse(blobs: Sequence[tuple[bytes, str]]) -> Timing:
        """tree-sitter alone: its parser on the UTF-8 bytes (encoded beforehand),
        none of the engine's parse wrapping (time limit, let repair, source object)."""
        parsers = {language: tree_sitter_parser(language) for _, language in blobs}
        with Stopwatch() as watch:
            for data, language in blobs:
                parsers[language].parse(data)
        return watch.timing

    def encoded(texts: Sequence[tuple[str, str]]) -> list[tuple[bytes, str]]:
        return [(text.encode("utf-8", "surrogatepass"), language) for text, language in texts]

    def analyze_all() -> Timing:
        with Stopwatch() as watch:
            for file in files:
                try:
                    result.problems[file.path] = matcher.analyze_code(
                        file.text, "javascript", source_type=file.source_type)
                except Exception as error:  # a rule's bug: count it, go on with the others
                    result.crashes[file.path] = f"analyze: {type(error).__name__}: {error}"
                    result.problems[file.path] = []
        return watch.timing

    def fix_all() -> Timing:
        with Stopwatch() as watch:
            for file in files:
                begin = time.perf_counter()
                try:
                    fixed, report = matcher.apply_fixes(file.text, "javascript",
                                                        source_type=file.source_type)
                except Exception as error:
                    result.crashes.setdefault(file.path,
                                              f"fix: {type(error).__name__}: {error}")
                    fixed, report = file.text, FixReport()
                result.fix_times[file.path] = time.perf_counter() - begin
                result.outputs[file.path] = fixed
                result.passes[file.path] = report.passes
        return watch.timing

    def parsed_by_the_fixer() -> list[list[tuple[str, str]]]:
        """Every (text, language) the fixer parses, per file, in one untimed run."""
        texts: list[list[tuple[str, str]]] = []
        real_parse = patterns.fixer.parse

        def recording(text: str, language: str, **options: Any) -> Any:
            texts[-1].append((text, language))
            return real_parse(text, language, **options)

        patterns.fixer.parse = recording  # type: ignore[assignment]
        try:
            for file in files:
                texts.append([])
                matcher.apply_fixes(file.text, "javascript", source_type=file.source_type)
        finally:
            patterns.fixer.parse = real_parse  # type: ignore[assignment]
        return texts

    def interleaved(by_file: list[list[tuple[bytes, str]]]) -> float:
        """The engine's CPU time over the bare parse's of every text it parses, the two
        taking turns every few files: a shared machine's speed drifts over the
        minutes between best-of runs, and within a turn both see the same machine."""
        parsers = {language: tree_sitter_parser(language) for blobs in by_file
                   for _, language in blobs}
        engine = bare = 0.0
        for start in range(0, len(files), _TURN):
            with Stopwatch() as watch:
                for blobs in by_file[start:start + _TURN]:
                    for data, language in blobs:
                        parsers[language].parse(data)
            bare += watch.timing.cpu
            with Stopwatch() as watch:
                for file in files[start:start + _TURN]:
                    matcher.apply_fixes(file.text, "javascript", source_type=file.source_type)
            engine += watch.timing.cpu
        return engine / bare

    runs = range(max(repeat, 1))
    result.tree_errors = {f.path for f in files if parse(f.text, "javascript").has_errors}
    originals = encoded([(f.text, "javascript") for f in files])
    result.parse = Timing.best(bare_parse(originals) for _ in runs)
    result.analyze = Timing.best(analyze_all() for _ in runs)
    fix_rounds = []
    for _ in runs:
        fix_rounds.append(fix_all())
        result.resident_mb.append(resident_mb())
    result.fix = Timing.best(fix_rounds)
    texts_by_file = parsed_by_the_fixer()
    texts = [text for file_texts in texts_by_file for text in file_texts]
    result.texts_parsed = len(texts)
    every_text = encoded(texts)
    result.parse_passes = Timing.best(bare_parse(every_text) for _ in runs)
    by_file = [encoded(file_texts) for file_texts in texts_by_file]
    result.parse_ratios = [interleaved(by_file) for _ in runs]
    if native() is not None:  # the same fixes with the pure-Python walks, side by side
        with python_walks():
            result.fix_python = Timing.best(fix_all() for _ in runs)
    return result


def profile_rules(files: Sequence[CorpusFile], rules: Sequence[str]
                  ) -> list[tuple[str, float]]:
    """Seconds for: the bare parse, the scope analysis, the node index, and each rule's
    analysis alone."""
    parsed = [(parse(f.text, "javascript"), f.source_type) for f in files]
    start = time.perf_counter()
    for f in files:
        parse(f.text, "javascript")
    timings = [("parse", time.perf_counter() - start)]
    start = time.perf_counter()
    for source, source_type in parsed:
        analyze_scopes(source, source_type)
    timings.append(("scope analysis (no parse)", time.perf_counter() - start))
    start = time.perf_counter()
    for source, _ in parsed:
        source.nodes_of("if_statement")  # builds the node index every rule shares
    timings.append(("node index (no parse)", time.perf_counter() - start))
    for rule in rules:
        matcher = PatternMatcher([rule])
        start = time.perf_counter()
        for f in files:
            matcher.analyze_code(f.text, "javascript", source_type=f.source_type)
        timings.append((rule, time.perf_counter() - start))
    return timings


def _cli_supports_dry_run() -> bool:
    executable = REPO / ".venv" / "bin" / "fixstream"
    if not executable.exists():
        return False
    done = subprocess.run([str(executable), "fix", "--help"], capture_output=True, text=True,
                          check=False)
    return "--fix-dry-run" in done.stdout


def run_fixstream_cli(cache: Path, files: Sequence[CorpusFile], rules: Sequence[str],
                      cpu: int | None) -> tuple[dict[str, str | None], Timing] | None:
    """``fixstream fix --fix-dry-run --format json`` on the files, named one by one (its
    folder walk skips build output such as ``dist``); None when unavailable.

    Returns each checked file's output (None when unchanged) and the time taken.
    """
    if not _cli_supports_dry_run():
        return None
    command = [str(REPO / ".venv" / "bin" / "fixstream"), "fix", "--fix-dry-run",
               "--format", "json", "--jobs", "1"]
    for rule in rules:
        command += ["--rule", rule]
    command.extend(f.path for f in files)
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    with Stopwatch(children=True) as watch:
        done = subprocess.run(command, cwd=cache, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        print(f"(fixstream CLI failed with {done.returncode}: {done.stderr.strip()[-500:]})")
        return None
    outputs = {_relative(cache, entry["filePath"]): entry.get("output")
               for entry in json.loads(done.stdout)}
    return outputs, watch.timing


# -- comparing ---------------------------------------------------------------------------
def _relative(cache: Path, file_path: str) -> str:
    path = Path(file_path)
    if not path.is_absolute():
        path = cache / path
    return path.resolve().relative_to(cache).as_posix()


def _utf16_column(text: str, problem: Problem) -> int:
    line_start = problem.start - (problem.column - 1)
    prefix = text[line_start : problem.start]
    return 1 + len(prefix) + len(_ASTRAL.findall(prefix))


def our_positions(text: str, problems: Sequence[Problem]) -> dict[str, Counter[Position]]:
    astral = _ASTRAL.search(text) is not None
    found: dict[str, Counter[Position]] = {}
    for p in problems:
        column = _utf16_column(text, p) if astral else p.column
        found.setdefault(p.rule, Counter())[(p.line, column)] += 1
    return found


def eslint_positions(messages: Sequence[EslintMessage]) -> dict[str, Counter[Position]]:
    found: dict[str, Counter[Position]] = {}
    for m in messages:
        if m.rule is not None and not m.fatal:
            found.setdefault(m.rule, Counter())[(m.line, m.column)] += 1
    return found


def _first_difference(a: Counter[Position], b: Counter[Position]) -> Position:
    return min(((a - b) + (b - a)).elements())


def _first_changed_line(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), 1):
        if x != y:
            return number
    return min(len(a.splitlines()), len(b.splitlines())) + 1


def _diff(eslint: str, ours: str, limit: int = 60) -> str:
    lines = difflib.unified_diff(eslint.splitlines(), ours.splitlines(), "eslint", "fixstream",
                                 n=1, lineterm="")
    return "\n".join(line for _, line in zip(range(limit), lines, strict=False))


@dataclass(slots=True)
class FileRecord:
    path: str
    origin: str
    source_type: str
    identical: bool
    report_diffs: dict[str, dict[str, list[Position]]] = field(default_factory=dict)
    fix_diffs: dict[str, int] = field(default_factory=dict)  # rule -> first changed line
    outside_rules: list[str] = field(default_factory=list)  # ESLint rules enabled inline
    first_changed_line: int = 0
    diff: str = ""


@dataclass(slots=True)
class Example:
    rule: str
    kind: str  # "report" or "fix"
    path: str
    line: int
    snippet: str = ""
    eslint: str = ""
    ours: str = ""


# -- minimising --------------------------------------------------------------------------
ALL_RULES: Final = "(all rules together)"
MAX_INTERPLAY: Final = 3  # examples of files that no single rule explains
_STATEMENT: Final = re.compile(r"(statement|declaration|^program)$")
# Nodes whose children can be deleted one by one and leave valid code.
_LISTS: Final = frozenset({"program", "statement_block", "class_body", "switch_body"})
_T = TypeVar("_T")


def _enclosing_statements(text: str, line: int, share: float) -> list[str]:
    """The texts of the statements around ``line`` (1-based), innermost first, up to
    ``share`` of the text (the whole program is never one)."""
    source = parse(text, "javascript")
    lines = text.splitlines(keepends=True)
    row = max(0, min(line - 1, len(lines) - 1))
    column = len(lines[row]) - len(lines[row].lstrip()) if lines else 0
    node = source.root.descendant_for_point_range((row, column), (row, column))
    found = []
    largest = share * len(source.data)
    while node is not None and node.parent is not None and (
            node.end_byte - node.start_byte <= largest):
        if _STATEMENT.search(node.type):
            indent = " " * node.start_point[1]  # so that dedent sees every line's indent
            found.append(textwrap.dedent(indent + source.node_text(node)))
        node = node.parent
    return found


def _ddmin(items: list[_T], keeps: Callable[[list[_T]], bool], deadline: float) -> list[_T]:
    """Delete chunks of ``items`` (halving the chunk size) while ``keeps`` holds."""
    chunk = max(len(items) // 2, 1)
    while time.monotonic() < deadline:
        changed = False
        index = 0
        while index < len(items) and time.monotonic() < deadline:
            candidate = items[:index] + items[index + chunk :]
            if candidate and keeps(candidate):
                items = candidate
                changed = True
            else:
                index += chunk
        if chunk == 1 and not changed:
            break
        if not changed:
            chunk = max(chunk // 2, 1)
    return items


def _statement_lists(text: str) -> list[list[tuple[int, int]]]:
    """The byte ranges of the children of every statement list, outermost first."""
    source = parse(text, "javascript")
    found = []
    stack = [source.root]
    while stack:
        node = stack.pop()
        if node.type in _LISTS and node.named_child_count:
            found.append([(c.start_byte, c.end_byte) for c in node.named_children])
        stack.extend(reversed(node.named_children))
    return found


def _reduce_statements(text: str, keeps: Callable[[str], bool], deadline: float) -> str:
    """Hierarchical delta debugging: delete statements, outer lists first."""
    index = 0
    while time.monotonic() < deadline:
        lists = _statement_lists(text)
        if index >= len(lists):
            break
        data = text.encode("utf-8", "surrogatepass")
        children = lists[index]

        def without(kept: list[tuple[int, int]], data: bytes = data,
                    children: list[tuple[int, int]] = children) -> str:
            pieces, position, keep = [], 0, set(kept)
            for start, end in children:
                if (start, end) not in keep:
                    pieces.append(data[position:start])
                    position = end
            pieces.append(data[position:])
            return b"".join(pieces).decode("utf-8", "surrogatepass")

        kept = _ddmin(children, lambda candidate: keeps(without(candidate)), deadline)
        text = without(kept)
        index += 1
    return text


class Minimizer:
    """Reduces a file on which a rule differs from ESLint to a small snippet."""

    def __init__(self, worker: EslintWorker, matcher: PatternMatcher, seconds: float) -> None:
        self._worker = worker
        self._matcher = matcher
        self._seconds = seconds

    def outcomes(self, code: str, filename: str, rule: str, kind: str) -> tuple[str, str] | None:
        """ESLint's and our result for one rule, or for every rule when ``rule`` is
        :data:`ALL_RULES` (fixed text, or positions); None when ESLint cannot parse
        ``code``."""
        rules = list(self._matcher.rule_names) if rule == ALL_RULES else [rule]
        eslint = self._worker.check(code, filename, rules, fix=kind == "fix")
        if eslint.fatal is not None:
            return None
        source_type = source_type_for(filename)
        try:
            if kind == "fix":
                ours, _ = self._matcher.apply_fixes(code, "javascript", rules=rules,
                                                    source_type=source_type)
                return eslint.output, ours
            problems = self._matcher.analyze_code(code, "javascript", rules=rules,
                                                  source_type=source_type)
        except Exception:  # a crash is reported apart; not what is being reduced
            return None
        theirs = sorted(eslint_positions(eslint.messages).get(rule, Counter()).elements())
        mine = sorted(our_positions(code, problems).get(rule, Counter()).elements())
        return json.dumps(theirs), json.dumps(mine)

    def differs(self, code: str, filename: str, rule: str, kind: str, clean: bool) -> bool:
        if clean and parse(code, "javascript").has_errors:
            return False
        outcome = self.outcomes(code, filename, rule, kind)
        return outcome is not None and outcome[0] != outcome[1]

    def minimize(self, example: Example, text: str) -> None:
        """Set the example's snippet, and ESLint's and our outcome on it.

        Tries the statements around the example's line first, then deletes
        statements (outer lists first), then lines, within the time budget.
        """
        deadline = time.monotonic() + self._seconds
        clean = not parse(text, "javascript").has_errors

        def keeps(code: str) -> bool:
            return self.differs(code, example.path, example.rule, example.kind, clean)

        snippet, line = text, example.line
        # The second round unwraps what the first kept around the spot.
        for share in (0.5, 1.0):
            for candidate in _enclosing_statements(snippet, line, share):
                if keeps(candidate):
                    snippet = candidate
                    break
            snippet = _reduce_statements(snippet, keeps, deadline)
            snippet = "".join(_ddmin(snippet.splitlines(keepends=True),
                                     lambda c: keeps("".join(c)), deadline))
            outcome = self.outcomes(snippet, example.path, example.rule, example.kind)
            if outcome is None:
                break
            example.snippet, (example.eslint, example.ours) = snippet, outcome
            line = _first_changed_line(*outcome) if example.kind == "fix" else next(
                (a[0] for a, b in zip(json.loads(outcome[0]) + [[0]],
                                      json.loads(outcome[1]) + [[0]], strict=False)
                 if a != b), 1)


# -- reporting ---------------------------------------------------------------------------
def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:9.1f}" if seconds > 0 else "        -"


def _print_table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _indent(text: str, limit: int = 25) -> str:
    lines = text.rstrip("\n").splitlines() or [""]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... ({len(lines) - limit} more lines)"]
    return "\n".join("    | " + line for line in lines)


# -- the benchmark -----------------------------------------------------------------------
def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-files", type=int, default=1500)
    parser.add_argument("--rules", default="",
                        help="comma-separated rules (default: every registered ESLint rule)")
    parser.add_argument("--packages", default=",".join(DEFAULT_PACKAGES))
    parser.add_argument("--cache", type=Path, default=REPO / ".cache" / "bench")
    parser.add_argument("--cpu", type=int, default=0, help="core to pin both tools to (-1: none)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each; best is kept")
    parser.add_argument("--minimize-seconds", type=float, default=60.0,
                        help="time to reduce each example to a snippet (0: no reducing)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the copied files and ESLint's raw JSON in the cache")
    parser.add_argument("--reinstall", action="store_true", help="reinstall the npm packages")
    parser.add_argument("--no-cli", action="store_true", help="do not time `fixstream fix`")
    parser.add_argument("--profile", action="store_true",
                        help="also time each rule alone, and the scope analysis")
    return parser.parse_args(argv)


def _time_eslint(cache: Path, config: Path, cpu: int | None, repeat: int, *, fix: bool
                 ) -> tuple[list[dict[str, Any]], Timing]:
    runs = [run_cli(cache, config, "files", fix=fix, cpu=cpu) for _ in range(max(repeat, 1))]
    return runs[0][0], Timing.best(timing for _, timing in runs)


def _paired_rounds(cache: Path, config: Path, cpu: int | None, matcher: PatternMatcher,
                   files: Sequence[CorpusFile], repeat: int) -> list[float]:
    """ESLint's CPU seconds over the engine's for ``--fix-dry-run``, per round of the
    two run back to back: a shared machine's speed drifts over minutes, and within a
    round both tools see about the same machine. The rounds alternate which tool runs
    first, so that neither always runs in the other's wake."""

    def engine() -> Timing:
        with Stopwatch() as watch:
            for file in files:
                matcher.apply_fixes(file.text, "javascript", source_type=file.source_type)
        return watch.timing

    ratios = []
    for round_index in range(max(repeat, 1)):
        if round_index % 2:
            ours = engine()
            eslint = run_cli(cache, config, "files", fix=True, cpu=cpu)[1]
        else:
            eslint = run_cli(cache, config, "files", fix=True, cpu=cpu)[1]
            ours = engine()
        ratios.append(eslint.cpu / ours.cpu)
    return ratios


def _eslint_startup(cache: Path, config: Path, cpu: int | None) -> Timing:
    """ESLint's fixed cost: the CLI on one tiny file."""
    folder = cache / "startup"
    folder.mkdir(exist_ok=True)
    (folder / "empty.js").write_text("export {};\n", encoding="utf-8")
    return Timing.best(run_cli(cache, config, "startup", fix=True, cpu=cpu)[1]
                       for _ in range(3))


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(argv)
    cache: Path = args.cache.resolve()
    cpu = None if args.cpu < 0 else args.cpu
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    packages = [p for p in args.packages.split(",") if p]
    version = ensure_installed(cache, packages, reinstall=args.reinstall)
    requested = [r for r in args.rules.split(",") if r] or [
        r for r in all_rule_names() if r not in NOT_ESLINT]
    with EslintWorker(cache) as worker:
        rules = [r for r in requested if r in worker.builtin_rules]
        skipped = sorted(set(requested) - set(rules))
        files = collect_files(cache, args.max_files)
        config = cache / "eslint.config.mjs"
        write_config(config, rules)
        print(f"ESLint {version} vs fixstream: {len(files)} files from "
              f"{len({f.package for f in files})} packages, {len(rules)} rules"
              + (f" (not ESLint rules, left out: {', '.join(skipped)})" if skipped else "")
              + (f", pinned to core {cpu}" if cpu is not None else ""))
        print("rules:", ", ".join(rules))
        sys.stdout.flush()

        lint_results, lint_t = _time_eslint(cache, config, cpu, args.repeat, fix=False)
        fix_results, fix_t = _time_eslint(cache, config, cpu, args.repeat, fix=True)
        startup_t = _eslint_startup(cache, config, cpu)
        matcher = PatternMatcher(rules)
        engine = run_engine(matcher, files, args.repeat)
        paired = _paired_rounds(cache, config, cpu, matcher, files, args.repeat)
        cli = None if args.no_cli else run_fixstream_cli(cache, files, rules, cpu)
        profile = profile_rules(files, rules) if args.profile else None

        records, examples, fatal = _compare(cache, files, lint_results, fix_results, engine,
                                            worker, matcher, set(rules))
        if args.minimize_seconds > 0:
            minimizer = Minimizer(worker, matcher, args.minimize_seconds)
            texts = {f.path: f.text for f in files}
            for example in examples:
                minimizer.minimize(example, texts[example.path])

    compared = len(files) - len(fatal)
    identical = sum(r.identical for r in records)
    summary = {
        "eslint_version": version,
        "rules": rules,
        "files": len(files),
        "eslint_parse_errors": len(fatal),
        "tree_sitter_errors": len(engine.tree_errors),
        "compared": compared,
        "identical": identical,
        "identical_pct": 100.0 * identical / compared if compared else 0.0,
        "timings": {name: {"wall": t.wall, "cpu": t.cpu} for name, t in [
            ("eslint_lint", lint_t), ("eslint_fix", fix_t), ("eslint_startup", startup_t),
            ("parse", engine.parse), ("analyze", engine.analyze), ("fix", engine.fix),
            ("parse_passes", engine.parse_passes),
            *([("fix_python", engine.fix_python)] if engine.fix_python else []),
            *([("cli_fix", cli[1])] if cli else []),
        ]},
        "native_core": native() is not None,
        "paired_ratios": paired,
        "texts_parsed": engine.texts_parsed,
        "parse_ratios": engine.parse_ratios,
        "resident_mb": engine.resident_mb,
        "fixstream_crashes": len(engine.crashes),
        "fixstream_passes": sum(engine.passes.values()),
        "files_changed": sum(engine.outputs[f.path] != f.text for f in files),
    }
    _print_summary(summary, len(files))
    _print_rules(records, examples, lint_results, engine, cache, set(rules))
    _print_slowest(engine)
    if engine.crashes:
        print(f"\nfixstream raised on {len(engine.crashes)} file(s); first ones:")
        for path, error in list(engine.crashes.items())[:5]:
            print(f"  {path}: {error[:300]}")
    if profile is not None:
        print("\nwhere the analysis time goes (each rule alone, including the parse and any "
              "scope analysis it asks for)")
        _print_table([[name, f"{seconds:.2f}", f"{1000 * seconds / len(files):.2f}"]
                      for name, seconds in profile], ["step", "seconds", "ms/file"])
    if cli is not None:
        missing = [f.path for f in files if f.path not in cli[0]]
        mismatched = [f.path for f in files if f.path in cli[0]
                      and (cli[0][f.path] or f.text) != engine.outputs[f.path]]
        print(f"\nfixstream CLI vs in-process engine: {len(mismatched)} file(s) fixed "
              f"differently{f', e.g. {mismatched[0]}' if mismatched else ''}; "
              f"{len(missing)} not checked by the CLI")

    out = cache / "differences.json"
    out.write_text(json.dumps({
        "summary": summary,
        "examples": [vars_of(e) for e in examples],
        "files": [vars_of(r) for r in records if not r.identical or r.report_diffs],
        "eslint_parse_errors": fatal,
        "fixstream_crashes": engine.crashes,
    }, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nper-file differences: {out}")
    if not args.keep:
        for name in ("files", "startup"):
            shutil.rmtree(cache / name, ignore_errors=True)
        for name in ("eslint-lint.json", "eslint-fix.json"):
            (cache / name).unlink(missing_ok=True)


def vars_of(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__slots__}


def _compare(
    cache: Path,
    files: Sequence[CorpusFile],
    lint_results: list[dict[str, Any]],
    fix_results: list[dict[str, Any]],
    engine: EngineRun,
    worker: EslintWorker,
    matcher: PatternMatcher,
    rules: set[str],
) -> tuple[list[FileRecord], list[Example], list[dict[str, Any]]]:
    """Per-file records for the files ESLint parses, examples to minimise, parse failures."""
    lint = {_relative(cache, r["filePath"]): messages_of(r["messages"]) for r in lint_results}
    fixed = {_relative(cache, r["filePath"]): r for r in fix_results}
    records: list[FileRecord] = []
    examples: dict[tuple[str, ...], Example] = {}
    fatal: list[dict[str, Any]] = []
    for file in files:
        messages = lint.get(file.path, [])
        failure = next((m for m in messages if m.fatal), None)
        if failure is not None:
            fatal.append({"path": file.path, "line": failure.line, "message": failure.message,
                          "source_type": file.source_type})
            continue
        eslint_output = fixed.get(file.path, {}).get("output", file.text)
        ours = engine.outputs[file.path]
        record = FileRecord(file.path, file.origin, file.source_type, eslint_output == ours)
        theirs = eslint_positions(messages)
        mine = our_positions(file.text, engine.problems[file.path])
        record.outside_rules = sorted(set(theirs) - rules)
        for rule in sorted(set(theirs) | set(mine)):
            a, b = theirs.get(rule, Counter()), mine.get(rule, Counter())
            if a != b:
                record.report_diffs[rule] = {"eslint": sorted(a.elements()),
                                             "fixstream": sorted(b.elements())}
                if rule in rules:
                    line = _first_difference(a, b)[0]
                    examples.setdefault((rule, "report"),
                                        Example(rule, "report", file.path, line))
        if not record.identical:
            record.first_changed_line = _first_changed_line(eslint_output, ours)
            record.diff = _diff(eslint_output, ours)
            for rule in sorted(set(theirs) | set(mine)):
                if rule not in rules:
                    continue
                alone = worker.check(file.text, file.path, [rule], fix=True).output
                try:
                    our_alone, _ = matcher.apply_fixes(file.text, "javascript", rules=[rule],
                                                       source_type=file.source_type)
                except Exception:  # counted in the crashes already
                    our_alone = file.text
                if alone != our_alone:
                    line = _first_changed_line(alone, our_alone)
                    record.fix_diffs[rule] = line
                    examples.setdefault((rule, "fix"), Example(rule, "fix", file.path, line))
            interplay = sum(key[0] == ALL_RULES for key in examples)
            if not record.fix_diffs and not record.outside_rules and interplay < MAX_INTERPLAY:
                examples[(ALL_RULES, "fix", file.path)] = Example(
                    ALL_RULES, "fix", file.path, record.first_changed_line)
        records.append(record)
    return records, sorted(examples.values(), key=lambda e: (e.rule, e.kind)), fatal


def _print_summary(s: dict[str, Any], count: int) -> None:
    print()
    _print_table([
        ["files", str(s["files"]), ""],
        ["ESLint parse errors (left out)", str(s["eslint_parse_errors"]), ""],
        ["tree-sitter parses with errors", str(s["tree_sitter_errors"]), ""],
        ["fixstream raised an exception", str(s["fixstream_crashes"]),
         "(a rule's bug; the file counts as unfixed)"],
        ["compared", str(s["compared"]), ""],
        ["identical fixed text", str(s["identical"]),
         f"{s['identical_pct']:.2f} %  (target >= 99 %)"],
    ], ["parity", "count", ""])
    print()
    t = {name: Timing(v["wall"], v["cpu"]) for name, v in s["timings"].items()}
    labels = [
        ("eslint_lint", "ESLint lint"),
        ("eslint_fix", "ESLint --fix-dry-run"),
        ("eslint_startup", "  of which startup (1 file)"),
        ("parse", "tree-sitter bare parse"),
        ("analyze", "fixstream analyze"),
        ("fix", "fixstream fix (engine)" + (", native core" if s["native_core"] else
                                               ", Python walks: native core not built")),
        ("fix_python", "fixstream fix (engine), Python walks"),
        ("cli_fix", "fixstream fix --fix-dry-run (CLI)"),
        ("parse_passes", f"bare parse of the {s['texts_parsed']} texts the fixer parses"),
    ]
    rows = []
    for key, label in labels:
        if key not in t:
            continue
        files = 1 if key == "eslint_startup" else count
        timing = t[key]
        rows.append([label, f"{timing.wall:.2f}", _rate(files, timing.wall),
                     f"{timing.cpu:.2f}", _rate(files, timing.cpu),
                     f"{timing.wall / t['parse'].wall:.1f}x"
                     if key in ("analyze", "fix", "fix_python") else ""])
    _print_table(rows, ["one core", "wall s", "files/s", "CPU s", "files/s (CPU)",
                        "x bare parse"])
    fix, eslint = t["fix"], t["eslint_fix"]
    print(f"fixstream: {s['files_changed']} file(s) changed, {s['fixstream_passes']} passes "
          "that changed text in all (each pass re-parses and re-analyses)")
    print(f"\nfixstream engine vs ESLint, files/s: {eslint.wall / fix.wall:.2f}x wall, "
          f"{eslint.cpu / fix.cpu:.2f}x CPU (target >= 5x)"
          + (f"; CLI {eslint.wall / t['cli_fix'].wall:.2f}x wall" if "cli_fix" in t else ""))
    ratios = s["paired_ratios"]
    print(f"  paired rounds (ESLint --fix-dry-run and the engine back to back, each "
          f"first in turn): "
          f"{', '.join(f'{r:.2f}x' for r in ratios)}; median {statistics.median(ratios):.2f}x")
    if "fix_python" in t:
        print(f"native core vs Python walks, same run: {t['fix_python'].cpu / fix.cpu:.2f}x "
              "CPU for the whole fix")
    print(f"engine / bare parse time: {fix.wall / t['parse'].wall:.1f}x wall, "
          f"{fix.cpu / t['parse'].cpu:.1f}x CPU (target <= 3x; one parse per file)")
    passes = t["parse_passes"]
    print(f"engine / bare parse of every text it parses: {fix.cpu / passes.cpu:.1f}x CPU "
          f"({s['texts_parsed']} texts: each pass re-parses)")
    turns = s.get("parse_ratios") or []
    if turns:
        print(f"  interleaved rounds (the two taking turns every {_TURN} files): "
              f"{', '.join(f'{r:.2f}x' for r in turns)}; median "
              f"{statistics.median(turns):.2f}x (target <= 3x)")
    resident = s.get("resident_mb") or []
    if len(resident) > 1:
        print(f"resident memory after each round of fixes: "
              f"{', '.join(f'{mb:.0f}' for mb in resident)} MiB "
              f"({resident[-1] - resident[0]:+.0f} MiB from the first round to the last)")


def _print_rules(records: Sequence[FileRecord], examples: Sequence[Example],
                 lint_results: list[dict[str, Any]], engine: EngineRun, cache: Path,
                 rules: set[str]) -> None:
    compared = {r.path for r in records}
    eslint_counts: Counter[str] = Counter()
    for result in lint_results:
        if _relative(cache, result["filePath"]) in compared:
            eslint_counts.update(m.rule for m in messages_of(result["messages"])
                                 if m.rule is not None and not m.fatal)
    our_counts: Counter[str] = Counter(
        p.rule for path in compared for p in engine.problems[path])
    by_example = {(e.rule, e.kind): e for e in examples}
    rows = []
    for rule in sorted(rules):
        reports = sum(rule in r.report_diffs for r in records)
        fixes = sum(rule in r.fix_diffs for r in records)
        example = by_example.get((rule, "fix")) or by_example.get((rule, "report"))
        where = f"{example.path}:{example.line}" if example else ""
        rows.append([rule, str(eslint_counts[rule]), str(our_counts[rule]), str(reports),
                     str(fixes), where])
    different = [r for r in records if not r.identical]
    unexplained = sum(not r.fix_diffs and not r.outside_rules for r in different)
    print(f"\ndifferences per rule ({len(different)} file(s) fixed differently; "
          f"{unexplained} of them by no single rule: rule interplay or passes)")
    _print_table(rows, ["rule", "ESLint problems", "fixstream", "files: report differs",
                        "files: fix differs", "example"])
    outside = sorted(set(eslint_counts) - rules)
    if outside:
        touched = sum(bool(r.outside_rules) for r in different)
        print("ESLint also reported rules outside the set (enabled by inline /* eslint */ "
              "comments, or notices about unknown rules in directives): "
              + ", ".join(f"{rule} {eslint_counts[rule]}" for rule in outside)
              + f"; {touched} file(s) fixed differently have such messages")
    for example in examples:
        if not example.snippet:
            continue
        print(f"\n{example.rule}, {example.kind} differs ({example.path}:{example.line}); "
              "reduced snippet:")
        print(_indent(example.snippet))
        label = "fixed" if example.kind == "fix" else "problems at"
        print(f"  ESLint {label}:")
        print(_indent(example.eslint, 10))
        print(f"  fixstream {label}:")
        print(_indent(example.ours, 10))


def _print_slowest(engine: EngineRun, count: int = 5) -> None:
    slowest = sorted(engine.fix_times.items(), key=lambda item: -item[1])[:count]
    print("\nslowest files for the engine: "
          + ", ".join(f"{path} {seconds * 1000:.0f} ms" for path, seconds in slowest))


if __name__ == "__main__":
    main()
