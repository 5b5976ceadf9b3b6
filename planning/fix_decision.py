"""A fix plan decision and the safe plan it falls back to.

The greedy plan is what the stream runs without a model: every rule with a fixable
problem, most reliable first. :class:`PlanDecision` is what the planner answers,
plain-valued so the stream can put it on a topic: the rules, who decided them, how
unsure the model was, and why the greedy plan was used when it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "COLD",
    "DEADLINE",
    "DISAGREEMENT",
    "NOTHING_TO_FIX",
    "PlanDecision",
    "PlanSource",
    "fixable_counts",
    "greedy_plan",
]

#: Reasons a decision gives for using the greedy plan.
COLD = "cold"
DISAGREEMENT = "disagreement"
DEADLINE = "deadline"
NOTHING_TO_FIX = "nothing to fix"

PlanSource = Literal["model", "greedy"]


def greedy_plan(
    problems: Mapping[str, int],
    features: Mapping[str, float],
    reliabilities: Mapping[str, float],
    fixable: Mapping[str, int] | None = None,
    selected: Sequence[str] | None = None,
    min_reliability: float = 0.0,
) -> list[str]:
    """The safe plan: every rule with a fixable problem, most reliable first.

    ``fixable`` defaults to the ``fixable:<rule>`` features. A file that does not
    parse (``syntax_errors > 0``) hides most problems until its typo is fixed, so
    there the plan also runs every rule of ``selected``: the fixer's later passes see
    the repaired tree. Rules below ``min_reliability`` are left out; ties in
    reliability are broken by name.
    """
    if fixable is None:
        fixable = fixable_counts(features)

    def eligible(rule: str) -> bool:
        return (selected is None or rule in selected) and (
            reliabilities.get(rule, 0.0) >= min_reliability
        )

    rules = [rule for rule, count in fixable.items() if count > 0 and eligible(rule)]
    if features.get("syntax_errors", 0.0) > 0 and selected is not None:
        rules += [rule for rule in selected if rule not in rules and eligible(rule)]
    rules.sort(key=lambda rule: (-reliabilities.get(rule, 0.0), rule))
    return rules


def fixable_counts(features: Mapping[str, float]) -> dict[str, int]:
    """Fixable problems per rule from the ``fixable:<rule>`` features."""
    return {
        key.split(":", 1)[1]: int(value) for key, value in features.items()
        if key.startswith("fixable:")
    }


@dataclass(frozen=True)
class PlanDecision:
    """Which rules to apply, in order, and who decided it.

    Attributes:
        rules: rule names in the order to apply them (no stop action).
        source: ``"model"`` or ``"greedy"``.
        uncertainty: ensemble disagreement of the chosen model plan (mean over its
            steps; for an empty plan, over the one-step predictions of the rules it
            declined); None when no model was consulted.
        reason: why the greedy plan was used: :data:`COLD`, :data:`DISAGREEMENT`,
            :data:`DEADLINE` or :data:`NOTHING_TO_FIX`; None for a model plan.
        elapsed_ms: time spent deciding.
        predicted_return: the model's predicted return of the chosen model plan.
        greedy: the greedy plan (what a fallback would run).
        state: the state vector the decision was made from (None when not computed).
        explored: the plan was searched with one random ensemble member
            (``plan(explore=True)``), not the ensemble's mean.
    """

    rules: list[str]
    source: PlanSource
    uncertainty: float | None = None
    reason: str | None = None
    elapsed_ms: float = 0.0
    predicted_return: float | None = None
    greedy: list[str] = field(default_factory=list)
    state: np.ndarray | None = field(default=None, repr=False, compare=False)
    explored: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The plan as the stream's ``Plan`` record holds it."""
        return {
            "source": self.source,
            "rules": list(self.rules),
            "uncertainty": self.uncertainty,
            "reason": self.reason,
        }
