"""PendingSteps: executed steps become transitions with the users' verdicts, or with
their expected reward when none comes in time."""

from __future__ import annotations

import numpy as np
import pytest

from patterns import PatternMatcher
from patterns.types import AppliedFix
from planning import FixPlanner, PendingSteps
from planning.fix_execution import ExecutedStep


def step(rule: str, fixes: int, reward: float = 0.5, failed: int = 0) -> ExecutedStep:
    state = np.zeros(3, np.float32)
    return ExecutedStep(
        action=1, rule=rule, state=state, next_state=state,
        applied=[AppliedFix(rule=rule, start=i, end=i + 1, reliability=0.9, pass_index=0)
                 for i in range(fixes)],
        failed=failed, verified=True, reason=None, reliability=0.9, reward=reward)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int | None, int | None]] = []

    def __call__(self, s: ExecutedStep, *, accepted: int | None = None,
                 rejected: int | None = None) -> float:
        self.calls.append((s.rule, accepted, rejected))
        return 0.0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_steps_without_fixes_are_recorded_at_once_the_others_wait() -> None:
    record = Recorder()
    pending = PendingSteps(record)
    assert pending.hold("f1", [step("no-var", 2), step("prefer-const", 0)]) == 1
    assert record.calls == [("prefer-const", None, None)]
    assert "f1" in pending and len(pending) == 1


def test_a_verdict_records_the_rules_steps_with_it_once() -> None:
    record = Recorder()
    pending = PendingSteps(record)
    pending.hold("f1", [step("no-var", 2), step("prefer-const", 3), step("no-var", 1)])
    assert pending.judge("f1", "no-var", "reject") == 2
    assert record.calls == [("no-var", 0, 2), ("no-var", 0, 1)]
    assert pending.judge("f1", "no-var", "accept") == 0, "already judged: nothing left"
    assert pending.judge("f2", "no-var", "accept") == 0, "unknown fix id"
    assert pending.judge("f1", "prefer-const", "accept") == 1
    assert record.calls[-1] == ("prefer-const", 3, 0)
    assert len(pending) == 0 and pending.judged == 3 and pending.expired == 0


def test_unjudged_steps_time_out_to_their_expected_reward() -> None:
    record, clock = Recorder(), Clock()
    pending = PendingSteps(record, timeout_s=60.0, clock=clock)
    pending.hold("old", [step("no-var", 1)])
    clock.now = 30.0
    pending.hold("new", [step("prefer-const", 1)])
    clock.now = 61.0
    assert pending.expire() == 1
    assert record.calls == [("no-var", None, None)]
    assert "old" not in pending and "new" in pending
    assert pending.judge("old", "no-var", "accept") == 0, "a late verdict finds nothing"
    assert pending.flush() == 1 and len(pending) == 0 and pending.expired == 2


def test_capacity_pushes_out_the_oldest_with_expected_rewards() -> None:
    record = Recorder()
    pending = PendingSteps(record, capacity=2)
    for fix_id in ("a", "b", "c"):
        pending.hold(fix_id, [step(f"rule-{fix_id}", 1)])
    assert record.calls == [("rule-a", None, None)]
    assert len(pending) == 2 and "a" not in pending


def test_the_same_fix_held_again_replaces_the_earlier_steps() -> None:
    record = Recorder()
    pending = PendingSteps(record)
    pending.hold("f", [step("no-var", 1)])
    pending.hold("f", [step("no-var", 1)])
    assert record.calls == [("no-var", None, None)], "the earlier steps are not lost"
    assert pending.judge("f", "no-var", "accept") == 1


def test_invalid_settings() -> None:
    with pytest.raises(ValueError):
        PendingSteps(Recorder(), capacity=0)
    with pytest.raises(ValueError):
        PendingSteps(Recorder(), timeout_s=0)


def test_with_a_planner_the_replay_gets_the_realised_reward() -> None:
    matcher = PatternMatcher()
    planner = FixPlanner(matcher.rule_names, risk_weight=1.0, failure_penalty=1.0)
    pending = PendingSteps(planner.record)
    result = planner.execute(matcher, "var a = 1;\nvar b = 2;\nf(a, b);\n", "javascript",
                             ["no-var", "prefer-const"], record=False)
    [no_var] = [s for s in result.steps if s.rule == "no-var"]
    assert len(no_var.applied) == 2 and no_var.reward != -2.0
    pending.hold("fix-1", result.steps)
    before = len(planner.replay)
    assert pending.judge("fix-1", "no-var", "reject") == 1
    assert len(planner.replay) == before + 1
    batch = planner.replay.get_all()
    assert float(batch.rewards[-1]) == -2.0, "two rejected fixes, risk weight 1"
    assert int(batch.actions[-1]) == no_var.action
