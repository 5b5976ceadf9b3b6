"""patterns.fixer: ESLint's one-pass semantics and the verified multipass loop."""

from __future__ import annotations

import re
from collections.abc import Callable

from patterns import ParsedSource, Problem, TextEdit, apply_pass, fix_source
from patterns.fixer import BREAKS_PARSE, apply_edits


def problem(start: int, end: int, text: str, rule: str = "r", reliability: float = 1.0) -> Problem:
    return Problem(
        rule=rule,
        message="m",
        start=start,
        end=end,
        line=1,
        column=start + 1,
        end_line=1,
        end_column=end + 1,
        reliability=reliability,
        fix=TextEdit(start, end, text),
    )


def regex_rule(
    pattern: str, replacement: str, rule: str = "r", reliability: float = 1.0
) -> Callable[[ParsedSource], list[Problem]]:
    """An analyzer proposing to replace every match of ``pattern``."""

    def analyze(source: ParsedSource) -> list[Problem]:
        return [
            problem(m.start(), m.end(), replacement, rule, reliability)
            for m in re.finditer(pattern, source.text)
        ]

    return analyze


def combine(
    *analyzers: Callable[[ParsedSource], list[Problem]],
) -> Callable[[ParsedSource], list[Problem]]:
    def analyze(source: ParsedSource) -> list[Problem]:
        return [p for a in analyzers for p in a(source)]

    return analyze


# -- one pass (ESLint's SourceCodeFixer) -----------------------------------------


def test_non_overlapping_fixes_all_apply_in_range_order() -> None:
    result = apply_pass("abcdef", [problem(4, 5, "E"), problem(0, 1, "A")])
    assert result.text == "AbcdEf"
    assert [p.fix.start for p in result.applied if p.fix] == [0, 4]
    assert result.overlapping == []


def test_overlapping_fix_is_left_for_a_later_pass() -> None:
    later = problem(1, 3, "Y")
    result = apply_pass("abcdef", [problem(0, 2, "X"), later])
    assert result.text == "Xcdef"
    assert result.overlapping == [later]


def test_touching_fix_is_left_too() -> None:
    # ESLint skips a fix whose start is <= the end of the previous one.
    touching = problem(2, 4, "Y")
    result = apply_pass("abcdef", [problem(0, 2, "X"), touching])
    assert result.text == "Xcdef"
    assert result.overlapping == [touching]
    # Two insertions at one point: only the first.
    result = apply_pass("ab", [problem(1, 1, "1"), problem(1, 1, "2")])
    assert result.text == "a1b"


def test_sort_is_by_start_then_end() -> None:
    wide = problem(0, 3, "W")
    result = apply_pass("abcdef", [wide, problem(0, 1, "N")])
    assert result.text == "Nbcdef"
    assert result.overlapping == [wide]


def test_identical_fixes_apply_once() -> None:
    result = apply_pass("let x", [problem(0, 3, "const"), problem(0, 3, "const")])
    assert result.text == "const x"
    assert len(result.applied) == 1
    assert result.overlapping == []


def test_problems_without_fix_and_invalid_ranges_are_ignored() -> None:
    plain = Problem("r", "m", 0, 1, 1, 1, 1, 2, 1.0, None)
    assert apply_pass("abc", [plain, problem(2, 1, "x")]).text == "abc"


def test_apply_edits() -> None:
    assert (
        apply_edits("abcdef", [TextEdit(0, 1, "X"), TextEdit(3, 3, "+"), TextEdit(5, 6, "")])
        == "Xbc+de"
    )


# -- the multipass loop ----------------------------------------------------------


def test_multipass_until_nothing_changes() -> None:
    # "xx" -> "x": matches touch, so each pass applies every other one.
    fixed, report = fix_source("xxxxxxxx;", "javascript", regex_rule("xx", "x"))
    assert fixed == "x;"
    assert report.passes == 5  # 8 -> 6 -> 4 -> 3 -> 2 -> 1 characters
    assert report.skipped == []
    assert report.remaining == []
    assert [a.pass_index for a in report.applied] == [0, 0, 1, 1, 2, 3, 4]


