"""Executing a fix plan rule by rule through the pattern engine, with verification.

Only deterministic patterns change code: each step asks the matcher to apply one
rule's fixes (to a fixed point, verified by the fixer), then checks the result again
here and reverts the step when it made things worse. Every step is reported with
the states before and after, so the planner can record it as a transition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from patterns import AppliedFix, Problem, RuleSelection
from patterns.fixer import BREAKS_PARSE
from planning.fix_decision import PlanDecision
from planning.fix_state import FixObservation, Matcher, StateLayout, observe_code

__all__ = [
    "ExecutedStep",
    "ExecutionResult",
    "expected_reward",
    "realized_reward",
    "rule_options",
    "run_step",
    "verify_step",
]


@dataclass(frozen=True)
class ExecutedStep:
    """One rule's fixes, applied (or reverted) during execution.

    Attributes:
        action: the rule's action id (see :class:`~planning.fix_state.StateLayout`).
        rule: the rule's name.
        state, next_state: state vectors (S) before and after the step; equal when
            the step was reverted or changed nothing.
        applied: fixes kept (ranges in the text the step started from, per pass).
        failed: fixes that failed verification: dropped by the fixer because they
            broke the parse, or thrown away with a reverted step.
        verified: False when the step was reverted.
        reason: why it was reverted, else None.
        reliability: the acceptance probability used for :attr:`reward`.
        reward: expected reward (see :func:`expected_reward`).
        done: the last step of the plan.
    """

    action: int
    rule: str
    state: np.ndarray
    next_state: np.ndarray
    applied: list[AppliedFix]
    failed: int
    verified: bool
    reason: str | None
    reliability: float
    reward: float
    done: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (e.g. to keep a step until the users' verdicts arrive)."""
        return {
            "action": self.action,
            "rule": self.rule,
            "state": [float(x) for x in self.state],
            "next_state": [float(x) for x in self.next_state],
            "applied": [
                {"rule": fix.rule, "start": fix.start, "end": fix.end,
                 "reliability": fix.reliability, "pass_index": fix.pass_index}
                for fix in self.applied
            ],
            "failed": self.failed,
            "verified": self.verified,
            "reason": self.reason,
            "reliability": self.reliability,
            "reward": self.reward,
            "done": self.done,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExecutedStep:
        """The step :meth:`to_dict` described."""
        return cls(
            action=int(data["action"]),
            rule=str(data["rule"]),
            state=np.asarray(data["state"], dtype=np.float32),
            next_state=np.asarray(data["next_state"], dtype=np.float32),
            applied=[AppliedFix(**fix) for fix in data["applied"]],
            failed=int(data["failed"]),
            verified=bool(data["verified"]),
            reason=data["reason"],
            reliability=float(data["reliability"]),
            reward=float(data["reward"]),
            done=bool(data["done"]),
        )


@dataclass
class ExecutionResult:
    """The outcome of executing a plan on one file.

    Attributes:
        code: the fixed text (the input when nothing was kept).
        steps: one :class:`ExecutedStep` per rule executed, in order.
        applied: every fix kept, in order (ranges relative to each step's input).
        remaining: the problems of ``code`` under the analysed rules.
        failed: fixes that failed verification, over all steps.
        recorded: transitions written to the planner's replay buffer.
        elapsed_ms: time spent executing.
        decisions: the plan executed first, then each replan's decision.
    """

    code: str
    steps: list[ExecutedStep] = field(default_factory=list)
    applied: list[AppliedFix] = field(default_factory=list)
    remaining: list[Problem] = field(default_factory=list)
    failed: int = 0
    recorded: int = 0
    elapsed_ms: float = 0.0
    decisions: list[PlanDecision] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def expected_reward(
    applied: int, reliability: float, failed: int, risk_weight: float, failure_penalty: float
) -> float:
    """Expected accepted fixes, minus ``risk_weight`` per expected rejection, minus
    ``failure_penalty`` per failed verification:
    ``n p - risk_weight n (1 - p) - failure_penalty failed``."""
    return (
        applied * reliability
        - risk_weight * applied * (1.0 - reliability)
        - failure_penalty * failed
    )


def realized_reward(
    accepted: int, rejected: int, failed: int, risk_weight: float, failure_penalty: float
) -> float:
    """The reward once users have judged the step's fixes:
    ``accepted - risk_weight rejected - failure_penalty failed``."""
    return float(accepted - risk_weight * rejected - failure_penalty * failed)


def rule_options(rules: RuleSelection, rule: str) -> Any:
    """The options ``rules`` gives ``rule`` (None: the rule's defaults)."""
    if isinstance(rules, Mapping):
        return rules.get(rule)
    return None


def verify_step(rule: str, before: FixObservation, after: FixObservation) -> str | None:
    """Why the step from ``before`` to ``after`` must be reverted, or None.

    A step fails when the file has more syntax errors than before, or when another
    rule now has more problems *without a fix* than before. Problems that come with a
    fix are follow-ups a later step can apply (as in ESLint's multipass fixing); and a
    step that repaired the parse may reveal problems it did not cause, so a step
    that lowered the syntax error count is not held to the second check.
    """
    if after.syntax_errors > before.syntax_errors:
        return f"syntax errors rose from {before.syntax_errors} to {after.syntax_errors}"
    if after.syntax_errors < before.syntax_errors:
        return None
    for other in sorted(set(after.problems) - {rule}):
        grew = after.unfixable(other) - before.unfixable(other)
        if grew > 0:
            return f"{grew} new unfixable problem(s) of {other}"
    return None


def run_step(
    matcher: Matcher,
    code: str,
    language: str,
    rule: str,
    before: FixObservation,
    layout: StateLayout,
    *,
    rules: RuleSelection,
    min_reliability: float,
    reliability: float,
    context: np.ndarray,
    risk_weight: float,
    failure_penalty: float,
) -> tuple[str, FixObservation, ExecutedStep]:
    """Apply ``rule``'s fixes to ``code`` and verify; returns ``(code, observation, step)``
    after the step (the inputs again when it was reverted)."""
    state = _state(layout, before, context)
    fixed, report = matcher.apply_fixes(
        code, language=language, rules={rule: rule_options(rules, rule)},
        min_reliability=min_reliability,
    )
    broke = sum(1 for skipped in report.skipped if skipped.reason == BREAKS_PARSE)
    applied = list(report.applied)
    reason: str | None = None
    if fixed == code:
        after, applied = before, []
    else:
        after = observe_code(matcher, fixed, language, rules)
        reason = verify_step(rule, before, after)
    if reason is not None:  # revert
        failed = broke + len(applied)
        fixed, after, applied = code, before, []
    else:
        failed = broke
    step = ExecutedStep(
        action=layout.action_id(rule),
        rule=rule,
        state=state,
        next_state=state if after is before else _state(layout, after, context),
        applied=applied,
        failed=failed,
        verified=reason is None,
        reason=reason,
        reliability=reliability,
        reward=expected_reward(len(applied), reliability, failed, risk_weight, failure_penalty),
    )
    return fixed, after, step


def _state(layout: StateLayout, observation: FixObservation, context: np.ndarray) -> np.ndarray:
    base = layout.vector(observation.problems, observation.features, observation.fixable)
    if not layout.embedding_dims:
        return base
    # vector() without an embedding fills the context with zeros: put the real one back.
    base[-layout.context_size :] = context
    return base
