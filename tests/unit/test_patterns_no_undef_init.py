"""The no-undef-init rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

import pytest

from patterns import PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-undef-init"])


def one_pass(matcher: PatternMatcher, code: str, language: str = "javascript") -> str:
    return apply_pass(code, matcher.analyze_code(code, language)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("let a = (undefined);", "let a;"),
        ("for (let i = undefined; i < 3; i++) {}", "for (let i; i < 3; i++) {}"),
        ("function f() { let a = undefined, b = undefined; }", "function f() { let a, b; }"),
        ("let a = undefined // keep\n", "let a // keep\n"),
        ("var a = undefined;", None),  # var: reported, never fixed
        ("let {a} = undefined;", None),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    assert matcher.analyze_code(code)
    assert one_pass(matcher, code) == (fixed if fixed is not None else code)


def test_message_names_the_binding(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("let [x, y] = undefined;")
    assert problem.message == "It's not necessary to initialize '[x, y]' to undefined."
    assert (problem.column, problem.end_column) == (5, 23)


@pytest.mark.parametrize(
    "code",
    [
        "let a = 'undefined';",
        "let a = undefined.x;",
        "let a = void 0;",
        "const a = undefined;",
        "let a = `${undefined}`;",
        "// let a = undefined;",
        "function f(undefined) { let a = undefined; }",  # a parameter shadows it
        "{ let undefined; { let a = undefined; } }",
    ],
)
def test_not_reported(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_shadowing_is_scoped(matcher: PatternMatcher) -> None:
    code = "function f() { var undefined = 1; } let a = undefined;"
    assert one_pass(matcher, code) == "function f() { var undefined = 1; } let a;"


def test_typescript_annotation_is_kept(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("let a: T = undefined;", "typescript")
    assert problem.message == "It's not necessary to initialize 'a: T' to undefined."
    code = "let a: string | undefined = undefined;"
    assert one_pass(matcher, code, "typescript") == "let a: string | undefined;"


@pytest.mark.parametrize(
    "code",
    [
        "try {} catch (undefined) { let a = undefined; }",
        "const [undefined] = x; let a = undefined;",
        "function f(b, undefined = 1) { let a = undefined; }",
        "const {b: undefined} = o; let a = undefined;",
    ],
)
def test_every_kind_of_binding_shadows(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_a_default_value_does_not_shadow(matcher: PatternMatcher) -> None:
    assert matcher.analyze_code("function f(b = undefined) { let a = undefined; }")
