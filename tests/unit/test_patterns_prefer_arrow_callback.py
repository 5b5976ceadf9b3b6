"""The prefer-arrow-callback rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass

RULE = "prefer-arrow-callback"


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher([RULE])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("xs.map(function (x) { return x * 2; });", "xs.map((x) => { return x * 2; });"),
        ("p.then(async function (r) { await r; });", "p.then(async (r) => { await r; });"),
        # Strings, templates and regexes in the body are untouched.
        (
            "f(function () { return 'function' + `${'this'}` + /=>/.source; });",
            "f(() => { return 'function' + `${'this'}` + /=>/.source; });",
        ),
        # A comment between `function` and `(` stays; the name goes on its own.
        ("f(function /* c */ named() {});", "f( /* c */ () => {});"),
        # A comment before the body moves behind `=>`.
        ("f(function (a) // why\n{ return a; });", "f((a) => // why\n{ return a; });"),
        # `arguments` of a nested function is not this function's.
        (
            "f(function () { return function () { return arguments; }; });",
            "f(() => { return function () { return arguments; }; });",
        ),
        # A parameter named like the function hides the name.
        ("f(function g(g) { return g; });", "f((g) => { return g; });"),
        # `new` arguments: ESLint parenthesises unless the token test says otherwise.
        ("new P(function (ok) { ok(); });", "new P((ok) => { ok(); });"),
        ("new P(a, function () {});", "new P(a, (() => {}));"),
        # `.bind(this)` goes; another receiver stays with a parenthesised arrow.
        ("f(function () { return this.x; }.bind(this));", "f(() => { return this.x; });"),
        ("f(function () { return 1; }.bind(that));", "f((() => { return 1; }).bind(that));"),
    ],
)
def test_fixes(matcher: PatternMatcher, code: str, fixed: str) -> None:
    [problem] = matcher.analyze_code(code)
    assert problem.message == "Unexpected function expression."
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        "f(function* () { yield 1; });",
        "f(function () { return this; });",
        "f(function () { return () => this; });",
        "f(function () { return arguments.length; });",
        "f(function () { return () => arguments; });",
        "f(function g() { setTimeout(g); });",
        "f(function () { return new.target; });",
        "f(function () { return this; }.bind(that));",
        "const g = function () {};",
        "(function () {})();",
        "f(function () {}.call(this));",
        "f(function () {}['bind'](this));",
        "import(function () {});",
        "f`${function () {}}`;",
        "// f(function () {})\nf('function () {}');",
    ],
)
def test_not_reported(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


def test_options(matcher: PatternMatcher) -> None:
    named = {RULE: [{"allowNamedFunctions": True}]}
    assert matcher.analyze_code("f(function g() {});", rules=named) == []
    assert len(matcher.analyze_code("f(function () {});", rules=named)) == 1
    strict = {RULE: [{"allowUnboundThis": False}]}
    [problem] = matcher.analyze_code("f(function () { this.x(); });", rules=strict)
    assert problem.fix is None
    with pytest.raises(InvalidRuleOptions):
        matcher.analyze_code("f();", rules={RULE: [{"allowNamedFunctions": "yes"}]})
    with pytest.raises(InvalidRuleOptions):
        matcher.analyze_code("f();", rules={RULE: [{"allowArrows": True}]})


def test_no_fix_for_duplicate_parameters(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("f(function (a, a) {});", source_type="script")
    assert problem.fix is None


def test_nested_callbacks_over_passes(matcher: PatternMatcher) -> None:
    code = "f(function () { g(function (x) { return x; }); });"
    assert len(matcher.analyze_code(code)) == 2
    fixed, report = matcher.apply_fixes(code)
    assert fixed == "f(() => { g((x) => { return x; }); });"
    assert report.remaining == []


def test_range_and_reliability(matcher: PatternMatcher) -> None:
    [problem] = matcher.analyze_code("f(\n  function () {}\n);")
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (2, 3, 2, 17)
    assert problem.reliability == 0.85


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    ts = "xs.map(function (x: number): string { return String(x); });"
    assert one_pass(matcher, ts, language="typescript") == (
        "xs.map((x: number): string => { return String(x); });"
    )
    this_param = "f(function (this: Window) {});"
    [problem] = matcher.analyze_code(this_param, language="typescript")
    assert problem.fix is None
    tsx = "const el = <B onClick={f(function (e) { go(e); })} />;"
    assert one_pass(matcher, tsx, language="tsx") == (
        "const el = <B onClick={f((e) => { go(e); })} />;"
    )
