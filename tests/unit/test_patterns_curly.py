"""The curly rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["curly"])


def one_pass(
    matcher: PatternMatcher, code: str, *options: str, language: str = "javascript"
) -> str:
    rules = {"curly": list(options)}
    return apply_pass(code, matcher.analyze_code(code, language, rules=rules)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # Strings, templates, regexes and comments in the body are kept verbatim.
        ("if (a) log('{', `}`, /{/);", "if (a) {log('{', `}`, /{/);}"),
        ("if (a) foo(); // done", "if (a) {foo();} // done"),
        ("while (a) /* c */ step();", "while (a) /* c */ {step();}"),
        # An empty statement body gets braces too.
        ("for (;;);", "for (;;){;}"),
        # Nested bodies: one pass fixes both (the edits do not overlap).
        ("if (a) while (b) c();", "if (a) {while (b) c();}"),
        ("label: for (const x of xs) if (x) y();", "label: for (const x of xs) {if (x) y();}"),
        ("for await (const x of xs) use(x);", "for await (const x of xs) {use(x);}"),
    ],
)
def test_all_adds_braces(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("if (a) { b(); }", "if (a)  b(); "),
        ("if (a) { /* keep */ b(); }", "if (a)  /* keep */ b(); "),
        # `do{x}` needs a space once the brace goes, `do{[...]}` does not.
        ("do{x();}while(a);", "do x();while(a);"),
        ("do{'s'.trim();}while(a);", "do's'.trim();while(a);"),
        # A block in the body ends in `}`: no ASI question.
        ("if (a) { while (b) {} } c();", "if (a)  while (b) {}  c();"),
        # The next statement is on another line and starts safely.
        ("if (a) { b() }\nc();", "if (a)  b() \nc();"),
    ],
)
def test_multi_removes_braces(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code, "multi") == fixed


@pytest.mark.parametrize(
    "code",
    [
        "if (a) { let b = 1; }",
        "if (a) { class B {} }",
        "if (a) { function f() {} }",
        "if (a) { if (b) c(); } else d();",  # the else would move to the inner if
        "if (a) { label: while (b) if (c) d(); } else e();",
        "if (a) { b(); c(); }",
        "if (a) {}",
        "if (a) { /* only a comment */ }",
    ],
)
def test_multi_keeps_needed_braces(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code, rules={"curly": ["multi"]}) == []


@pytest.mark.parametrize(
    "code",
    [
        "if (a) { b() } c()",  # same line
        "if (a) { b() }\n(c || d)()",
        "if (a) { b() }\n`t`.length",
        "if (a) { b-- }\nc",
        "if (a) { x = () => {} } else {}",
    ],
)
def test_multi_reports_without_fix_when_asi_would_bite(matcher: PatternMatcher, code: str) -> None:
    [problem] = matcher.analyze_code(code, rules={"curly": ["multi"]})
    assert problem.message == "Unnecessary { after 'if' condition."
    assert problem.fix is None


def test_messages_and_ranges(matcher: PatternMatcher) -> None:
    code = "if (a)\n  b();\nelse c();\ndo d(); while (e);\nfor (k in o) f();\nfor (v of o) g();"
    problems = matcher.analyze_code(code)
    assert [p.message for p in problems] == [
        "Expected { after 'if' condition.",
        "Expected { after 'else'.",
        "Expected { after 'do'.",
        "Expected { after 'for-in'.",
        "Expected { after 'for-of'.",
    ]
    first = problems[0]
    assert (first.line, first.column, first.end_line, first.end_column) == (2, 3, 2, 7)


def test_multi_line(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "if (a) b();", "multi-line") == "if (a) b();"
    assert one_pass(matcher, "if (a)\n  b();", "multi-line") == "if (a)\n  {b();}"
    # Braces are allowed either way on one line.
    assert matcher.analyze_code("if (a) { b(); }", rules={"curly": ["multi-line"]}) == []


def test_multi_or_nest(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "if (a) {\n  b();\n}", "multi-or-nest") == "if (a) \n  b();\n"
    # A comment before the only statement keeps the braces.
    assert (
        matcher.analyze_code("if (a) {\n  // why\n  b();\n}", rules={"curly": ["multi-or-nest"]})
        == []
    )
    assert (
        one_pass(matcher, "if (a)\n  b(c,\n    d);", "multi-or-nest") == "if (a)\n  {b(c,\n    d);}"
    )


def test_consistent(matcher: PatternMatcher) -> None:
    code = "if (a) b(); else if (c) d(); else { e(); f(); }"
    assert one_pass(matcher, code, "multi", "consistent") == (
        "if (a) {b();} else if (c) {d();} else { e(); f(); }"
    )
    assert (
        matcher.analyze_code("if (a) b(); else c();", rules={"curly": ["multi", "consistent"]})
        == []
    )


@pytest.mark.parametrize("options", [["some"], ["all", "consistent"], ["multi", "always"]])
def test_invalid_options(matcher: PatternMatcher, options: list[Any]) -> None:
    with pytest.raises(InvalidRuleOptions):
        matcher.analyze_code("x;", rules={"curly": options})


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "if (x as boolean) y!.z();", language="typescript") == (
        "if (x as boolean) {y!.z();}"
    )
    assert one_pass(matcher, "if (a) { b<T>(); }", "multi", language="typescript") == (
        "if (a)  b<T>(); "
    )
    assert one_pass(matcher, "if (a) render(<A>{'{'}</A>);", language="tsx") == (
        "if (a) {render(<A>{'{'}</A>);}"
    )


def test_broken_source_is_reported_but_not_fixed(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("if (a) b();\nfoo(;")
    assert problem.fix is None


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # A statement ended by ASI stops at its last token (ESTree's range), so the
        # braces close before a trailing comment: ESLint 9's output, checked with it.
        ("if (a) b() // c", "if (a) {b()} // c"),
        ("if (a) b() // c\nfoo()", "if (a) {b()} // c\nfoo()"),
        ("if (a)\n  b() // c\nelse\n  d() // e", "if (a)\n  {b()} // c\nelse\n  {d()} // e"),
        ("while (a) b() // c", "while (a) {b()} // c"),
        ("for (;;) x() // c\nnext()", "for (;;) {x()} // c\nnext()"),
        ("do x() // c\nwhile (a)", "do {x()} // c\nwhile (a)"),
        ("if (a) b() /* c */", "if (a) {b()} /* c */"),
        ("if (a) b() /* x */ // c", "if (a) {b()} /* x */ // c"),
        ("if (a) b()\n// c\nelse d()", "if (a) {b()}\n// c\nelse {d()}"),
    ],
)
def test_braces_close_before_a_trailing_comment(
    matcher: PatternMatcher, code: str, fixed: str
) -> None:
    assert one_pass(matcher, code) == fixed


def test_problem_ends_at_the_last_token_of_the_body(matcher: PatternMatcher) -> None:
    code = "if (a) b() // c"
    [problem] = matcher.analyze_code(code)
    assert code[problem.start : problem.end] == "b()"
