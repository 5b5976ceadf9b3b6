"""Executed steps that wait for the users' verdicts before they become transitions.

A step that applied fixes earns its reward from what users make of those fixes: so the
stream executes a plan without recording it (:meth:`FixPlanner.execute` with
``record=False``), holds its steps here under the fix's id, and records each step when
the verdict on its rule arrives (:meth:`PendingSteps.judge`), with the realised reward.

Users judge some fixes and ignore most. A step nobody judged within ``timeout_s`` (or
pushed out because more than ``capacity`` fixes are waiting) is recorded with its
*expected* reward, the one computed from the rule's reliability when it ran: dropping
it instead would starve the model wherever feedback is rare, and the expected reward
is what every step earned before verdicts were wired in. Steps that applied nothing
(stopped, reverted, nothing left to fix) have nothing to judge: they are recorded at
once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from planning.fix_execution import ExecutedStep

__all__ = ["PendingSteps", "RecordStep", "Verdict"]

Verdict = Literal["accept", "reject"]

#: ``record(step, accepted=..., rejected=...)``, as :meth:`planning.FixPlanner.record`:
#: both None for the expected reward.
RecordStep = Callable[..., float]


@dataclass
class _Waiting:
    since: float
    steps: list[ExecutedStep] = field(default_factory=list)


class PendingSteps:
    """Steps held per fix id until their verdicts arrive; bounded and timed out.

    Not thread-safe: call it from one thread (the worker's fix thread, which also
    executes plans and so owns the replay buffer).

    Args:
        record: writes one step as a transition (``planner.record``).
        capacity: fixes held at most; the oldest is recorded with expected rewards
            when a new one would exceed it.
        timeout_s: how long a fix's steps wait for verdicts.
        clock: seconds, monotonic (injectable for tests).
    """

    def __init__(
        self,
        record: RecordStep,
        *,
        capacity: int = 10_000,
        timeout_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1 or timeout_s <= 0:
            raise ValueError("capacity must be >= 1 and timeout_s > 0")
        self._record = record
        self.capacity = capacity
        self.timeout_s = timeout_s
        self.clock = clock
        self._waiting: OrderedDict[str, _Waiting] = OrderedDict()
        self.judged = 0  # steps recorded with a verdict
        self.expired = 0  # steps recorded with their expected reward after waiting

    def __len__(self) -> int:
        """Fixes with steps still waiting."""
        return len(self._waiting)

    def __contains__(self, fix_id: object) -> bool:
        return fix_id in self._waiting

    def hold(self, fix_id: str, steps: Sequence[ExecutedStep]) -> int:
        """Keep ``fix_id``'s steps that applied fixes; record the others now.

        Returns the number of steps recorded now (including any pushed out by the
        capacity, or timed out).
        """
        recorded = self.expire()
        judged_later = [step for step in steps if step.applied]
        for step in steps:
            if not step.applied:
                self._record(step)
                recorded += 1
        if not judged_later:
            return recorded
        if fix_id in self._waiting:  # the same change fixed again (a retry): replace
            recorded += self._flush(self._waiting.pop(fix_id))
        self._waiting[fix_id] = _Waiting(self.clock(), list(judged_later))
        while len(self._waiting) > self.capacity:
            _, oldest = self._waiting.popitem(last=False)
            recorded += self._flush(oldest)
        return recorded

    def judge(self, fix_id: str, rule: str, verdict: Verdict) -> int:
        """Record ``fix_id``'s steps of ``rule`` with the verdict on its fixes (all of
        them accepted, or all rejected); returns how many steps were recorded (0 when
        none wait: already judged, timed out, or fixed by another worker)."""
        waiting = self._waiting.get(fix_id)
        if waiting is None:
            return 0
        mine = [step for step in waiting.steps if step.rule == rule]
        if not mine:
            return 0
        waiting.steps = [step for step in waiting.steps if step.rule != rule]
        if not waiting.steps:
            del self._waiting[fix_id]
        for step in mine:
            count = len(step.applied)
            accepted = count if verdict == "accept" else 0
            self._record(step, accepted=accepted, rejected=count - accepted)
        self.judged += len(mine)
        return len(mine)

    def expire(self) -> int:
        """Record, with expected rewards, the steps that waited longer than
        ``timeout_s``; returns how many."""
        deadline = self.clock() - self.timeout_s
        recorded = 0
        while self._waiting:
            fix_id, waiting = next(iter(self._waiting.items()))
            if waiting.since > deadline:
                break
            del self._waiting[fix_id]
            recorded += self._flush(waiting)
        return recorded

    def flush(self) -> int:
        """Record every waiting step with its expected reward (at shutdown)."""
        recorded = 0
        while self._waiting:
            _, waiting = self._waiting.popitem(last=False)
            recorded += self._flush(waiting)
        return recorded

    def _flush(self, waiting: _Waiting) -> int:
        for step in waiting.steps:
            self._record(step)
        self.expired += len(waiting.steps)
        return len(waiting.steps)
