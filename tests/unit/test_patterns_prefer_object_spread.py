"""The prefer-object-spread rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["prefer-object-spread"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # an arrow body and a statement start need parentheses, an argument does not
        ("f = () => Object.assign({}, a);", "f = () => ({ ...a});"),
        ("Object.assign({}, a).b;", "({ ...a}).b;"),
        ("g(Object.assign({}, a));", "g({ ...a});"),
        ("new G(Object.assign({}, a));", "new G(({ ...a}));"),
        ("x = (Object.assign({}, a));", "x = ({ ...a});"),
        ("x = Object['assign']({}, a);", "x = { ...a};"),
        ("x = Object.assign({}, (a, b));", "x = { ...(a, b)};"),
        ("x = Object.assign({}, a || b, async () => 1);", "x = { ...a || b, ...(async () => 1)};"),
        ("x = Object.assign({a: 1,}, b);", "x = {a: 1, ...b};"),
        ("x = Object.assign({}, {'}': ')'}, c);", "x = { '}': ')', ...c};"),
        # not the built-in Object.assign, or not a literal target
        ("function f(Object) { return Object.assign({}, a); }", None),
        ("let x = Object.assign(a, {});", None),
        ("x = Object.assign({}, ...xs);", None),
        ("x = Object.assign?.({}, a);", None),
        ("x = O.assign({}, a);", None),
        ("x = 'Object.assign({}, a)';", None),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    assert one_pass(matcher, code) == (code if fixed is None else fixed)


def test_messages(matcher: PatternMatcher) -> None:
    problems = matcher.analyze_code("a = Object.assign({});\nb = Object.assign({}, c);")
    assert [(p.line, p.column, p.message) for p in problems] == [
        (1, 5, "Use an object literal instead of `Object.assign`. eg: `{ foo: bar }`."),
        (2, 5, "Use an object spread instead of `Object.assign` eg: `{ ...foo }`."),
    ]


def test_nested_calls_are_fixed_over_passes(matcher: PatternMatcher) -> None:
    code = "x = Object.assign({}, Object.assign({}, a), b);"
    assert one_pass(matcher, code) == "x = { ...Object.assign({}, a), ...b};"
    fixed, report = matcher.apply_fixes(code)
    # like ESLint, a call under a spread gets parentheses
    assert fixed == "x = { ...({ ...a}), ...b};"
    assert report.remaining == []


def test_multibyte_text_and_line_comments(matcher: PatternMatcher) -> None:
    code = "x = Object.assign({ é: 'ü', // ß\n}, a);"
    assert one_pass(matcher, code) == "x = {é: 'ü', // ß\n ...a};"


def test_typescript(matcher: PatternMatcher) -> None:
    code = "const x: T = Object.assign({} as T, a as U);"
    # `{} as T` is not an object literal: left alone, as in ESLint
    assert one_pass(matcher, code, language="typescript") == code
    code = "const y = Object.assign({}, a as U);"
    assert one_pass(matcher, code, language="typescript") == "const y = { ...a as U};"


def test_global_this_follows_the_ecma_version(matcher: PatternMatcher) -> None:
    code = "x = globalThis.Object.assign({}, a);"
    assert one_pass(matcher, code) == "x = { ...a};"
    assert one_pass(matcher, code, ecma_version=2020) == "x = { ...a};"
    assert matcher.analyze_code(code, ecma_version=2019) == []
    assert matcher.analyze_code(code, ecma_version=6) == []
    assert one_pass(matcher, "x = Object.assign({}, a);", ecma_version=5) == "x = { ...a};"
