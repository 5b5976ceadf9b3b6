"""The no-extra-boolean-cast rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass

INNER = {"no-extra-boolean-cast": [{"enforceForInnerExpressions": True}]}
LOGICAL = {"no-extra-boolean-cast": [{"enforceForLogicalOperands": True}]}


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-extra-boolean-cast"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("while (!!(yield)) {}", "while (yield) {}"),
        ("if (Boolean(a, b)) {}", None),  # two arguments: reported, not fixed
        ("x = !!(a => a) ? 1 : 2", "x = (a => a) ? 1 : 2"),
        ("if (!!`t${a}`) {}", "if (`t${a}`) {}"),
        ("x = typeof!!a", "x = typeof!!a"),  # typeof is not a boolean context
        ("x = !!!'s'", "x = !'s'"),
        ("x = !Boolean(/re/)", "x = !/re/"),
        ("x = a in!Boolean()", "x = a in true"),
        ("if (!!(a ?? b)) {}", "if (a ?? b) {}"),
        ("do x(); while (!!y)", "do x(); while (y)"),
        ("if (!!a) { if (Boolean(b)) {} }", "if (a) { if (b) {} }"),
        ("if (!!a // why\n) {}", "if (a // why\n) {}"),  # the comment is outside the cast
        ("if (!!\n// why\na) {}", None),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    problems = matcher.analyze_code(code)
    if fixed == code:
        assert problems == []
        return
    assert problems
    assert one_pass(matcher, code) == (fixed if fixed is not None else code)


def test_messages_and_ranges(matcher: PatternMatcher) -> None:
    code = "if (!!a && Boolean(b)) {}\nx = !!c ? 1 : 2;\nif (Boolean(c)) {}"
    negation, call = matcher.analyze_code(code)  # logical operands are not checked
    assert negation.message == "Redundant double negation."
    assert (negation.line, negation.column, negation.end_column) == (2, 5, 8)
    assert call.message == "Redundant Boolean call."
    assert (call.line, call.column, call.end_column) == (3, 5, 15)


@pytest.mark.parametrize(
    ("code", "rules", "fixed"),
    [
        ("if (!!a && b) {}", LOGICAL, "if (a && b) {}"),
        ("if (a ? !!b : c) {}", LOGICAL, None),  # logical operands only
        ("if (a ? !!b : c) {}", INNER, "if (a ? b : c) {}"),
        ("if ((a, !!b)) {}", INNER, "if ((a, b)) {}"),
        ("if (a ?? !!b) {}", INNER, "if (a ?? b) {}"),
        ("if (!!a ?? b) {}", INNER, None),  # the left of ?? is not tested
        ("if (Boolean(a || b) && c) {}", LOGICAL, "if ((a || b) && c) {}"),
        ("if (c || Boolean(a && b)) {}", LOGICAL, "if (c || a && b) {}"),
        ("if (c ?? Boolean(a && b)) {}", INNER, "if (c ?? (a && b)) {}"),
    ],
)
def test_options(
    matcher: PatternMatcher, code: str, rules: dict[str, Any], fixed: str | None
) -> None:
    problems = matcher.analyze_code(code, rules=rules)
    if fixed is None:
        assert problems == []
    else:
        assert one_pass(matcher, code, rules=rules) == fixed


def test_options_are_exclusive() -> None:
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher(
            {
                "no-extra-boolean-cast": [
                    {"enforceForInnerExpressions": True, "enforceForLogicalOperands": True}
                ]
            }
        )


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("if (!Boolean(a as any)) { }", "if (!(a as any)) { }"),
        ("if (!!(a satisfies T)) {}", "if (a satisfies T) {}"),
        ("if (!!(a!)) {}", "if (a!) {}"),
    ],
)
def test_typescript(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code, language="typescript") == fixed


def test_jsx(matcher: PatternMatcher) -> None:
    code = "const el = <div hidden={!!a ? x : y}>{!!b}</div>;"
    assert one_pass(matcher, code, language="tsx") == (
        "const el = <div hidden={a ? x : y}>{!!b}</div>;"
    )
