"""The dot-notation rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass
from patterns.rules._js_values import cook


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["dot-notation"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("a['\\x62c'];", "a.bc;"),  # the value counts, not the spelling
        ("a['\\u{63}'];", "a.c;"),
        ("a['b']['c'];", "a.b['c'];"),  # touching fixes: the second waits a pass
        ('a["b"]in c', "a.b in c"),
        ("a['b']+c", "a.b+c"),
        ("a['b']\n[0]", "a.b\n[0]"),
        ("(1)['x']", "(1) .x"),
        ("1.5['x']", "1.5.x"),
        ("0x1['x']", "0x1.x"),
        ("a[`b`]`tag`", "a.b`tag`"),
        ("a?.['b']?.['c']", "a?.b?.c"),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        "a['b c'];",
        "a['1b'];",
        "a['ü'];",  # ESLint only accepts ASCII identifiers
        "a[`b${c}`];",
        "a[b];",
        "a['b' + 'c'];",
        "a[0];",
        "var s = \"a['b']\"; // a['c']",
        "const r = /a['b']/;",
    ],
)
def test_not_reported(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_message_and_range(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("x = a[ ('b') ];")
    assert problem.message == '["b"] is better written in dot notation.'
    assert (problem.column, problem.end_column) == (9, 12)


def test_keywords_option(matcher: PatternMatcher) -> None:
    options = {"dot-notation": [{"allowKeywords": False}]}
    code = "a.class.b?.default;"
    assert [p.message for p in matcher.analyze_code(code, rules=options)] == [
        ".class is a syntax error.",
        ".default is a syntax error.",
    ]
    assert one_pass(matcher, code, rules=options) == 'a["class"].b?.["default"];'
    assert one_pass(matcher, "a['class'];", rules=options) == "a['class'];"
    assert one_pass(matcher, "a?. /* c */ class", rules=options) == "a?. /* c */ class"


def test_allow_pattern(matcher: PatternMatcher) -> None:
    options = {"dot-notation": [{"allowPattern": "^data_"}]}
    code = "a['data_x']; a['datax'];"
    assert one_pass(matcher, code, rules=options) == "a['data_x']; a.datax;"


def test_invalid_options() -> None:
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"dot-notation": [{"allowPattern": "("}]})
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"dot-notation": [{"allowKeywords": "no"}]})


def test_typescript(matcher: PatternMatcher) -> None:
    code = "const v = (o as Record<string, number>)['key']!;"
    assert one_pass(matcher, code, language="typescript") == (
        "const v = (o as Record<string, number>).key!;"
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [("a\\nb", "a\nb"), ("\\101", "A"), ("\\'", "'"), ("a\\\nb", "ab"), ("\\u0041", "A")],
)
def test_cook(raw: str, value: str) -> None:
    assert cook(raw) == value
