"""The prefer-numeric-literals rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

import pytest

from patterns import PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["prefer-numeric-literals"])


def one_pass(matcher: PatternMatcher, code: str, language: str = "javascript") -> str:
    return apply_pass(code, matcher.analyze_code(code, language)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("x = parseInt('ff', 16)", "x = 0xff"),
        ('x = Number["parseInt"]("101", 2)', "x = 0b101"),
        ("x = Number.parseInt((`17`), (8))", "x = 0o17"),
        ("x = parseInt('1F', 16).toString()", "x = 0x1F.toString()"),
        ("x = typeof parseInt('7', 8)", "x = typeof 0o7"),
        ("x = void(parseInt)('7', 8)", "x = void 0o7"),
        ("x = 'a'+parseInt('7', 8)", "x = 'a'+0o7"),
        # A trailing space in the string is read by both parseInt and the literal.
        ("x = parseInt('7 ', 8)", "x = 0o7 "),
        ("const f = () => () => parseInt('11', 2)", "const f = () => () => 0b11"),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert len(matcher.analyze_code(code)) == 1
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        "parseInt(' 7', 8)",  # a leading space: `0o 7` would not parse
        "parseInt('-7', 8)",
        "parseInt('0x1F', 16)",
        "parseInt('12', 2)",
        "parseInt('7', /* radix */ 8)",
    ],
)
def test_reported_without_fix(matcher: PatternMatcher, code: str) -> None:
    [problem] = matcher.analyze_code(code)
    assert problem.fix is None


@pytest.mark.parametrize(
    "code",
    [
        "parseInt('11', 10)",
        "parseInt('11', 2, extra)",
        "parseInt(...args, 2)",
        "parseInt(`1${x}`, 2)",
        "Math.parseInt('11', 2)",
        "Number.parseFloat('11', 2)",
        "new parseInt('11', 2)",
        "const s = \"parseInt('11', 2)\"; // parseInt('11', 2)",
        "parseInt('11', 2.5)",
    ],
)
def test_not_reported(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_message_names_the_callee_as_written(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("(Number)?.parseInt('A', 16)")
    assert problem.message == "Use hexadecimal literals instead of (Number)?.parseInt()."
    assert (problem.column, problem.end_column) == (1, 28)
    assert problem.reliability == 1.0


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    code = "const n: number = Number.parseInt('777', 8);"
    assert one_pass(matcher, code, "typescript") == "const n: number = 0o777;"
    tsx = "const el = <A n={parseInt('1', 2)} />;"
    assert one_pass(matcher, tsx, "tsx") == "const el = <A n={0b1} />;"
