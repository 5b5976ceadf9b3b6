"""The eqeqeq rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["eqeqeq"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("if (typeof (x) == 'string') {}", "if (typeof (x) === 'string') {}"),
        ("1n == 2n", "1n === 2n"),
        ("null == /re/", "null === /re/"),  # typeof both is "object"
        ("1 == 1n", None),  # number and bigint: == may coerce
        ("'1' == 1", None),
        ("`a` == 'a'", None),  # a template literal is not a Literal
        ("-1 == 1", None),  # nor is a negated number
        ("x = '==' == \"==\" // == \n", "x = '==' === \"==\" // == \n"),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    assert matcher.analyze_code(code)
    assert one_pass(matcher, code) == (fixed if fixed is not None else code)


def test_problem_sits_on_the_operator(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("f(a,\n  b  !=  c)")
    assert problem.message == "Expected '!==' and instead saw '!='."
    assert (problem.line, problem.column, problem.end_column) == (2, 6, 8)


def test_nested_comparisons_are_all_reported(matcher: PatternMatcher) -> None:
    code = "if ((a == b) != (typeof c == 'x')) {}"
    problems = matcher.analyze_code(code)
    assert [p.column for p in problems] == [8, 14, 27]
    assert one_pass(matcher, code) == "if ((a == b) != (typeof c === 'x')) {}"


@pytest.mark.parametrize(
    ("options", "code", "count"),
    [
        (["smart"], "a == null", 0),
        (["smart"], "a == b", 1),
        (["always", {"null": "ignore"}], "a == null || b === null", 0),
        (["always", {"null": "never"}], "a === null", 1),
        (["allow-null"], "a != null", 0),
    ],
)
def test_options(matcher: PatternMatcher, options: list[Any], code: str, count: int) -> None:
    assert len(matcher.analyze_code(code, rules={"eqeqeq": options})) == count


def test_invalid_options() -> None:
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"eqeqeq": ["sometimes"]})
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"eqeqeq": ["always", {"null": "maybe"}]})


def test_tsx(matcher: PatternMatcher) -> None:
    code = "const el = <A b={typeof x == 'y'} />;"
    assert one_pass(matcher, code, language="tsx") == "const el = <A b={typeof x === 'y'} />;"
