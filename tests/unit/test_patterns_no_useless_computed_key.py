"""The no-useless-computed-key rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-useless-computed-key"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("({ ['a b']: 1 })", "({ 'a b': 1 })"),
        ('({ ["\\u0061"]: 1 })', '({ "\\u0061": 1 })'),
        ("({ [0x10]: 1 })", "({ 0x10: 1 })"),
        ("({ [((1))]: 1 })", "({ 1: 1 })"),
        ("class A { static[1] = 2; }", "class A { static 1 = 2; }"),
        ("class A { static['x'] = 2; }", "class A { static'x' = 2; }"),
        ("({ a: { ['b']: { ['c']: 1 } } })", "({ a: { 'b': { 'c': 1 } } })"),
        ("function f({ ['a']: b }) {}", "function f({ 'a': b }) {}"),
        # escaped names are still the special ones
        ("({ ['__prot\\u006f__']: 1 })", None),
        ("class A { ['construc\\x74or']() {} }", None),
        ("({ [`x`]: 1 })", None),  # template literals are not literals
        ("({ [1n]: 1 })", None),
        ("({ [-1]: 1 })", None),
        ("({ ['a' + 'b']: 1 })", None),
        ("const s = \"({ ['a']: 1 })\"; // ({ ['a']: 1 })", None),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    assert one_pass(matcher, code) == (code if fixed is None else fixed)


def test_comment_blocks_the_fix_but_not_the_report(matcher: PatternMatcher) -> None:
    code = "({ ['a' // why\n]: 1 })"
    problems = matcher.analyze_code(code)
    assert [p.message for p in problems] == ["Unnecessarily computed property 'a' found."]
    assert problems[0].fix is None


def test_the_whole_member_is_reported(matcher: PatternMatcher) -> None:
    (problem,) = matcher.analyze_code("x = {\n  ['a']: 1 };")
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (2, 3, 2, 11)


def test_class_members_can_be_exempted() -> None:
    matcher = PatternMatcher({"no-useless-computed-key": [{"enforceForClassMembers": False}]})
    assert matcher.analyze_code("class A { ['a']() {} ['b'] = 1 }") == []
    assert len(matcher.analyze_code("({ ['a']: 1 })")) == 1
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"no-useless-computed-key": [{"enforceForClassMembers": "yes"}]})


def test_typescript_class_members(matcher: PatternMatcher) -> None:
    code = "class A { private ['a']: number = 1; public ['b']() {} }"
    assert one_pass(matcher, code, language="typescript") == (
        "class A { private 'a': number = 1; public 'b'() {} }"
    )
