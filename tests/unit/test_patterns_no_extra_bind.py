"""The no-extra-bind rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import PatternMatcher, apply_pass

RULE = "no-extra-bind"
MESSAGE = "The function binding is unnecessary."


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher([RULE])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        # `this` only inside a nested function does not count...
        (
            "f(function () { return function () { return this; }; }.bind(o));",
            "f(function () { return function () { return this; }; });",
        ),
        # ... nor inside a nested class method ...
        (
            "f(function () { class A { m() { this.x; } } }.bind(o));",
            "f(function () { class A { m() { this.x; } } });",
        ),
        # ... nor inside a generator function.
        ("f(function* () { yield 1; }.bind(o));", "f(function* () { yield 1; });"),
        ("f(async function () { await g(); }.bind(o));", "f(async function () { await g(); });"),
        # Escaped property names are still `bind`.
        ("f(function () {}['bi\\x6ed'](o));", "f(function () {});"),
        ("f(function () {}[('bind')](o));", "f(function () {});"),
        # Literal arguments are side-effect free, whatever their kind.
        ("f(function () {}.bind(/re/g));", "f(function () {});"),
        ("f(function () {}.bind(null));", "f(function () {});"),
        ("f(function () {}.bind(undefined));", "f(function () {});"),
        ("f(function () {}.bind(function () {}));", "f(function () {});"),
        ("f(function () {}.bind((o)));", "f(function () {});"),
        # Several parentheses around the function and around the callee.
        ("f(((function () {})).bind(o));", "f(((function () {})));"),
        ("f(((function () {}).bind)(o));", "f(((function () {})));"),
        # Trailing comma: still one argument.
        ("f(function () {}.bind(o,));", "f(function () {});"),
        # Strings and templates in the body are never mistaken for `this`.
        (
            "f(function () { return 'this' + `this`; }.bind(o));",
            "f(function () { return 'this' + `this`; });",
        ),
    ],
)
def test_reported_and_fixed(matcher: PatternMatcher, code: str, fixed: str) -> None:
    [problem] = matcher.analyze_code(code)
    assert problem.message == MESSAGE
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        "f(function () { return () => () => this; }.bind(o));",  # arrows share `this`
        "f(function () { class A { [this.key]() {} } }.bind(o));",  # computed key: outer this
        "f(function () { class A { x = this; } }.bind(o));",  # a field is no function
        "f(function () {}.bind(o, 1));",
        "f(function () {}.bind());",
        "f(function () {}.bind(...args));",
        "f(function () {}[bind](o));",
        "f(function () {}.bond(o));",
        "f(function () {}.bind.call(o));",
        "f(g.bind(o));",
        "new (function () {}.bind)(o);",
        "f(`${function () {}}`.bind(o));",
        "// function () {}.bind(o)\nf('function () {}.bind(o)');",
    ],
)
def test_not_reported(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


@pytest.mark.parametrize(
    "code",
    [
        "f(function () {}.bind(`x`));",  # a template literal is not an ESTree Literal
        "f(function () {}.bind([o]));",
        "f(function () {}.bind(o /* why */));",
        "f(function () {}?./* a */bind(o));",
    ],
)
def test_reported_but_not_fixed(matcher: PatternMatcher, code: str) -> None:
    [problem] = matcher.analyze_code(code)
    assert problem.fix is None


def test_position_is_the_property(matcher: PatternMatcher) -> None:
    code = "x = function () {\n}\n  .bind(o);"
    [problem] = matcher.analyze_code(code)
    assert (problem.line, problem.column, problem.end_line, problem.end_column) == (3, 4, 3, 8)
    assert problem.reliability == 0.95


def test_nested_bound_functions_over_passes(matcher: PatternMatcher) -> None:
    code = "f(function () { g(function () {}.bind(a)); }.bind(b));"
    problems = matcher.analyze_code(code)
    assert len(problems) == 2
    fixed, report = matcher.apply_fixes(code)
    assert fixed == "f(function () { g(function () {}); });"
    assert report.remaining == []


def test_comment_outside_the_removed_text_is_kept(matcher: PatternMatcher) -> None:
    code = "f(function () {} /* keep */ .bind(o) /* also */);"
    assert one_pass(matcher, code) == "f(function () {} /* keep */  /* also */);"


def test_asi_the_bound_call_is_still_a_callee(matcher: PatternMatcher) -> None:
    # `.bind(o)` followed by `(1)` on the next line is one call chain; the fix
    # keeps the function as the callee of `(1)`.
    code = "x = function () { return 1; }.bind(o)\n(1)"
    assert one_pass(matcher, code) == "x = function () { return 1; }\n(1)"


def test_typescript_and_tsx(matcher: PatternMatcher) -> None:
    ts = "const f = function (this: Window, a: number) { return a; }.bind(w);"
    assert one_pass(matcher, ts, language="typescript") == (
        "const f = function (this: Window, a: number) { return a; };"
    )
    tsx = "const el = <A onClick={(() => go()).bind(this)} />;"
    assert one_pass(matcher, tsx, language="tsx") == "const el = <A onClick={(() => go())} />;"


def test_an_escaped_bind_key_is_still_found(matcher: PatternMatcher) -> None:
    # No `bind` word in the text: the pre-check lets escapes through.
    problems = matcher.analyze_code('var f = function () {}["\\x62ind"](this);')
    assert len(problems) == 1
