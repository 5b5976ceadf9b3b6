"""The prefer-template rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from patterns import PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["prefer-template"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("x = 'a' + b;", "x = `a${  b}`;"),
        ("x = a + \"b\";", "x = `${a  }b`;"),
        # a regex with a backtick and ${ stays an expression, untouched
        ("x = /`${/ + 'a';", "x = `${/`${/  }a`;"),
        ("x = 'it\\'s ' + n;", "x = `it's ${  n}`;"),
        ("x = '$' + n;", "x = `$${  n}`;"),
        ("x = '${a}' + n;", "x = `\\${a}${  n}`;"),
        ("f(() => 'n: ' + (() => n)());", "f(() => `n: ${  (() => n)()}`);"),
        ("x = 'a' /* why */ + b;", "x = `a${ /* why */  b}`;"),
        # like ESLint, a comment inside an operand's parentheses is not carried over
        ("x = 'a' + (b /* why */) + 'c';", "x = `a${  b  }c`;"),
        # nested chains in a callback are a separate chain, fixed in a later pass
        ("x = 'a' + f(() => 'b' + c);", "x = `a${  f(() => 'b' + c)}`;"),
        # not concatenations of a string and something else
        ("x = 'a' + 'b';", None),
        ("x = a + b;", None),
        ("x = 'a' - b;", None),
        ("x += 'a';", None),
        ("x = `${a}` + `b`;", None),
        ("// 'a' + b\nconst s = \"'a' + b\";", None),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    assert one_pass(matcher, code) == (code if fixed is None else fixed)


def test_one_problem_per_chain(matcher: PatternMatcher) -> None:
    code = "x = 'a' + b + 'c' + d;\ny = e + 'f';"
    problems = matcher.analyze_code(code)
    assert [(p.line, p.column, p.end_column) for p in problems] == [(1, 5, 22), (2, 5, 12)]
    assert {p.message for p in problems} == {"Unexpected string concatenation."}


def test_octal_escapes_are_reported_not_fixed(matcher: PatternMatcher) -> None:
    (problem,) = matcher.analyze_code("x = a + '\\101';")
    assert problem.fix is None


def test_multipass_reaches_a_fixed_point(matcher: PatternMatcher) -> None:
    fixed, report = matcher.apply_fixes("x = 'a' + f(() => 'b' + c);")
    assert fixed == "x = `a${  f(() => `b${  c}`)}`;"
    assert report.remaining == []


def test_typescript(matcher: PatternMatcher) -> None:
    code = "const s: string = 'n=' + (n as number);"
    fixed = one_pass(matcher, code, language="typescript")
    assert fixed == "const s: string = `n=${  n as number}`;"


def test_long_chains_stay_fast(matcher: PatternMatcher) -> None:
    code = "x = 'a'" + " + b + 'c'" * 2000 + ";"
    started = time.perf_counter()
    problems = matcher.analyze_code(code)
    assert len(problems) == 1
    assert time.perf_counter() - started < 2.0
