"""The no-regex-spaces rule and its regex reader, beyond ESLint's own cases."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import PatternMatcher, apply_pass
from patterns.rules._regex_syntax import RegexSyntaxError, character_classes


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-regex-spaces"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("x = /é  ü/u;", "x = /é {2}ü/u;"),  # offsets are characters, not bytes
        ("x = /😀  a/u;", "x = /😀 {2}a/u;"),
        ("x = new RegExp(('a  b'), 'g');", "x = new RegExp(('a {2}b'), 'g');"),
        ("x = /a  b/; y = /c   d/;", "x = /a {2}b/; y = /c {3}d/;"),
        ("x = /(?<n>a)  \\k<n>/;", "x = /(?<n>a) {2}\\k<n>/;"),
        ("x = RegExp('a  \\\\d');", None),  # the spelling differs from the value
        ("x = RegExp('a  b', f);", None),  # unknown flags: not even reported
        ("x = /a  (/;", None),  # not a valid pattern (nor valid code)
        ("x = `/a  b/`;", None),
        ("// /a  b/\nx = '/a  b/';", None),
        ("x = RegExp`a  b`;", None),
        ("function f(RegExp) { return RegExp('a  b'); }", None),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    assert one_pass(matcher, code) == (fixed if fixed is not None else code)


def test_message_and_range(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("f(new RegExp('a    b'));")
    assert problem.message == "Spaces are hard to count. Use {4}."
    assert (problem.column, problem.end_column) == (3, 23)


def test_only_the_first_run_of_a_pattern_is_reported(matcher: PatternMatcher) -> None:
    code = "x = /a  b   c/;"
    assert len(matcher.analyze_code(code)) == 1
    assert one_pass(matcher, code) == "x = /a {2}b   c/;"


def test_typescript(matcher: PatternMatcher) -> None:
    code = "const r: RegExp = new RegExp('a  b') as RegExp;"
    assert one_pass(matcher, code, language="typescript") == (
        "const r: RegExp = new RegExp('a {2}b') as RegExp;"
    )


@pytest.mark.parametrize(
    ("pattern", "flags", "classes"),
    [
        ("a[b]c[^d]", "", [(1, 4), (5, 9)]),
        ("[\\]]", "", [(0, 4)]),
        ("[[a]--[b]]", "v", [(1, 4), (6, 9), (0, 10)]),
        ("[\\q{ab|c}]", "v", [(0, 10)]),
        ("a{2,3}?", "", []),
        ("{", "", []),  # Annex B: a lone brace is a literal
        ("(?=a)*", "", []),
        ("(?i:a)", "", []),
        ("\\1(a)", "u", []),
    ],
)
def test_valid_patterns(pattern: str, flags: str, classes: list[tuple[int, int]]) -> None:
    assert character_classes(pattern, flags) == classes


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        ("[a", ""),
        ("(a", ""),
        ("a)", ""),
        ("*a", ""),
        ("a{2}{3}", ""),
        ("{", "u"),
        ("a{3,2}", ""),
        ("[z-a]", ""),
        ("\\2(a)", "u"),
        ("\\k<x>(?<y>a)", ""),
        ("(?<=a)*", ""),
        ("\\q", "u"),
        ("[(]", "v"),
        ("a\\", ""),
    ],
)
def test_invalid_patterns(pattern: str, flags: str) -> None:
    with pytest.raises(RegexSyntaxError):
        character_classes(pattern, flags)
