"""The no-var rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

import pytest

from patterns import PatternMatcher, apply_pass

MESSAGE = "Unexpected var, use let or const instead."


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-var"])


def one_pass(
    matcher: PatternMatcher, code: str, language: str = "javascript", source_type: str = "module"
) -> str:
    problems = matcher.analyze_code(code, language, source_type=source_type)
    return apply_pass(code, problems).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # Only the keyword changes: strings, templates, regexes and comments stay.
        (
            "var s = 'var' + `var ${'var'}` + /var/.source; // var",
            "let s = 'var' + `var ${'var'}` + /var/.source; // var",
        ),
        ("var /* var */ x = 1;", "let /* var */ x = 1;"),
        # A function initialiser may name the variable it initialises.
        ("var f = async () => f;", "let f = async () => f;"),
        ("var g = (function () { return g; });", "let g = (function () { return g; });"),
        # Declarations in nested functions are fixed independently.
        (
            "function outer() { var a = 1; function inner() { var b = a; return b; } }",
            "function outer() { let a = 1; function inner() { let b = a; return b; } }",
        ),
        # Inside a loop but initialised and not captured: a fresh binding per turn is fine.
        (
            "while (ok()) { var item = next(); use(item); }",
            "while (ok()) { let item = next(); use(item); }",
        ),
        ("class C { static { var x = 1; use(x); } }", "class C { static { let x = 1; use(x); } }"),
        # No semicolon: the fix does not care about ASI.
        ("var a = 1\nvar b = 2\n", "let a = 1\nlet b = 2\n"),
    ],
)
def test_fixed(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        # Hoisting: used before the declaration, or outside the block.
        "use(x); var x = 1;",
        "{ var x = 1; } use(x);",
        "if (a) { var x = 1; } else { x = 2; }",
        # A closure inside a loop would capture one binding per iteration.
        "for (const f of fs) { var v = f(); later(() => v); }",
        "do { var n; n = read(); } while (n);",
        # Redeclarations, a parameter of the same name, the name `let`.
        "function f(a) { var a = 1; return a; }",
        "var x = 1; function x() {}",
        # Not directly in a statement list.
        "if (a) var x = 1;",
        "label: var x = 1;",
        "export var x = 1;",
        "switch (k) { default: var x = 1; use(x); }",
        # Read inside its own initialiser or a default value.
        "var x = [x];",
        "var [a = b, b] = [];",
    ],
)
def test_reported_not_fixed(matcher: PatternMatcher, code: str) -> None:
    problems = matcher.analyze_code(code)
    assert problems and all(p.message == MESSAGE for p in problems)
    assert problems[0].fix is None
    assert one_pass(matcher, code) == code


def test_global_vars_of_scripts_are_not_fixed(matcher: PatternMatcher) -> None:
    code = "var x = 1; use(x);"
    assert one_pass(matcher, code, source_type="script") == code
    assert one_pass(matcher, code, source_type="commonjs") == "let x = 1; use(x);"
    assert one_pass(matcher, code, source_type="module") == "let x = 1; use(x);"


def test_report_range_is_the_declaration(matcher: PatternMatcher) -> None:
    [statement] = matcher.analyze_code("  var a = 1, b = 2;")
    assert (statement.column, statement.end_column) == (3, 20)
    # In a for head the range stops before the `;`; in for-of it is `var x`.
    [head] = matcher.analyze_code("for (var i = 0; i < 3; i++) {}")
    assert (head.column, head.end_column) == (6, 15)
    [loop] = matcher.analyze_code("for (var x of xs) {}")
    assert (loop.column, loop.end_column) == (6, 11)


def test_let_and_const_and_using_are_fine(matcher: PatternMatcher) -> None:
    assert matcher.analyze_code("let a = 1; const b = 2; { using c = r(); }") == []


def test_typescript(matcher: PatternMatcher) -> None:
    assert (
        one_pass(matcher, "function f() { var x: number = 1; return x; }", "typescript")
        == "function f() { let x: number = 1; return x; }"
    )
    assert one_pass(matcher, "declare var g: number;", "typescript") == "declare let g: number;"
    # `declare global` may declare vars; a namespace body is not a block.
    assert matcher.analyze_code("declare global { var bar: string }", "typescript") == []
    ns = "declare namespace ns { var bar: string }"
    [problem] = matcher.analyze_code(ns, "typescript")
    assert problem.fix is None


def test_tsx(matcher: PatternMatcher) -> None:
    code = "function App() { var n = 1; return <b>{n}</b>; }"
    assert one_pass(matcher, code, "tsx") == "function App() { let n = 1; return <b>{n}</b>; }"


def test_broken_source_is_reported_but_not_fixed(matcher: PatternMatcher) -> None:
    code = "function f() { var x = 1; use(x); }\nbar(;"
    [problem] = matcher.analyze_code(code)
    assert problem.fix is None
