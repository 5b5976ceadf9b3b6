"""The arrow-body-style rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass

RULE = "arrow-body-style"


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher([RULE])


def one_pass(matcher: PatternMatcher, code: str, *options: Any, **kwargs: Any) -> str:
    problems = matcher.analyze_code(code, rules={RULE: list(options)}, **kwargs)
    return apply_pass(code, problems).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # Braces, quotes and slashes inside strings, templates and regexes.
        ("f(() => { return '}'; });", "f(() => '}');"),
        ("f(() => { return `{${a}}`; });", "f(() => `{${a}}`);"),
        ("f(() => { return /[{}]/g; });", "f(() => /[{}]/g);"),
        # An object literal needs parentheses, also under a member access or cast.
        ("f(() => { return {a}.a; });", "f(() => ({a}.a));"),
        ("f(() => { return (a, b); });", "f(() => (a, b));"),
        # A comment next to the braces keeps its blanks: only tokens go.
        ("f(() => { // why\n  return 1;\n});", "f(() =>  // why\n   1\n);"),
        ("f(() => { return 1; /* done */ });", "f(() =>   1 /* done */ );"),
        # A comment inside the value is not next to the braces.
        ("f(() => { return a /* x */ + b; });", "f(() => a /* x */ + b);"),
        # Async arrows and arrows returning arrows.
        ("f(async () => { return await g(); });", "f(async () => await g());"),
        # `in` inside a for initialiser, even deep in a nested function.
        (
            "for (var f = function () { return () => { return a in b; }; };;);",
            "for (var f = function () { return () => (a in b); };;);",
        ),
        # ... but not in a for-of head.
        ("for (const f of [() => { return a in b; }]);", "for (const f of [() => a in b]);"),
    ],
)
def test_as_needed_fixes(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        "x = () => { return 1 }\n(g)()",
        "x = () => { return 1 }\n[a] = b",
        "x = () => { return 1 }\n+y",
        "x = () => { return 1 }\n-y",
    ],
)
def test_asi_hazards_are_reported_not_fixed(matcher: PatternMatcher, code: str) -> None:
    [problem] = matcher.analyze_code(code)
    assert problem.fix is None


def test_no_asi_hazard_with_a_semicolon_or_other_token(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "x = () => { return 1 };\n(g)()") == "x = () => 1;\n(g)()"
    assert one_pass(matcher, "x = [() => { return 1 }]") == "x = [() => 1]"


def test_nested_arrows_need_two_passes(matcher: PatternMatcher) -> None:
    code = "f(() => { return () => { return 1; }; });"
    assert len(matcher.analyze_code(code)) == 2
    assert one_pass(matcher, code) == "f(() => () => { return 1; });"
    fixed, report = matcher.apply_fixes(code)
    assert fixed == "f(() => () => 1);"
    assert report.passes == 2


def test_messages_and_ranges(matcher: PatternMatcher) -> None:
    [single] = matcher.analyze_code("f(() => {\n  return 1;\n});")
    assert single.message == (
        "Unexpected block statement surrounding arrow body; "
        "move the returned value immediately after the `=>`."
    )
    assert (single.line, single.column, single.end_line, single.end_column) == (1, 9, 3, 2)
    [obj] = matcher.analyze_code("f(() => { return {}; });")
    assert obj.message.endswith(
        "parenthesize the returned value and move it immediately after the `=>`."
    )
    [expected] = matcher.analyze_code("f(() => ((1)));", rules={RULE: ["always"]})
    assert expected.message == "Expected block statement surrounding arrow body."
    assert (expected.column, expected.end_column) == (11, 12)


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("f(x => x * 2);", "f(x => {return x * 2});"),
        ("f(async x => await x);", "f(async x => {return await x});"),
        ("f(() => (a, b));", "f(() => {return (a, b)});"),
        # The object's own parentheses go; a comment before the brace stays.
        ("f(() => (/* o */ {}));", "f(() => {return /* o */ {}});"),
        ("f(() => ( // o\n  {}));", "f(() => { // o\n  return {}});"),
        ("f(() => () => 1);", "f(() => {return () => 1});"),
    ],
)
def test_always_fixes(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code, "always") == fixed


def test_never(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "f(() => { return 1; });", "never") == "f(() => 1);"
    for code in ("f(() => {});", "f(() => { g(); });", "f(() => { g(); return 1; });"):
        [problem] = matcher.analyze_code(code, rules={RULE: ["never"]})
        assert problem.fix is None
    assert matcher.analyze_code("f(() => 1);", rules={RULE: ["never"]}) == []


def test_require_return_for_object_literal(matcher: PatternMatcher) -> None:
    rules = {RULE: ["as-needed", {"requireReturnForObjectLiteral": True}]}
    assert matcher.analyze_code("f(() => { return {}; });", rules=rules) == []
    assert matcher.analyze_code("f(() => { return ({}); });", rules=rules) == []
    code = "f(() => ({a: 1}));"
    assert apply_pass(code, matcher.analyze_code(code, rules=rules)).text == (
        "f(() => {return {a: 1}});"
    )


@pytest.mark.parametrize(
    "options",
    [["sometimes"], ["as-needed", {"requireReturnForObjectLiteral": "yes"}], ["never", {"x": 1}]],
)
def test_invalid_options(matcher: PatternMatcher, options: list[Any]) -> None:
    with pytest.raises(InvalidRuleOptions):
        matcher.analyze_code("f(() => 1);", rules={RULE: options})


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    ts = "const f = <T>(x: T): T => { return x as T; };"
    assert one_pass(matcher, ts, language="typescript") == "const f = <T>(x: T): T => x as T;"
    cast = "const f = () => { return {} as Options; };"
    assert one_pass(matcher, cast, language="typescript") == ("const f = () => ({} as Options);")
    tsx = "const C = () => { return <div>{'}'}</div>; };"
    assert one_pass(matcher, tsx, language="tsx") == "const C = () => <div>{'}'}</div>;"
    always = "const g = (x: number): number => x + 1;"
    assert one_pass(matcher, always, "always", language="typescript") == (
        "const g = (x: number): number => {return x + 1};"
    )
