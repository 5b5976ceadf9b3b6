"""The worker's upkeep beside the agents (training, saving, expiring, shutdown): it must
keep going where a file system or a model misbehaves, and lose no transitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.replay import ReplayBuffer
from streams import learning, stages
from streams.app import Worker
from streams.settings import Settings


def settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"model_dir": tmp_path / "models", "data_dir": tmp_path / "data",
                                 "redis_url": None, "encoder_enabled": False}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def worker(tmp_path: Path) -> AsyncIterator[Worker]:
    w = Worker(settings(tmp_path, train_min_transitions=4))
    yield w
    await w.close()


def add_transitions(worker: Worker, count: int) -> None:
    size = worker.planner.replay.obs_shape[0]
    for i in range(count):
        worker.planner.replay.add(np.zeros(size, np.float32), 1, np.zeros(size, np.float32),
                                  float(i), False)


async def test_periodic_training_goes_on_once_the_replay_buffer_is_full(
        worker: Worker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ring buffer stops growing at its capacity; new transitions still arrive."""
    trained: list[int] = []

    def fake_train(planner: Any, model_dir: Path, **_: Any) -> tuple[Path, None]:
        trained.append(len(planner.replay))
        return model_dir / f"v{len(trained)}", None

    monkeypatch.setattr(learning, "train_planner", fake_train)
    replay = worker.planner.replay
    worker.planner.replay = ReplayBuffer(60, replay.obs_shape, (), action_dtype=np.int64)
    add_transitions(worker, 60)
    assert await worker.train_if_due() is not None and trained == [60]
    assert await worker.train_if_due() is None, "nothing new"
    add_transitions(worker, 60)  # the buffer is full: its size stays 60
    assert await worker.train_if_due() is not None and trained == [60, 60]


async def test_training_that_fails_leaves_the_worker_running(
        worker: Worker, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(learning, "train_planner", broken)
    add_transitions(worker, 60)
    assert await worker.train_if_due() is None


async def test_upkeep_never_raises_into_a_timer(worker: Worker, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception in a Faust timer crashes the whole worker (mode's Service.crash)."""
    add_transitions(worker, 3)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert await worker.save_transitions(blocked / "replay.npz") is None  # mkdir fails

    def unreadable(*_: Any) -> None:
        raise OSError("stale file handle")

    monkeypatch.setattr(learning, "latest_checkpoint", unreadable)
    worker.settings = worker.settings.model_copy(update={"model_dir": tmp_path})
    await worker.refresh_model()
    assert worker.checkpoint is None

    def broken_record(*_: Any, **__: Any) -> float:
        raise ValueError("obs must have shape (3,)")

    monkeypatch.setattr(worker.pending, "_record", broken_record)
    monkeypatch.setattr(worker.pending, "timeout_s", 1e-9)
    worker.pending._waiting["f"] = type(  # a step waiting since long ago
        "W", (), {"since": -1.0, "steps": [object()]})()
    assert await worker.expire_pending() is None


async def test_shutdown_records_the_waiting_steps_and_saves_them(tmp_path: Path) -> None:
    from streams.records import CodeChange

    w = Worker(settings(tmp_path))
    change = CodeChange(repo="r", path="a.js", revision=1,
                        content="var a = 1;\nf(a);\nif (a = = 2) {}\n")
    planned = await w.plan(await w.encode(change))
    await w.fix(planned)
    assert change.id in w.pending, "steps wait for their verdicts"
    path = tmp_path / "replay.npz"
    try:
        await w.shutdown(path)
    finally:
        await w.close()
    assert len(w.pending) == 0
    saved = ReplayBuffer.load(path)
    assert len(saved) == len(w.planner.replay) and len(saved) >= 2


def test_verdicts_from_two_workers_both_count() -> None:
    """Every worker reads the verdict table; each must write only keys no other worker
    writes, or two verdicts on one rule that cross in flight count as one."""
    priors = {"prefer-const": 0.5}
    shared: dict[str, dict[str, float]] = {}
    # Two workers, each with the same (stale) replica, take one verdict each on their
    # own feedback partitions, then their writes reach everyone's replica.
    writes = {}
    for partition in (0, 1):
        replica = dict(shared)
        key = stages.verdict_key("prefer-const", partition)
        writes[key] = stages.count_verdict(replica.get(key), "accept")
    shared.update(writes)
    both = stages.reliabilities_from_verdicts(priors, shared, prior_strength=2)
    assert both["prefer-const"] == pytest.approx((1 + 2) / (2 + 2))


def test_verdicts_kept_under_a_rule_alone_still_count() -> None:
    """Tables written before verdicts were kept per partition."""
    verdicts = {"curly": {"accepted": 1.0, "rejected": 0.0},
                stages.verdict_key("curly", 3): {"accepted": 1.0, "rejected": 0.0}}
    got = stages.reliabilities_from_verdicts({"curly": 0.5}, verdicts, prior_strength=2)
    assert got["curly"] == pytest.approx(3 / 4)


async def test_the_app_flushes_the_waiting_steps_when_it_shuts_down(tmp_path: Path) -> None:
    from streams.app import create_app

    app = create_app(settings(tmp_path))
    worker: Worker = app.fixstream  # type: ignore[attr-defined]
    recorded: list[object] = []
    monkey_record = recorded.append
    worker.pending._record = lambda step, **_: monkey_record(step) or 0.0  # type: ignore
    worker.pending._waiting["f"] = type("W", (), {"since": 0.0, "steps": ["a step"]})()
    try:
        await app.on_before_shutdown.send()
        assert recorded == ["a step"] and len(worker.pending) == 0
    finally:
        await worker.close()


async def test_feedback_counts_each_fix_once_and_a_changed_mind_replaces_it(
        worker: Worker, monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.records import Feedback

    judged: list[str] = []

    async def judge(record: Feedback) -> int:
        judged.append(record.verdict)
        return 0

    monkeypatch.setattr(worker, "judge", judge)
    given: dict[str, Any] = {}
    verdicts: dict[str, Any] = {}

    def feedback(verdict: str) -> Feedback:
        return Feedback(fix_id="f1", rule="no-var", verdict=verdict, repo="r", path="a.js")

    assert await worker.take_feedback(feedback("accept"), "r:a.js", 2, given, verdicts)
    assert not await worker.take_feedback(feedback("accept"), "r:a.js", 2, given, verdicts)
    assert worker.counters.duplicate_feedback == 1
    assert await worker.take_feedback(feedback("reject"), "r:a.js", 2, given, verdicts)
    key = stages.verdict_key("no-var", 2)
    assert list(verdicts) == [key], "counted under this partition's key"
    assert verdicts[key] == stages.count_verdict(None, "reject")
    assert judged == ["accept"], "a changed mind does not re-record the steps"
