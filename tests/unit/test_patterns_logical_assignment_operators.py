"""The logical-assignment-operators rule, beyond ESLint's own cases (see
test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass

RULE = "logical-assignment-operators"
IF = {RULE: ["always", {"enforceForIfStatements": True}]}
NEVER = {RULE: ["never"]}


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher([RULE])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    kwargs.setdefault("source_type", "script")
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ('a = a ?? "a = a ?? b"', 'a ??= "a = a ?? b"'),
        ("a = a || `${a || b}`", "a ||= `${a || b}`"),
        ("a = a && /a = a && b/.test(s)", "a &&= /a = a && b/.test(s)"),
        ("f = () => { cache = cache || new Map(); }", "f = () => { cache ||= new Map(); }"),
        # The fix spans `= a || `, so the nested assignment is fixed in the same pass.
        ("a = a || (a = a || b)", "a ||= (a ||= b)"),
    ],
)
def test_assignments(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code) == fixed


def test_member_assignment_is_reported_without_fix(matcher: PatternMatcher) -> None:
    # `o.p = o.p || v` always calls the setter; `o.p ||= v` does not.
    [problem] = matcher.analyze_code("o.p = o.p || v")
    assert problem.message == "Assignment (=) can be replaced with operator assignment (||=)."
    assert problem.fix is None


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("const x = a || (a = b)", "const x = (a ||= b)"),
        ("function f() { return a || (a = b) }", "function f() { return (a ||= b) }"),
        ("g = () => a ?? (a = b)", "g = () => a ??= b"),
        ("x = `${a || (a = b)}`", "x = `${(a ||= b)}`"),
        ("this.c || (this.c = new Map())", "this.c ||= new Map()"),
    ],
)
def test_logical_expressions(matcher: PatternMatcher, code: str, fixed: str) -> None:
    [problem] = matcher.analyze_code(code)
    assert problem.message.startswith("Logical expression can be replaced")
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("if (!this.cache) this.cache = new Map()", "this.cache ||= new Map()"),
        ("if (x.y == undefined) { x.y = 1 }", "x.y ??= 1;"),
        ("if (a === void 0 || a === null) { a = 0; }", "a ??= 0;"),
        # A comment after the statement is not part of it.
        ("if (a) a = b // trailing\nfoo()", "a &&= b // trailing\nfoo()"),
        ("function f(o) {\n  if (o) o = o.next\n}", "function f(o) {\n  o &&= o.next\n}"),
    ],
)
def test_if_statements(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code, rules=IF) == fixed


def test_if_statements_need_the_option(matcher: PatternMatcher) -> None:
    assert matcher.analyze_code("if (a) a = b") == []


def test_shadowed_globals_are_not_nullish_checks(matcher: PatternMatcher) -> None:
    code = "function f(undefined, Boolean) { if (a == undefined) a = 1; if (Boolean(b)) b = 2 }"
    assert matcher.analyze_code(code, rules=IF, source_type="script") == []
    shadow = "let undefined = 0; if (a == undefined) a = 1"
    assert matcher.analyze_code(shadow, rules=IF, source_type="module") == []


def test_if_fix_avoids_merging_with_the_previous_statement(matcher: PatternMatcher) -> None:
    code = "fn()\nif (a) [a][0] = b"
    assert matcher.analyze_code(code, rules=IF) == []  # not a plain reference
    code = "fn()\nif (a) (a) = b"
    [problem] = matcher.analyze_code(code, rules=IF)
    assert problem.fix is None


def test_with_blocks(matcher: PatternMatcher) -> None:
    code = "with (o) { a = a || b }"
    [problem] = matcher.analyze_code(code, source_type="script")
    assert problem.fix is None  # `a` may be a property of `o`
    strict = 'with (o) { (function () { "use strict"; a = a || b; }); }'
    assert one_pass(matcher, strict) == 'with (o) { (function () { "use strict"; a ||= b; }); }'


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("a ??= b ? c : d", "a = a ?? (b ? c : d)"),
        ("a ||= b = c", "a = a || (b = c)"),
        ("a ||= (b, c)", "a = a || (b, c)"),
        ("a &&= 'a &&= b'", "a = a && 'a &&= b'"),
        ("f = () => { a ??= b ?? c }", "f = () => { a = a ?? (b ?? c) }"),
    ],
)
def test_never(matcher: PatternMatcher, code: str, fixed: str) -> None:
    [problem] = matcher.analyze_code(code, rules=NEVER)
    assert problem.message.startswith("Unexpected logical operator assignment")
    assert one_pass(matcher, code, rules=NEVER) == fixed


def test_never_leaves_other_operators_alone(matcher: PatternMatcher) -> None:
    assert matcher.analyze_code("a += b; a = a || b", rules=NEVER) == []


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    code = "let a: number | undefined; a = a ?? 1;"
    assert one_pass(matcher, code, language="typescript") == ("let a: number | undefined; a ??= 1;")
    # `as` binds tighter than an assignment, so the fix is parenthesised.
    assert one_pass(matcher, "x = a || (a = b) as T", language="typescript") == (
        "x = (a ||= b) as T"
    )
    tsx = "const el = <A f={() => { v = v ?? 1 }} />;"
    assert one_pass(matcher, tsx, language="tsx") == "const el = <A f={() => { v ??= 1 }} />;"


def test_ranges_and_reliability(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("x;\nif (a) a = b /* c */", rules=IF)
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (2, 1, 2, 13)
    assert problem.reliability == 0.9


@pytest.mark.parametrize("options", [["sometimes"], ["always", {"enforceForIfStatements": "yes"}]])
def test_invalid_options(matcher: PatternMatcher, options: list[Any]) -> None:
    with pytest.raises(InvalidRuleOptions):
        matcher.analyze_code("a = a || b", rules={RULE: options})
