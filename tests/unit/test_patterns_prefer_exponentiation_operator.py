"""The prefer-exponentiation-operator rule, beyond ESLint's own cases."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import PatternMatcher, apply_pass

RULE = "prefer-exponentiation-operator"


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher([RULE])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # Aliases of Math and of Math.pow are followed.
        ("const M = Math; M.pow(a, b);", "const M = Math; a**b;"),
        ("const { pow } = Math; pow(a, b);", "const { pow } = Math; a**b;"),
        ("const { pow: p = f } = Math; p(a, b);", "const { pow: p = f } = Math; a**b;"),
        # Pass-through positions and static keys.
        ("(x ? Math : M).pow(a, b);", "a**b;"),
        ("(0, Math.pow)(a, b);", "a**b;"),
        ("const k = 'po'; Math[k + 'w'](a, b);", "const k = 'po'; a**b;"),
        ("Math['\\x70ow'](a, b);", "a**b;"),
        # Strings, templates and regexes as operands are kept verbatim.
        ("x = Math.pow('2', `${n}`);", "x = '2'**`${n}`;"),
        ("x = Math.pow(/a/.lastIndex, 2);", "x = /a/.lastIndex**2;"),
        # Fusing tokens get a space; a parenthesised base needs none.
        ("x = a-Math.pow(-b, c);", "x = a-(-b)**c;"),
        ("x = a-Math.pow(--b, c);", "x = a- --b**c;"),
        ("x = Math.pow(a, b)instanceof C;", "x = a**b instanceof C;"),
        ("x = Math.pow(a, b)/2;", "x = a**b/2;"),
        # Contexts that bind tighter than `**`.
        ("x = await Math.pow(a, b);", "x = await (a**b);"),
        ("x = Math.pow(a, b)?.toFixed();", "x = (a**b)?.toFixed();"),
        ("x = Math.pow(a, b)[k];", "x = (a**b)[k];"),
        ("x = o[Math.pow(a, b)];", "x = o[a**b];"),
        ("x = [...Math.pow(a, b)];", "x = [...a**b];"),
        ("x = f => Math.pow(f, 2);", "x = f => f**2;"),
        ("x = Math.pow(a ?? b, c || d);", "x = (a ?? b)**(c || d);"),
        ("x = Math.pow(a ? b : c, d);", "x = (a ? b : c)**d;"),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        "function f(Math) { return Math.pow(a, b); }",
        "import Math from 'm'; Math.pow(a, b);",
        "Math = {}; Math.pow(a, b);",
        "class Math {} Math.pow(a, b);",
        "/* global Math: off */ Math.pow(a, b);",
        "Math.pow;",
        "Math.pow.call(null, a, b);",
        "new Math.pow(a, b);",
        "Math.pow`a`;",
        "window.Math.pow(a, b);",  # no browser globals without an environment
        "'Math.pow(a, b)'; // Math.pow(a, b)",
    ],
)
def test_not_reported(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_shadowing_only_inside_its_scope(matcher: PatternMatcher) -> None:
    code = "function f() { let Math = m; Math.pow(a, b); } Math.pow(c, d);"
    [problem] = matcher.analyze_code(code)
    assert code[problem.start : problem.end] == "Math.pow(c, d)"
    assert problem.message == "Use the '**' operator instead of 'Math.pow'."
    assert problem.reliability == 0.9


def test_script_var_declares_the_global(matcher: PatternMatcher) -> None:
    assert matcher.analyze_code("var Math; Math.pow(a, b);", source_type="script") == []


def test_comment_inside_blocks_the_fix(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("Math.pow(a, /* exp */ b);")
    assert problem.fix is None


def test_nested_calls_over_passes(matcher: PatternMatcher) -> None:
    fixed, report = matcher.apply_fixes("x = Math.pow(Math.pow(a, b), c);")
    assert fixed == "x = (a**b)**c;"
    assert report.passes == 2


def test_typescript(matcher: PatternMatcher) -> None:
    code = "const x: number = Math.pow(a, b)!;"
    assert one_pass(matcher, code, language="typescript") == "const x: number = (a**b)!;"
    cast = "const y = Math.pow(a, b) as number;"
    assert one_pass(matcher, cast, language="typescript") == "const y = (a**b) as number;"
    jsx = "const el = <X size={Math.pow(2, n)} />;"
    assert one_pass(matcher, jsx, language="tsx") == "const el = <X size={2**n} />;"


def test_global_this_follows_the_ecma_version(matcher: PatternMatcher) -> None:
    code = "globalThis.Math.pow(a, b);"
    assert one_pass(matcher, code, ecma_version=2020) == "a**b;"
    assert matcher.analyze_code(code, ecma_version=2019) == []
    assert matcher.analyze_code(code, ecma_version=6) == []
    # Math itself is a global of every version.
    assert one_pass(matcher, "Math.pow(a, b);", ecma_version=3) == "a**b;"


def test_global_comments_declare_and_remove_globals(matcher: PatternMatcher) -> None:
    declared = "/* global globalThis */ globalThis.Math.pow(a, b);"
    assert len(matcher.analyze_code(declared, ecma_version=2019)) == 1
    removed = "/* global globalThis: off */ globalThis.Math.pow(a, b);"
    assert matcher.analyze_code(removed) == []
    # The last comment naming a global decides.
    again = "/* global Math: off */ /* global Math */ Math.pow(a, b);"
    assert len(matcher.analyze_code(again)) == 1
