"""The no-unneeded-ternary rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass

NO_DEFAULT = {"no-unneeded-ternary": [{"defaultAssignment": False}]}
BOOLEAN_MESSAGE = "Unnecessary use of boolean literals in conditional expression."
DEFAULT_MESSAGE = "Unnecessary use of conditional expression for default assignment."


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-unneeded-ternary"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("x = a ? (true) : (false)", "x = !!a"),
        ("x = (a, b) ? true : false", "x = !!((a, b))"),
        ("x = await a ? true : false", "x = !!await a"),
        ("x = typeof a ? false : true", "x = !typeof a"),
        ("x = a in b ? true : false", "x = a in b"),
        ("x = (a !== b) ? false : true", "x = a === b"),
        ("x = a < b ? false : true", "x = !(a < b)"),
        ("x = s === '? true : false' ? false : true", "x = s !== '? true : false'"),
        ("x = `${a}` ? true : false", "x = !!`${a}`"),
        ("x = /re/.test(s) ? true : false", "x = !!/re/.test(s)"),
        # An expression statement starting with the fix keeps its ASI safety.
        ("f(x) ? false : true\n;[a]", "!f(x)\n;[a]"),
        ("const g = () => (ok ? true : true)", "const g = () => (true)"),
    ],
)
def test_boolean_ternaries(matcher: PatternMatcher, code: str, fixed: str) -> None:
    [problem] = matcher.analyze_code(code)
    assert problem.message == BOOLEAN_MESSAGE
    assert one_pass(matcher, code) == fixed


def test_same_branches_after_a_call_are_not_fixed(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("x = check() ? true : true")
    assert problem.fix is None


@pytest.mark.parametrize(
    "code",
    [
        "x = a ? 'true' : 'false'",
        "x = a ? 1 : 0",
        "x = a ? true : b",
        "x = a ? a : b",  # default assignments are allowed by default
        "// x = a ? true : false",
    ],
)
def test_left_alone(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("x = a ? a : b ? c : d", "x = a || (b ? c : d)"),
        ("x = a ? a : b || c", "x = a || b || c"),
        ("x = a ? a : b && c", "x = a || b && c"),
        ("x = a ? a : b ?? c", "x = a || (b ?? c)"),
        ("x = a ? a : (b = c)", "x = a || (b = c)"),
        ("x = (a) ? a : 'a ? a : b'", "x = (a) || 'a ? a : b'"),
        ("function f(a) { return () => a ? a : {}; }", "function f(a) { return () => a || {}; }"),
    ],
)
def test_default_assignment_option(matcher: PatternMatcher, code: str, fixed: str) -> None:
    [problem] = matcher.analyze_code(code, rules=NO_DEFAULT)
    assert problem.message == DEFAULT_MESSAGE
    assert one_pass(matcher, code, rules=NO_DEFAULT) == fixed


def test_default_assignment_needs_plain_identifiers(matcher: PatternMatcher) -> None:
    assert matcher.analyze_code("x = a.b ? a.b : c", rules=NO_DEFAULT) == []
    assert matcher.analyze_code("x = a ? b : a", rules=NO_DEFAULT) == []


def test_range(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("var a = (\n  x ? true : false\n);")
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (2, 3, 2, 19)
    assert problem.reliability == 0.9


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "x = a as any ? false : true", language="typescript") == (
        "x = !(a as any)"
    )
    tsx = "const el = <A on={ok ? true : false} />;"
    assert one_pass(matcher, tsx, language="tsx") == "const el = <A on={!!ok} />;"


def test_invalid_option(matcher: PatternMatcher) -> None:
    with pytest.raises(InvalidRuleOptions):
        matcher.analyze_code("a ? a : b", rules={"no-unneeded-ternary": [{"defaultAssignment": 1}]})