def test_pass_limit() -> None:
    grow = regex_rule(r"\d+", "")

    def analyze(source: ParsedSource) -> list[Problem]:
        # Always proposes one more character: never converges.
        return [problem(0, 0, "a")] + grow(source)

    fixed, report = fix_source("x;", "javascript", analyze, passes=3)
    assert fixed == "aaax;"
    assert report.passes == 3
    [skipped] = report.skipped
    assert "pass limit (3)" in skipped.reason


def test_zero_passes_only_analyses() -> None:
    fixed, report = fix_source("xx;", "javascript", regex_rule("xx", "x"), passes=0)
    assert fixed == "xx;"
    assert report.passes == 0
    assert len(report.remaining) == 1


def test_stops_when_fixes_undo_each_other() -> None:
    swap = combine(regex_rule("foo", "bar"), regex_rule("bar", "foo"))
    fixed, report = fix_source("foo;", "javascript", swap)
    assert fixed == "foo;"
    assert report.passes == 2
    assert "undo each other" in report.skipped[0].reason
    again, _ = fix_source(fixed, "javascript", swap)
    assert again == fixed


def test_fix_that_breaks_the_parse_is_dropped() -> None:
    good = regex_rule(r"\byy\b", "zz", rule="good")
    bad = regex_rule(r"= 1", "1 (", rule="bad")  # `let x = 1;` -> `let x 1 (;`
    fixed, report = fix_source("let x = 1; yy = 2;", "javascript", combine(good, bad))
    assert fixed == "let x = 1; zz = 2;"
    assert [a.rule for a in report.applied] == ["good"]
    [skipped] = report.skipped
    assert (skipped.rule, skipped.reason) == ("bad", BREAKS_PARSE)
    assert (skipped.start, skipped.end) == (6, 9)


def test_fix_blocked_by_a_breaking_fix_still_applies_in_the_same_pass() -> None:
    bad = regex_rule(r"let x", "let (", rule="bad")
    touching = regex_rule(r" = 1", " = 2", rule="good")  # starts where `bad` ends
    fixed, report = fix_source("let x = 1;", "javascript", combine(bad, touching))
    assert fixed == "let x = 2;"
    assert report.passes == 1
    assert [s.rule for s in report.skipped] == ["bad"]


def test_many_fixes_with_one_breaking() -> None:
    code = "".join(f"v{i} = {i};\n" for i in range(40)) + "w = 0;\n"
    rename = regex_rule(r"\bv(\d+)\b", "u")
    breaker = regex_rule(r"w = 0", "w = (", rule="bad")
    fixed, report = fix_source(code, "javascript", combine(rename, breaker))
    assert fixed.count("u = ") == 40
    assert "w = 0;" in fixed
    assert [s.rule for s in report.skipped] == ["bad"]


def test_broken_source_may_stay_broken_but_not_get_worse() -> None:
    code = "a = ;\nb = 1;"
    fixed, report = fix_source(code, "javascript", regex_rule(r"b = 1", "c = 1"))
    assert fixed == "a = ;\nc = 1;"
    fixed, report = fix_source(code, "javascript", regex_rule(r"b = 1", "b = ("))
    assert fixed == code
    assert report.skipped[0].reason == BREAKS_PARSE


def test_reliability_threshold() -> None:
    code = "aa; bb;"
    analyze = combine(
        regex_rule("aa", "a", rule="sure", reliability=0.95),
        regex_rule("bb", "b", rule="unsure", reliability=0.4),
    )
    fixed, report = fix_source(code, "javascript", analyze, min_reliability=0.5)
    assert fixed == "a; bb;"
    [skipped] = report.skipped
    assert skipped.rule == "unsure"
    assert "0.40 is below the threshold 0.50" in skipped.reason
    assert [p.rule for p in report.remaining] == ["unsure"]


def test_no_op_fixes_are_ignored() -> None:
    analyze = combine(regex_rule("aa", "aa"), regex_rule("b", "c"))
    fixed, report = fix_source("aab;", "javascript", analyze)
    assert fixed == "aac;"
    assert report.passes == 1
    assert report.skipped == []


def test_fixing_twice_equals_fixing_once() -> None:
    analyze = regex_rule("xx", "x")
    once, _ = fix_source("xxxxxxxxx = 1;", "javascript", analyze)
    twice, report = fix_source(once, "javascript", analyze)
    assert twice == once
    assert report.passes == 0
