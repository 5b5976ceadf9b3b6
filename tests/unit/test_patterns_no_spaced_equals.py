"""The no-spaced-equals rule: `= =` typos, fixed in code and nowhere else."""

from __future__ import annotations

import pytest

from patterns import PatternMatcher, has_syntax_errors, parse

RULE = ["no-spaced-equals"]


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(RULE)


def fix(matcher: PatternMatcher, code: str, language: str = "javascript") -> str:
    return matcher.apply_fixes(code, language)[0]


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("if (a = = b) {}", "if (a == b) {}"),
        ("if (a = = = b) {}", "if (a === b) {}"),
        ("if (a ! = b) {}", "if (a != b) {}"),
        ("if (a ! = = b) {}", "if (a !== b) {}"),
        ("x = a == = b;", "x = a === b;"),
        ("x = a != = b;", "x = a !== b;"),
        ("x = a ! == b;", "x = a !== b;"),
        ("x = a =\t= b;", "x = a == b;"),
        ("x = a =   = b;", "x = a == b;"),
        ("if (a = = b && c ! = = d) {}", "if (a == b && c !== d) {}"),
    ],
)
def test_fixes_typos(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert has_syntax_errors(parse(code))
    assert fix(matcher, code) == fixed
    assert not has_syntax_errors(parse(fixed))


def test_problem_details(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("if (a = = b) {}")
    assert problem.rule == "no-spaced-equals"
    assert problem.message == "Spaced '= =' is a typo for '=='."
    assert (problem.start, problem.end) == (6, 9)
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (1, 7, 1, 10)
    assert problem.reliability == 1.0
    assert problem.fix is not None and problem.fix.text == "=="
    [strict] = matcher.analyze_code("if (a ! = = b) {}")
    assert strict.message == "Spaced '! = =' is a typo for '!=='."


@pytest.mark.parametrize(
    "code",
    [
        's = "a = = b";',
        "s = 'a ! = b';",
        "t = `a = = b`;",
        "t = `x ${a = = b} y`;",  # template literals are left alone, substitutions too
        "r = /a = = b/;",
        "// a = = b",
        "/* a ! = = b */",
        "#!/usr/bin/env node a = = b\nx;",
    ],
)
def test_never_touches_strings_comments_regexes_templates(
    matcher: PatternMatcher, code: str
) -> None:
    assert matcher.analyze_code(code) == []
    assert fix(matcher, code) == code


def test_text_after_an_unterminated_template_or_comment_is_left_alone(
    matcher: PatternMatcher,
) -> None:
    for code in ("x = `abc\nb = = c", "/* abc\nb = = c"):
        assert matcher.analyze_code(code) == []
    # Before the stray backtick, code is still code.
    assert fix(matcher, "a = = b;\nx = `abc") == "a == b;\nx = `abc"


def test_ambiguous_runs_are_left_alone(matcher: PatternMatcher) -> None:
    for code in ("a = = = = b", "a = ! b", "a ! ! = b"):
        assert fix(matcher, code) == code


def test_valid_code_is_never_reported(matcher: PatternMatcher) -> None:
    code = "x = !a; y = a == b; z = a !== b; w = (a = b); v = a => a;"
    assert matcher.analyze_code(code) == []
    # Valid TypeScript: a non-null assertion followed by an assignment.
    assert matcher.analyze_code("x! = 1; y! == 2;", "typescript") == []


def test_typescript_non_null_assertion_is_not_half_an_operator(matcher: PatternMatcher) -> None:
    assert fix(matcher, "if (z! = = 3) {}", "typescript") == "if (z! == 3) {}"
    # `a ! = b` is valid TypeScript (`a! = b`), so it is not a typo there.
    assert matcher.analyze_code("if (a ! = b) {}", "typescript") == []
    # ...and `a ! = = b` reads as `a! = = b` there.
    assert fix(matcher, "if (a ! = = b) {}", "typescript") == "if (a ! == b) {}"


def test_jsx_text_is_not_code(matcher: PatternMatcher) -> None:
    code = "const el = <p>a = = b</p>;"
    assert matcher.analyze_code(code, "tsx") == []
    assert matcher.analyze_code(code, "javascript") == []


def test_asi_and_multiline(matcher: PatternMatcher) -> None:
    code = "let a = 1\nif (a = = 2) foo()\nlet b = a ! = 3\n"
    assert fix(matcher, code) == "let a = 1\nif (a == 2) foo()\nlet b = a != 3\n"
    # A line break between the halves is not a spaced operator.
    assert matcher.analyze_code("a =\n= b") == []


def test_inside_nested_functions(matcher: PatternMatcher) -> None:
    code = "function f() { return () => { if (x = = y) { return z ! = = w; } }; }"
    assert (
        fix(matcher, code) == "function f() { return () => { if (x == y) { return z !== w; } }; }"
    )
