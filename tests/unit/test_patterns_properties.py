"""Properties of the engine over generated sources (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patterns import PatternMatcher, error_count, parse

MATCHER = PatternMatcher()

# Fragments that combine into plausible, often broken, JavaScript.
_FRAGMENTS = [
    "let ",
    "const ",
    "var ",
    "x",
    "y",
    "z",
    " = ",
    " = = ",
    " ! = ",
    " ! = = ",
    " == ",
    ";",
    "\n",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ", ",
    "1",
    '"s = = t"',
    "'q'",
    "`t ${x} = =`",
    "/* c = = */",
    "// l = =\n",
    "/re = =/",
    "x++",
    "y += 1",
    "function f(a) {",
    "for (let i of a) {",
    "for (let i = 0; i < 3; i++) {",
    "() => {",
    "return ",
    "if (x) ",
    "class C { static { ",
    "({a, b} = o);",
    "[x, y] = [y, x];",
    "let {a, b} = o",
    "let [c, , d] = e",
    "foo(x)",
    "switch (x) { case 1: ",
    "`",
    "/*",
    "<div>",
    "</div>",
    "!",
    "=",
]

snippets = st.lists(st.sampled_from(_FRAGMENTS), max_size=24).map("".join)
languages = st.sampled_from(["javascript", "typescript", "tsx"])

_SETTINGS = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@_SETTINGS
@given(code=snippets, language=languages)
def test_fixes_never_add_syntax_errors(code: str, language: str) -> None:
    fixed, _ = MATCHER.apply_fixes(code, language)
    assert error_count(parse(fixed, language)) <= error_count(parse(code, language))
    if error_count(parse(code, language)) == 0:
        assert error_count(parse(fixed, language)) == 0


@_SETTINGS
@given(code=snippets, language=languages)
def test_fixing_twice_equals_fixing_once(code: str, language: str) -> None:
    once, report = MATCHER.apply_fixes(code, language)
    if report.passes < 10:  # a run cut by the pass limit may legitimately go on
        twice, _ = MATCHER.apply_fixes(once, language)
        assert twice == once


@settings(max_examples=80, deadline=None, database=None)
@given(code=st.text(max_size=200), language=languages)
def test_never_raises_on_arbitrary_text(code: str, language: str) -> None:
    problems = MATCHER.analyze_code(code, language)
    fixed, report = MATCHER.apply_fixes(code, language)
    for text, found in ((code, problems), (fixed, report.remaining)):
        for problem in found:
            assert 0 <= problem.start <= problem.end <= len(text)
            assert problem.line >= 1 and problem.column >= 1
