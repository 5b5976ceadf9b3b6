"""structural_features: fixed layout, log scaling, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models import DEFAULT_SYNTAX_KEYS, feature_names, feature_size, structural_features

RULES = ["eqeqeq", "no-var", "semi"]


def test_layout_and_scaling() -> None:
    vector = structural_features(
        {"no-var": 3, "eqeqeq": 1, "unknown-rule": 4},
        RULES,
        size_chars=999,
        n_lines=9,
        syntax_stats={"nodes": 120.0, "max_depth": 7, "ignored": 5.0},
        syntax_keys=("nodes", "max_depth", "functions"),
    )
    assert vector.dtype == np.float32 and vector.shape == (feature_size(RULES, ("a", "b", "c")),)
    per_rule = [math.log1p(1), math.log1p(3), 0.0]  # in rule_names order
    other_and_total = [math.log1p(4), math.log1p(8)]
    size_and_lines = [math.log1p(999), math.log1p(9)]
    syntax = [math.log1p(120), math.log1p(7), 0.0]  # a missing statistic reads 0
    expected = per_rule + other_and_total + size_and_lines + syntax
    assert np.allclose(vector, expected, atol=1e-6)


def test_names_match_the_layout() -> None:
    names = feature_names(RULES)
    assert len(names) == feature_size(RULES) == len(RULES) + 4 + len(DEFAULT_SYNTAX_KEYS)
    assert names[:4] == ["problems:eqeqeq", "problems:no-var", "problems:semi", "problems:other"]
    vector = structural_features({}, RULES, 0, 0, {})
    assert vector.shape == (len(names),) and not vector.any()


def test_signed_statistics() -> None:
    vector = structural_features({}, [], 0, 0, {"delta": -3.0}, syntax_keys=("delta",))
    assert vector[-1] == pytest.approx(-math.log1p(3.0))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"problem_counts": {"semi": -1}},
        {"size_chars": -1},
        {"rule_names": ["semi", "semi"]},
        {"syntax_stats": {"nodes": float("nan")}},
    ],
)
def test_invalid_input(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {
        "problem_counts": {},
        "rule_names": RULES,
        "size_chars": 1,
        "n_lines": 1,
        "syntax_stats": {},
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError):
        structural_features(**arguments)  # type: ignore[arg-type]
