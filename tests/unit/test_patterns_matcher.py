"""The public API: PatternMatcher, the registry, RULESET_VERSION, exports."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import patterns
from patterns import (
    RULES,
    RULESET_VERSION,
    InvalidRuleOptions,
    PatternError,
    PatternMatcher,
    Rule,
    UnknownRule,
    UnsupportedLanguage,
    all_rule_names,
    get_rule,
)

CODE = "let x = 1; if (y = = 2) {}"


def test_exports_are_explicit_and_importable() -> None:
    assert sorted(patterns.__all__) == sorted(set(patterns.__all__))
    for name in patterns.__all__:
        assert hasattr(patterns, name), name
    for module in (
        "parsing",
        "rule",
        "registry",
        "fixer",
        "matcher",
        "textedits",
        "scope",
        "types",
        "ecma",
    ):
        mod = importlib.import_module(f"patterns.{module}")
        for name in mod.__all__:
            assert hasattr(mod, name), (module, name)


def test_patterns_never_imports_streams() -> None:
    root = Path(patterns.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "streams" or n.startswith("streams.") for n in names), path


def test_registry() -> None:
    assert all_rule_names() == tuple(sorted(RULES))
    assert {"no-spaced-equals", "prefer-const"} <= set(all_rule_names())
    rule = get_rule("prefer-const")
    assert isinstance(rule, Rule)
    assert 0.0 <= rule.default_reliability <= 1.0
    assert rule.fix_kind == "code"
    assert rule.options_schema == ({"destructuring": "any", "ignoreReadBeforeAssign": False},)
    for name in all_rule_names():
        r = get_rule(name)
        assert r.name == name and r.description and 0.0 <= r.default_reliability <= 1.0
    with pytest.raises(UnknownRule, match="no-such-rule"):
        get_rule("no-such-rule")


def test_ruleset_version_is_stable_and_short() -> None:
    assert isinstance(RULESET_VERSION, str) and len(RULESET_VERSION) == 16
    from patterns.registry import _ruleset_version

    assert _ruleset_version() == RULESET_VERSION


def test_all_rules_by_default() -> None:
    matcher = PatternMatcher()
    assert set(matcher.rule_names) == set(all_rule_names())
    problems = matcher.analyze_code(CODE)
    assert [p.rule for p in problems] == ["prefer-const", "no-spaced-equals"]
    assert problems == sorted(problems, key=lambda p: p.start)


def test_rules_as_names_or_mapping() -> None:
    only = PatternMatcher(["no-spaced-equals"])
    assert [p.rule for p in only.analyze_code(CODE)] == ["no-spaced-equals"]
    assert [p.rule for p in PatternMatcher("prefer-const").analyze_code(CODE)] == ["prefer-const"]
    mapping = PatternMatcher({"prefer-const": [{"destructuring": "all"}]})
    assert mapping.analyze_code("let {a, b} = o; b = 1;") == []
    # Per call, `rules` replaces the matcher's selection.
    assert [p.rule for p in only.analyze_code(CODE, rules=["prefer-const"])] == ["prefer-const"]
    assert PatternMatcher({"prefer-const": None}).rule_names == ("prefer-const",)


def test_unknown_rules_are_rejected() -> None:
    with pytest.raises(UnknownRule):
        PatternMatcher(["prefer-const", "nope"])
    with pytest.raises(UnknownRule):
        PatternMatcher().analyze_code("x", rules={"nope": []})
    with pytest.raises(UnknownRule):
        PatternMatcher(reliabilities={"nope": 0.5})
    with pytest.raises(PatternError):
        PatternMatcher().set_reliability("nope", 0.5)


def test_invalid_options_are_rejected() -> None:
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"prefer-const": "all"})
    with pytest.raises(InvalidRuleOptions):
        PatternMatcher({"no-spaced-equals": [{"x": 1}]})


def test_reliabilities() -> None:
    matcher = PatternMatcher(reliabilities={"prefer-const": 0.3})
    assert matcher.reliabilities["prefer-const"] == 0.3
    assert matcher.reliabilities["no-spaced-equals"] == 1.0
    [pc, _] = matcher.analyze_code(CODE)
    assert pc.reliability == 0.3
    matcher.set_reliability("prefer-const", 0.8)
    assert matcher.analyze_code(CODE)[0].reliability == 0.8
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError):
            matcher.set_reliability("prefer-const", bad)


def test_min_reliability_skips_fixes() -> None:
    matcher = PatternMatcher(reliabilities={"prefer-const": 0.5})
    fixed, report = matcher.apply_fixes(CODE, min_reliability=0.6)
    assert fixed == "let x = 1; if (y == 2) {}"
    assert [a.rule for a in report.applied] == ["no-spaced-equals"]
    [skipped] = report.skipped
    assert skipped.rule == "prefer-const"
    assert "below the threshold" in skipped.reason
    fixed, _ = matcher.apply_fixes(CODE, min_reliability=0.5)
    assert fixed == "const x = 1; if (y == 2) {}"


def test_apply_fixes_report() -> None:
    # Only the two rules this is about: eqeqeq, say, would add an unfixable `==`.
    fixed, report = PatternMatcher(["no-spaced-equals", "prefer-const"]).apply_fixes(CODE)
    assert fixed == "const x = 1; if (y == 2) {}"
    assert report.passes == 2  # prefer-const only fixes once the parse is clean
    assert [(a.rule, a.pass_index) for a in report.applied] == [
        ("no-spaced-equals", 0),
        ("prefer-const", 1),
    ]
    assert report.remaining == [] and report.skipped == []


def test_languages_and_source_types() -> None:
    matcher = PatternMatcher(["prefer-const"])
    assert matcher.analyze_code("let x: T = 1;", "ts")
    assert matcher.analyze_code("let x = <a/>;", "jsx")
    with pytest.raises(UnsupportedLanguage):
        matcher.analyze_code("x", "python")
    with pytest.raises(ValueError):
        matcher.analyze_code("x", source_type="esm")
    exported = "/* exported x */ let x = 1;"
    assert matcher.analyze_code(exported, source_type="script") == []
    assert matcher.analyze_code(exported) != []  # module by default, like ESLint 9
    assert matcher.analyze_code("let x = 1;", source_type="commonjs")


def test_garbage_never_raises() -> None:
    matcher = PatternMatcher()
    for text in ("", "\x00\x01", "}}}{{{", "let", "= = = =", "\ud800", "(" * 4000, "`${" * 200):
        matcher.analyze_code(text)
        fixed, _ = matcher.apply_fixes(text)
        assert isinstance(fixed, str)


def test_eslint_style_rule_configs() -> None:
    code = "let {a, b} = o; b = 1;"
    assert PatternMatcher({"prefer-const": "error"}).analyze_code(code)
    assert (
        PatternMatcher({"prefer-const": ["warn", {"destructuring": "all"}]}).analyze_code(code)
        == []
    )
    assert PatternMatcher({"prefer-const": {"destructuring": "all"}}).analyze_code(code) == []
    off = PatternMatcher({"prefer-const": "off", "no-spaced-equals": 2})
    assert off.rule_names == ("no-spaced-equals",)
    assert PatternMatcher({"prefer-const": 0}).rule_names == ()


def test_sources_tree_sitter_cannot_parse_in_time_get_nothing() -> None:
    runaway = "{/\n'';return[}break o);e "  # tree-sitter-typescript never finishes it
    matcher = PatternMatcher(parse_time_limit=0.2)
    assert matcher.analyze_code(runaway, "typescript") == []
    fixed, report = matcher.apply_fixes(runaway, "typescript")
    assert fixed == runaway
    assert report.applied == [] and report.remaining == []
