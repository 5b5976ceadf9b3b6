"""The no-useless-return rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

import pytest

from patterns import PatternMatcher, apply_pass

MESSAGE = "Unnecessary return statement."


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-useless-return"])


def one_pass(matcher: PatternMatcher, code: str, language: str = "javascript") -> str:
    return apply_pass(code, matcher.analyze_code(code, language)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("const f = async () => { await x; return; };", "const f = async () => { await x;  };"),
        ("function* g() { yield 1; return; }", "function* g() { yield 1;  }"),
        # Reached only through a labelled break, or after a loop left by `break`.
        (
            "function f() { a: { if (x) { return; } break a; } }",
            "function f() { a: { if (x) {  } break a; } }",
        ),
        (
            "function f() { while (true) { if (x) break; } return; }",
            "function f() { while (true) { if (x) break; }  }",
        ),
        (
            "function f() { switch (x) { case 1: return; } }",
            "function f() { switch (x) { case 1:  } }",
        ),
        # A hoisted function declaration after the return runs nothing.
        ("function f() { x(); return; function g() {} }", "function f() { x();  function g() {} }"),
        # Strings, regexes and templates around are kept byte for byte.
        (
            "function f() { log('return;', /return;/, `${'return;'}`); return; }",
            "function f() { log('return;', /return;/, `${'return;'}`);  }",
        ),
        # No semicolon: the comment after an ASI-terminated return is not inside it.
        ("function f() { a()\nreturn // done\n}", "function f() { a()\n // done\n}"),
        # `return` then `;` on the next line is one statement (`;` starts no expression).
        ("function f() { return\n;\n}", "function f() { \n}"),
    ],
)
def test_fixed(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        "function f() { a: { if (x) { return; } break a; } b(); }",
        "function f() { try { a(); return; } catch { b(); } c(); }",
        "function f() { x(); return; var y; }",
        "function f() { x(); return;; }",  # an empty statement counts as running code
        "function f() { if (a) { return; } else if (b) { c(); } d(); }",
        # Unreachable: after an endless loop, after a throw.
        "function f() { while (true) {} return; }",
        "function f() { throw e; return; }",
        # In a loop, in a finally block, or with a value.
        "function f() { do { return; } while (x); }",
        "function f() { try { a(); } finally { return; } }",
        "function f() { return 'x'; }",
        "const f = () => undefined;",
    ],
)
def test_not_reported(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_the_fix_spans_the_enclosing_function(matcher: PatternMatcher) -> None:
    code = "x(); function f() { function g() { return; } return; }"
    problems = matcher.analyze_code(code)
    assert [p.message for p in problems] == [MESSAGE, MESSAGE]
    inner, outer = problems
    assert inner.fix is not None and outer.fix is not None
    assert code[outer.fix.start : outer.fix.end] == code[5:]
    assert code[inner.fix.start : inner.fix.end] == "function g() { return; }"
    # One pass fixes the outer function only; the inner fix overlaps it.
    assert one_pass(matcher, code) == "x(); function f() { function g() { return; }  }"
    fixed, report = matcher.apply_fixes(code)
    assert fixed == "x(); function f() { function g() {  }  }"
    assert report.passes == 2


def test_method_fix_starts_at_the_parameters(matcher: PatternMatcher) -> None:
    code = "class A { get x() { return; } static m() { a(); return; } }"
    problems = matcher.analyze_code(code)
    assert [code[p.fix.start : p.fix.end][:3] for p in problems if p.fix] == ["() ", "() "]
    assert one_pass(matcher, code) == "class A { get x() {  } static m() { a();  } }"


def test_not_fixed_when_not_in_a_statement_list_or_with_comments(matcher: PatternMatcher) -> None:
    for code in (
        "function f() { if (a) return; }",
        "function f() { a(); return /* why */; }",
        "function f() { a(); return // why\n; }",
        "function f() { if (a) return\n; }",  # the `;` belongs to the return
    ):
        [problem] = matcher.analyze_code(code)
        assert problem.fix is None, code


def test_position(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("function f() {\n  a();\n  return;\n}")
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (3, 3, 3, 10)


def test_top_level_return_only_with_global_return(matcher: PatternMatcher) -> None:
    code = "foo(); return;"
    assert matcher.analyze_code(code) == []
    [problem] = matcher.analyze_code(code, source_type="commonjs")
    assert problem.fix is not None


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    code = "function f(x: number): void { if (x > 1) { g(x as number); return; } }"
    assert one_pass(matcher, code, "typescript") == (
        "function f(x: number): void { if (x > 1) { g(x as number);  } }"
    )
    tsx = "function C() { const el = <div>return;</div>; use(el); return; }"
    assert (
        one_pass(matcher, tsx, "tsx") == "function C() { const el = <div>return;</div>; use(el);  }"
    )


def test_broken_functions_are_skipped(matcher: PatternMatcher) -> None:
    assert matcher.analyze_code("function f() { a(; return; }") == []
    [problem] = matcher.analyze_code("function ok() { return; }\nfunction f() { a(; }")
    assert problem.line == 1
