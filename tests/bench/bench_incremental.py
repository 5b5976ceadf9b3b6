"""The gain of incremental parsing for a one-line edit in a 2,000-line file.

Run: ``nice .venv/bin/python tests/bench/bench_incremental.py [--lines 2000]
[--repeat 50] [--file some.js]``. Without ``--file`` the source is generated
(deterministic, plain JavaScript, ``--lines`` long).

Prints the median time of: a full parse of the edited text vs an incremental
parse (:class:`patterns.IncrementalDocument`); the full analysis
(``PatternMatcher.analyze_code``, which parses) vs the analysis after the
incremental parse (``apply_edit`` then ``PatternMatcher.analyze_parsed`` on the
new tree, the same problems); and typing a statement one key at a time, where
the half-typed states are broken code (``exact=True`` parses those from
scratch, ``exact=False`` keeps the incremental tree).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from patterns import IncrementalDocument, PatternMatcher, all_rule_names, parse

_FUNCTION = """\
function step{i}(items, limit) {{
  var total = 0;
  for (var k = 0; k < items.length; k++) {{
    if (items[k].size > limit) {{
      total += items[k].size * {i};
    }}
  }}
  const label = "step " + {i} + ": " + total;
  return {{ total: total, label: label }};
}}

"""


def generated_source(lines: int) -> str:
    """A plain JavaScript module of about ``lines`` lines (functions of 11 lines)."""
    count = max(lines // _FUNCTION.count("\n"), 1)
    return "".join(_FUNCTION.format(i=i) for i in range(count))


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _row(name: str, seconds: float, base: float | None = None) -> str:
    gain = f"{base / seconds:8.1f}x" if base else ""
    return f"{name:<52}{seconds * 1000:10.3f}  {gain}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--file", type=Path, default=None, help="a JS file instead")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--cpu", type=int, default=0, help="core to pin to (-1: none)")
    args = parser.parse_args()
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    text = args.file.read_text(encoding="utf-8") if args.file else generated_source(args.lines)
    lines = text.splitlines(keepends=True)
    middle = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].strip())
    line_start = sum(len(line) for line in lines[:middle])
    old_line = lines[middle]
    for addition in (" void 0;", " // edited"):  # a statement if it keeps the code valid
        new_line = old_line.rstrip("\n") + addition + "\n"
        edited = text[:line_start] + new_line + text[line_start + len(old_line) :]
        if parse(edited).has_errors == parse(text).has_errors:
            break

    doc = IncrementalDocument(text)
    forward = (line_start, line_start + len(old_line), new_line)
    backward = (line_start, line_start + len(new_line), old_line)

    def edit_and_back() -> None:
        doc.apply_edit(*forward)
        doc.apply_edit(*backward)

    full_parse = median_seconds(lambda: parse(edited), args.repeat)
    incremental = median_seconds(edit_and_back, args.repeat) / 2
    rules = [r for r in all_rule_names() if r != "no-spaced-equals"]
    matcher = PatternMatcher(rules)
    analyze = median_seconds(lambda: matcher.analyze_code(edited), max(args.repeat // 5, 3))
    analyzer = IncrementalDocument(text)

    def edit_and_analyze() -> None:
        matcher.analyze_parsed(analyzer.apply_edit(*forward))
        matcher.analyze_parsed(analyzer.apply_edit(*backward))

    incremental_analyze = median_seconds(edit_and_analyze, max(args.repeat // 5, 3)) / 2
    same = matcher.analyze_parsed(analyzer.apply_edit(*forward)) == matcher.analyze_code(edited)

    statement = "total = total + 1;"
    where = line_start + len(old_line) - 1  # typed at the end of the edited line

    def typing(exact: bool) -> float:
        typist = IncrementalDocument(text, exact=exact)
        start = time.perf_counter()
        for index, key in enumerate(statement):
            typist.apply_edit(where + index, where + index, key)
        return (time.perf_counter() - start) / len(statement)

    typing_exact = statistics.median(typing(True) for _ in range(5))
    typing_loose = statistics.median(typing(False) for _ in range(5))
    broken = sum(parse(text[:where] + statement[:n] + text[where:]).has_errors
                 for n in range(1, len(statement) + 1))

    print(f"{len(lines)} lines, {len(text.encode()):,} bytes; line {middle + 1} gets "
          f"{addition!r}; median of {args.repeat}; {len(rules)} rules")
    print(f"{'':<52}{'ms':>10}  gain")
    print(_row("full parse of the edited text", full_parse))
    print(_row("incremental parse (IncrementalDocument.apply_edit)", incremental, full_parse))
    print(_row("full analysis (analyze_code: parse + rules)", analyze))
    print(_row("incremental parse + analyze_parsed", incremental_analyze, analyze))
    print(_row(f"typing {statement!r}, per key, exact", typing_exact, full_parse))
    print(_row(f"typing {statement!r}, per key, exact=False", typing_loose, full_parse))
    print(f"({broken} of the {len(statement)} half-typed states have syntax errors; "
          "typing gains are against one full parse; analyze_parsed gives "
          f"{'the same' if same else 'DIFFERENT'} problems as analyze_code)")


if __name__ == "__main__":
    main()
