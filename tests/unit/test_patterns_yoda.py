"""The yoda rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["yoda"])


def one_pass(matcher: PatternMatcher, code: str, options: Any = None, **kwargs: Any) -> str:
    rules = {"yoda": options} if options is not None else None
    return apply_pass(code, matcher.analyze_code(code, rules=rules, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ('if ("<" === op) {}', 'if (op === "<") {}'),
        ("x = '===' == y + '<'", "x = y + '<' == '==='"),
        ("ok = /a<b/ < re", "ok = re > /a<b/"),
        ("t = `a < b` >= s", "t = s <= `a < b`"),
        ("n = -0x10 != m", "n = m != -0x10"),
        ("b = 10n <= big", "b = big >= 10n"),
        # Comments on both sides of the operator keep their places.
        ("x = 1 /* one */ < // two\n y", "x = y /* one */ > // two\n 1"),
        # The operands keep their own parentheses.
        ("z = (2) > (a, b)", "z = (a, b) < (2)"),
        # A swapped operand that would glue to the keyword before it gets a space.
        ("function* g() { yield(1) <= b }", "function* g() { yield b >= (1) }"),
        ("function h() { return(0) == c }", "function h() { return c == (0) }"),
        ("k = 1 > b.c\ninstanceof D", "k = b.c < 1\ninstanceof D"),
    ],
)
def test_never_swaps_literal_to_the_right(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert len(matcher.analyze_code(code)) == 1
    assert one_pass(matcher, code) == fixed


def test_await_operand_is_not_a_literal(matcher: PatternMatcher) -> None:
    # `await(1)` is an await expression, not a literal: nothing to report.
    assert matcher.analyze_code("async function f() { return await(1) < a }") == []


@pytest.mark.parametrize(
    "code",
    [
        "if (a === b) {}",
        "if (1 === 2) {}",
        "if (`${a}` === b) {}",  # a template with a substitution is not a literal
        "if (x & 1) {}",
        "s = 'a' + b",
        "r = 1 in obj",
        "// if (1 === a) {}\nvar s = '1 === a';",
    ],
)
def test_never_leaves_these_alone(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_always_mode(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "if (color === 'red') {}", ["always"]) == "if ('red' === color) {}"
    assert one_pass(matcher, "if (n >= -1) {}", ["always"]) == "if (-1 <= n) {}"
    assert matcher.analyze_code("if ('red' === color) {}", rules={"yoda": ["always"]}) == []


def test_message_and_range(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("foo();\nif (5 < n) {}")
    assert problem.message == "Expected literal to be on the right side of <."
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (2, 5, 2, 10)
    assert problem.reliability == 1.0


def test_except_range_needs_parentheses(matcher: PatternMatcher) -> None:
    options = ["never", {"exceptRange": True}]
    assert matcher.analyze_code("if (0 <= i && i < n) {}", rules={"yoda": options}) == []
    assert matcher.analyze_code("ok((0 <= i && i < n))", rules={"yoda": options}) == []
    # Without parentheses around the logical expression it is not a range test.
    assert len(matcher.analyze_code("ok = 0 <= i && i < n", rules={"yoda": options})) == 1
    # The middle operands must be the same reference (a?.b and a.b are).
    assert matcher.analyze_code("if (0 <= a?.b && a.b < 9) {}", rules={"yoda": options}) == []
    assert len(matcher.analyze_code("if (0 <= a.b && c.b < 9) {}", rules={"yoda": options})) == 1
    # An empty range (upper bound below the lower one) is reported.
    assert len(matcher.analyze_code("if (9 <= i && i < 0) {}", rules={"yoda": options})) == 1


def test_only_equality(matcher: PatternMatcher) -> None:
    options = ["never", {"onlyEquality": True}]
    assert matcher.analyze_code("if (1 < a) {}", rules={"yoda": options}) == []
    assert matcher.analyze_code("if (1 !== a) {}", rules={"yoda": options}) == []
    assert one_pass(matcher, "if (1 == a) {}", options) == "if (a == 1) {}"


def test_nested_comparisons_in_functions(matcher: PatternMatcher) -> None:
    code = "const f = () => { return [1].filter(x => 0 < x).map(y => 'a' === y) }"
    assert one_pass(matcher, code) == (
        "const f = () => { return [1].filter(x => x > 0).map(y => y === 'a') }"
    )


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    code = 'if ("a" < (x as string)) {}'
    assert one_pass(matcher, code, language="typescript") == 'if ((x as string) > "a") {}'
    tsx = "const el = <A on={1 == count} />;"
    assert one_pass(matcher, tsx, language="tsx") == "const el = <A on={count == 1} />;"
    # tree-sitter reads `1 === x!` as `(1 === x)!`: left alone rather than misfixed.
    assert matcher.analyze_code("if (1 === x!) {}", "typescript") == []


@pytest.mark.parametrize("options", [["sometimes"], ["never", {"exceptRange": "yes"}]])
def test_invalid_options(matcher: PatternMatcher, options: list[Any]) -> None:
    with pytest.raises(InvalidRuleOptions):
        matcher.analyze_code("1 < a", rules={"yoda": options})
