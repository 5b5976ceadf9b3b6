"""The object-shorthand rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass

MIX = "Unexpected mix of shorthand and non-shorthand properties."
ARROWS = {"object-shorthand": ["always", {"avoidExplicitReturnArrows": True}]}


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["object-shorthand"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("x = {a: a, 'b': b, c: d};", "x = {a, b, c: d};"),
        ("x = {\\u0061: a};", "x = {a};"),
        ("x = {a: (a)};", "x = {a};"),
        # like ESLint, the text after `function` is kept as it is
        ("x = {f: function (a) {}};", "x = {f (a) {}};"),
        ("x = {f: function(a, b) { return a + b; }};", "x = {f(a, b) { return a + b; }};"),
        ("x = {f: async function*() { yield 1; }};", "x = {async *f() { yield 1; }};"),
        ("x = {'a b': function() {}};", "x = {'a b'() {}};"),
        ("x = {[k + 1]: function() {}};", "x = {[k + 1]() {}};"),
        ("x = {1e3: function() {}};", "x = {1e3() {}};"),
        # nested objects: the outer function's text keeps the inner longform for a later pass
        (
            "x = {f: function() { return {g: function() {}}; }};",
            "x = {f() { return {g: function() {}}; }};",
        ),
        # named functions, arrows (by default), accessors and patterns are left alone
        ("x = {f: function f() {}};", None),
        ("x = {f: () => {}};", None),
        ("x = {get a() { return 1; }, set a(v) {}};", None),
        ("const {a: a} = o;", None),
        ("x = {a: b.a, c: 'c'};", None),
        ("const s = '{a: a}'; // {f: function() {}}", None),
    ],
)
def test_always(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    assert one_pass(matcher, code) == (code if fixed is None else fixed)


def test_comments_block_fixes_but_not_reports(matcher: PatternMatcher) -> None:
    code = "x = {a: /* keep */ a, f: /* keep */ function () {}};"
    problems = matcher.analyze_code(code)
    assert [p.message for p in problems] == [
        "Expected property shorthand.",
        "Expected method shorthand.",
    ]
    assert all(p.fix is None for p in problems)


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("x = {f: a => { return a; }};", "x = {f(a) { return a; }};"),
        ("x = {f: async (a, b) => { await a; }};", "x = {async f(a, b) { await a; }};"),
        ("x = {f: () => 1};", None),  # an expression body is fine
        ("x = {f: () => { return this.a; }};", None),
        ("x = {f: () => { return () => arguments; }};", None),
        # `this` inside a nested ordinary function is that function's own
        (
            "x = {f: () => { function g() { return this; } }};",
            "x = {f() { function g() { return this; } }};",
        ),
    ],
)
def test_arrows(code: str, fixed: str | None) -> None:
    matcher = PatternMatcher(ARROWS)
    assert one_pass(matcher, code) == (code if fixed is None else fixed)


def test_typescript_arrows() -> None:
    matcher = PatternMatcher(ARROWS)
    code = "const o = {f: (a: number): number => { return a; }};"
    assert one_pass(matcher, code, language="typescript") == (
        "const o = {f(a: number): number { return a; }};"
    )


def test_never() -> None:
    matcher = PatternMatcher({"object-shorthand": ["never"]})
    code = "x = {a, async *b() {}, ['c']() {}, get d() { return 1; }};"
    assert one_pass(matcher, code) == (
        "x = {a: a, b: async function*() {}, ['c']: function() {}, get d() { return 1; }};"
    )


@pytest.mark.parametrize(
    ("mode", "code", "message"),
    [
        ("consistent", "x = {a, b: c};", MIX),
        ("consistent", "x = {a: a, b: b};", None),
        ("consistent-as-needed", "x = {a: a, b: b};", "Expected shorthand for all properties."),
        ("consistent-as-needed", "x = {a: a, b: c};", None),
        ("consistent-as-needed", "x = {a, get b() { return 1; }, ...c};", None),
    ],
)
def test_consistency(mode: str, code: str, message: str | None) -> None:
    matcher = PatternMatcher({"object-shorthand": [mode]})
    problems = matcher.analyze_code(code)
    assert [p.message for p in problems] == ([] if message is None else [message])
    assert all(p.fix is None for p in problems)


def test_ignore_options() -> None:
    options = {"ignoreConstructors": True, "methodsIgnorePattern": "^on"}
    matcher = PatternMatcher({"object-shorthand": ["always", options]})
    code = "x = {Foo: function () {}, onClick: function () {}, run: function () {}};"
    assert one_pass(matcher, code) == (
        "x = {Foo: function () {}, onClick: function () {}, run () {}};"
    )


def test_bad_options() -> None:
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"object-shorthand": ["sometimes"]})
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"object-shorthand": ["always", {"methodsIgnorePattern": "("}]})
