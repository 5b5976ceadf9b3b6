"""The no-lonely-if rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

import pytest

from patterns import PatternMatcher, apply_pass

MESSAGE = "Unexpected if as the only statement in an else block."


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-lonely-if"])


def one_pass(matcher: PatternMatcher, code: str, language: str = "javascript") -> str:
    return apply_pass(code, matcher.analyze_code(code, language)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # glued `else{`: a space keeps `else` and `if` apart
        ("if (a) {} else{if (b) {}}", "if (a) {} else if (b) {}"),
        # nested: the outer one is fixed first, the inner one on a later pass
        (
            "if (a) {} else { if (b) {} else { if (c) {} } }",
            "if (a) {} else if (b) {} else { if (c) {} }",
        ),
        # strings and template literals holding braces or `if` are left alone
        (
            "if (a) {} else { if (b) { s = '} else {'; t = `${x}}`; } }",
            "if (a) {} else if (b) { s = '} else {'; t = `${x}}`; }",
        ),
        # a comment before the inner `if` would be lost: no fix
        ("if (a) {} else { // why\n if (b) {} }", None),
        # a statement without semicolon followed by a regex on the next line
        ("if (a) {} else {\n if (b) x = y\n}\n/re/.test(s)", None),
        # ... but the same with a semicolon is safe
        (
            "if (a) {} else {\n if (b) x = y;\n}\n/re/.test(s)",
            "if (a) {} else if (b) x = y;\n/re/.test(s)",
        ),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    problems = matcher.analyze_code(code)
    assert problems and problems[0].message == MESSAGE
    assert one_pass(matcher, code) == (fixed if fixed is not None else code)


@pytest.mark.parametrize(
    "code",
    [
        "if (a) {} else { if (b) {} foo(); }",
        "if (a) {} else if (b) {}",
        "if (a) {} else { function f() { if (b) {} } }",
        "if (a) if (b) {} else { if (c) {} } else {}",  # braces are needed
        "if (a) {} else { while (b) { if (c) {} } }",
    ],
)
def test_not_reported(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_range_is_the_inner_if_without_its_trailing_comment(matcher: PatternMatcher) -> None:
    code = "if (a) {} else {\n  if (b) foo() // note\n}"
    [problem] = matcher.analyze_code(code)
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (2, 3, 2, 15)
    assert problem.fix is None  # the comment would be lost


def test_typescript(matcher: PatternMatcher) -> None:
    code = "if (a) {} else { if (b as boolean) { f<T>(x!); } }"
    assert one_pass(matcher, code, "typescript") == (
        "if (a) {} else if (b as boolean) { f<T>(x!); }"
    )


def test_no_fix_on_broken_code(matcher: PatternMatcher) -> None:
    code = "if (a) {} else { if (b) { foo( } }"
    assert all(p.fix is None for p in matcher.analyze_code(code))
