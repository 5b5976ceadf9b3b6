"""ESLint's ecmaVersion option: normalisation, built-in globals, and how the
matcher and the rule context carry it."""

from __future__ import annotations

import pytest

from patterns import LATEST_ECMA_VERSION, PatternMatcher, RuleContext, normalize_ecma_version, parse
from patterns.ecma import builtin_globals


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        (None, LATEST_ECMA_VERSION),
        ("latest", LATEST_ECMA_VERSION),
        (3, 3),
        (5, 5),
        (6, 2015),
        (11, 2020),
        (17, 2026),
        (2015, 2015),
        (2019, 2019),
        (2026, 2026),
    ],
)
def test_editions_become_years_as_in_eslint(given: int | str | None, normalised: int) -> None:
    assert normalize_ecma_version(given) == normalised


@pytest.mark.parametrize("given", [4, 18, 2014, 2027, 0, -1, "es2020", "2020", "", True, 6.0])
def test_versions_eslint_rejects_are_errors(given: object) -> None:
    with pytest.raises(ValueError, match="ecma_version"):
        normalize_ecma_version(given)  # type: ignore[arg-type]


def test_latest_is_eslint_9s() -> None:
    assert LATEST_ECMA_VERSION == 2026
    assert normalize_ecma_version(LATEST_ECMA_VERSION) == LATEST_ECMA_VERSION


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Math", 3),
        ("Object", 3),
        ("undefined", 3),
        ("parseInt", 3),
        ("JSON", 5),
        ("Promise", 2015),
        ("Atomics", 2017),
        ("globalThis", 2020),
        ("BigInt", 2020),
        ("WeakRef", 2021),
        ("Iterator", 2025),
        ("DisposableStack", 2026),
    ],
)
def test_each_global_from_its_version_on(name: str, first: int) -> None:
    versions = [3, 5, *range(2015, LATEST_ECMA_VERSION + 1)]
    assert [v for v in versions if name in builtin_globals(v)] == versions[versions.index(first) :]


def test_unknown_names_are_no_builtins() -> None:
    assert "window" not in builtin_globals(LATEST_ECMA_VERSION)
    assert "require" not in builtin_globals(LATEST_ECMA_VERSION)  # commonjs, not ECMAScript


def test_rule_context_normalises_and_answers_for_its_version() -> None:
    source = parse("x", "javascript")
    latest = RuleContext(source, rule_name="r", options=(), reliability=1.0)
    assert latest.ecma_version == LATEST_ECMA_VERSION
    assert latest.is_builtin_global("globalThis")
    old = RuleContext(source, rule_name="r", options=(), reliability=1.0, ecma_version=10)
    assert old.ecma_version == 2019
    assert not old.is_builtin_global("globalThis") and old.is_builtin_global("Math")
    with pytest.raises(ValueError):
        RuleContext(source, rule_name="r", options=(), reliability=1.0, ecma_version=4)


RULES = ["prefer-exponentiation-operator", "prefer-object-spread"]
CODE = "globalThis.Math.pow(a, b); globalThis.Object.assign({}, a);"


@pytest.mark.parametrize(
    ("version", "reported"),
    [(None, 2), ("latest", 2), (2020, 2), (11, 2), (2019, 0), (6, 0), (5, 0), (3, 0)],
)
def test_global_this_is_a_global_from_2020(version: int | str | None, reported: int) -> None:
    matcher = PatternMatcher(RULES)
    assert len(matcher.analyze_code(CODE, ecma_version=version)) == reported


def test_apply_fixes_uses_the_version_in_every_pass() -> None:
    matcher = PatternMatcher(RULES)
    code = "x = Math.pow(globalThis.Math.pow(a, b), c);"
    assert matcher.apply_fixes(code)[0] == "x = (a**b)**c;"
    fixed, report = matcher.apply_fixes(code, ecma_version=2019)
    assert fixed == "x = globalThis.Math.pow(a, b)**c;"
    assert report.remaining == []


def test_the_matcher_rejects_unknown_versions_up_front() -> None:
    matcher = PatternMatcher(RULES)
    with pytest.raises(ValueError):
        matcher.analyze_code("x", ecma_version=2030)
    with pytest.raises(ValueError):
        matcher.apply_fixes("x", ecma_version="next")
