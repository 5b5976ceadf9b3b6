"""The operator-assignment rule, beyond ESLint's own cases (see test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from patterns import InvalidRuleOptions, PatternMatcher, apply_pass

NEVER = {"operator-assignment": ["never"]}


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher(["operator-assignment"])


def one_pass(matcher: PatternMatcher, code: str, **kwargs: Any) -> str:
    return apply_pass(code, matcher.analyze_code(code, **kwargs)).text


@pytest.mark.parametrize(
    ("code", "fixed"),
    [
        ("s = s + '+= not an operator'", "s += '+= not an operator'"),
        ("t = t + `${t} = t + 1`", "t += `${t} = t + 1`"),
        ("r = r + /=/.source", "r += /=/.source"),
        ("this.#n = this.#n * 2", "this.#n *= 2"),
        ("o['k'] = o['k'] ** 2", "o['k'] **= 2"),
        ("(x) = (x) - 1", "(x) -= 1"),
        ("x = x - -y", "x -= -y"),
        # A comment after the right operand stays (it is outside the assignment).
        ("x = x + 1 // add one", "x += 1 // add one"),
        (
            "function f(a) { return () => { a = a | 4; }; }",
            "function f(a) { return () => { a |= 4; }; }",
        ),
    ],
)
def test_always_shortens(matcher: PatternMatcher, code: str, fixed: str) -> None:
    assert len(matcher.analyze_code(code)) == 1
    assert one_pass(matcher, code) == fixed


@pytest.mark.parametrize(
    "code",
    [
        "x = x === y",
        "x = y + x",  # + is not commutative for strings
        "x = x && y",
        "a.b = a.c + 1",
        "x[i++] = x[i++] + 1",
        "x = 'x = x + 1'",
        "// x = x + 1",
    ],
)
def test_always_leaves_these_alone(matcher: PatternMatcher, code: str) -> None:
    assert matcher.analyze_code(code) == []


@pytest.mark.parametrize(
    "code",
    [
        "x = y * x",  # swapping operands may reorder valueOf calls
        "a.b.c = a.b.c + 1",  # the target has more than one level
        "a[k] = a[k] + 1",  # a computed key that is not a literal
        "x = /* keep */ x + 1",  # a comment would be lost
    ],
)
def test_reported_but_not_fixed(matcher: PatternMatcher, code: str) -> None:
    [problem] = matcher.analyze_code(code)
    assert problem.fix is None


def test_never_expands(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "x -= y ? 1 : 2", rules=NEVER) == "x = x - (y ? 1 : 2)"
    assert one_pass(matcher, "x **= y ** 2", rules=NEVER) == "x = x ** (y ** 2)"
    assert one_pass(matcher, "x -= --y", rules=NEVER) == "x = x - --y"
    assert one_pass(matcher, "x-=-y", rules=NEVER) == "x= x- -y"
    # Line breaks around the operator survive.
    assert one_pass(matcher, "a\n-= b\n;[1]", rules=NEVER) == "a\n= a\n- b\n;[1]"
    for logical in ("a ||= b", "a &&= b", "a ??= b"):
        assert matcher.analyze_code(logical, rules=NEVER) == []


def test_messages(matcher: PatternMatcher) -> None:
    [replaced] = matcher.analyze_code("x = x >>> 1")
    assert replaced.message == "Assignment (=) can be replaced with operator assignment (>>>=)."
    [unexpected] = matcher.analyze_code("x <<= 1", rules=NEVER)
    assert unexpected.message == "Unexpected operator assignment (<<=) shorthand."
    assert (unexpected.column, unexpected.end_column) == (1, 8)
    assert unexpected.reliability == 0.95


def test_typescript(matcher: PatternMatcher) -> None:
    assert one_pass(matcher, "let n: number = 1; n = n + 1;", language="typescript") == (
        "let n: number = 1; n += 1;"
    )
    # A non-null target is not a plain reference for ESLint either.
    assert matcher.analyze_code("x! = x! + 1", "typescript") == []
    tsx = "const el = <b onClick={() => { c = c + 1 }} />;"
    assert one_pass(matcher, tsx, language="tsx") == "const el = <b onClick={() => { c += 1 }} />;"


def test_invalid_option(matcher: PatternMatcher) -> None:
    with pytest.raises(InvalidRuleOptions):
        matcher.analyze_code("x = x + 1", rules={"operator-assignment": ["sometimes"]})
