"""Cheap structural features of a file: the planner's state vector.

The stream computes the counts (problems per rule, syntax statistics); this module
only lays them out in a fixed order and scales them, so the same layout is used for
training and planning.

Layout for ``R = len(rule_names)`` and ``G = len(syntax_keys)`` (size ``R + 4 + G``)::

    [0, R)        log1p(problems of rule_names[i])
    R             log1p(problems of rules not in rule_names)
    R + 1         log1p(total problems)
    R + 2         log1p(size in characters)
    R + 3         log1p(number of lines)
    [R + 4, ...)  signed log1p(syntax_stats[syntax_keys[j]]), 0 when absent

"signed log1p" is ``sign(x) * log1p(|x|)``: counts are compressed, small ratios
(in [0, 1]) barely change, negative values keep their sign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "DEFAULT_SYNTAX_KEYS",
    "NUM_SUMMARY_FEATURES",
    "feature_names",
    "feature_size",
    "structural_features",
]

#: Syntax statistics used when the caller names none. The stream fills what it can;
#: missing keys read as 0.
DEFAULT_SYNTAX_KEYS: tuple[str, ...] = (
    "nodes",
    "max_depth",
    "error_nodes",
    "functions",
    "classes",
    "imports",
    "comments",
)

#: Features between the per-rule counts and the syntax statistics.
NUM_SUMMARY_FEATURES = 4


def feature_size(
    rule_names: Sequence[str], syntax_keys: Sequence[str] = DEFAULT_SYNTAX_KEYS
) -> int:
    """Length of the vector :func:`structural_features` returns for this layout."""
    return len(rule_names) + NUM_SUMMARY_FEATURES + len(syntax_keys)


def feature_names(
    rule_names: Sequence[str], syntax_keys: Sequence[str] = DEFAULT_SYNTAX_KEYS
) -> list[str]:
    """Name of every position of the feature vector, in order."""
    return (
        [f"problems:{name}" for name in rule_names]
        + ["problems:other", "problems:total", "size_chars", "n_lines"]
        + [f"syntax:{key}" for key in syntax_keys]
    )


def structural_features(
    problem_counts: Mapping[str, int],
    rule_names: Sequence[str],
    size_chars: int,
    n_lines: int,
    syntax_stats: Mapping[str, float],
    syntax_keys: Sequence[str] = DEFAULT_SYNTAX_KEYS,
) -> np.ndarray:
    """The fixed-layout state vector described in the module docstring.

    Args:
        problem_counts: problems found per rule name (rules absent count 0).
        rule_names: the rules with a slot of their own, in slot order.
        size_chars: file size in characters.
        n_lines: number of lines.
        syntax_stats: syntax statistics by name; only ``syntax_keys`` are used.
        syntax_keys: which statistics, in slot order.

    Returns:
        float32 vector of size ``feature_size(rule_names, syntax_keys)``.

    Raises:
        ValueError: a negative count, size or line number, a non-finite statistic,
            or a rule named twice in ``rule_names``.
    """
    if len(set(rule_names)) != len(rule_names):
        raise ValueError("rule_names has duplicates")
    if size_chars < 0 or n_lines < 0:
        raise ValueError(f"negative size ({size_chars}) or line count ({n_lines})")
    for rule, count in problem_counts.items():
        if count < 0:
            raise ValueError(f"negative problem count for {rule!r}: {count}")
    known = set(rule_names)
    per_rule = [float(problem_counts.get(name, 0)) for name in rule_names]
    other = float(sum(c for rule, c in problem_counts.items() if rule not in known))
    total = float(sum(problem_counts.values()))
    stats = [float(syntax_stats.get(key, 0.0)) for key in syntax_keys]
    if not np.all(np.isfinite(stats)):
        raise ValueError(f"non-finite syntax statistic in {dict(syntax_stats)!r}")
    counts = np.log1p(np.asarray(per_rule + [other, total, size_chars, n_lines], dtype=np.float64))
    stat_array = np.asarray(stats, dtype=np.float64)
    signed = np.sign(stat_array) * np.log1p(np.abs(stat_array))
    return np.concatenate([counts, signed]).astype(np.float32)
