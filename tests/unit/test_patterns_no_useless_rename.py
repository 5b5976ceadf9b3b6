"""The no-useless-rename rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["no-useless-rename"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("for (const {a: a} of xs) {}", "for (const {a} of xs) {}"),
        ("[{a: a}] = xs;", "[{a}] = xs;"),
        ("try {} catch ({message: message}) {}", "try {} catch ({message}) {}"),
        ("const f = function ({a: {b: b}}) {};", "const f = function ({a: {b}}) {};"),
        ('let {"a\\x62": ab} = o;', 'let {ab} = o;'),
        ("let {a: a = `${x}`} = o;", "let {a = `${x}`} = o;"),
        ("let {a: a = /re/g} = o;", "let {a = /re/g} = o;"),
        ("import d, {x as x} from 'm';", "import d, {x} from 'm';"),
        ("export {x as x, y as z} from 'm';", "export {x, y as z} from 'm';"),
        # not renames
        ("let {a: b} = o;", None),
        ("let {a: {a}} = o;", None),
        ("let {[a]: a} = o;", None),
        ("let {1: a} = o;", None),
        ("({a: a});", None),  # an object literal, not a pattern
        ("const s = 'let {a: a} = o'; /* import {a as a} */", None),
        ("import * as a from 'a';", None),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str | None) -> None:
    assert one_pass(matcher, code) == (code if fixed is None else fixed)


def test_messages_name_the_decoded_name(matcher: PatternMatcher) -> None:
    problems = matcher.analyze_code("import {\\u{62} as b} from 'm'; export {c as 'c'};")
    assert [p.message for p in problems] == [
        "Import b unnecessarily renamed.",
        "Export c unnecessarily renamed.",
    ]


def test_comments_inside_the_property_block_the_fix(matcher: PatternMatcher) -> None:
    code = "let {a /* keep */: a} = o;"
    (problem,) = matcher.analyze_code(code)
    assert problem.fix is None
    assert one_pass(matcher, "let {a: a /* tail */} = o;") == "let {a /* tail */} = o;"


def test_typescript(matcher: PatternMatcher) -> None:
    code = "function f({a: a}: {a: number}) {} import {type T as T} from 'm';"
    fixed = one_pass(matcher, code, language="typescript")
    assert fixed.startswith("function f({a}: {a: number}) {}")


@pytest.mark.parametrize(
    ("option", "code"),
    [
        ("ignoreDestructuring", "let {a: a} = o;"),
        ("ignoreImport", "import {a as a} from 'm';"),
        ("ignoreExport", "let a; export {a as a};"),
    ],
)
def test_each_kind_can_be_ignored(option: str, code: str) -> None:
    assert PatternMatcher({"no-useless-rename": [{option: True}]}).analyze_code(code) == []
    assert len(PatternMatcher(["no-useless-rename"]).analyze_code(code)) == 1


def test_bad_option() -> None:
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"no-useless-rename": [{"ignoreImport": 1}]})
