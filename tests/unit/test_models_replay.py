"""ReplayBuffer: ring semantics, sampling, exact save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models import ReplayBuffer, ReplayBufferError


def _filled(capacity: int, count: int) -> ReplayBuffer:
    buffer = ReplayBuffer(capacity, (2,), (), action_dtype=np.int64)
    for i in range(count):
        buffer.add([i, -i], i % 3, [i + 1, -i - 1], float(i), i % 4 == 0)
    return buffer


def test_ring_buffer_overwrites_oldest() -> None:
    buffer = _filled(5, 8)
    assert len(buffer) == 5
    everything = buffer.get_all()
    assert everything.rewards.tolist() == [3.0, 4.0, 5.0, 6.0, 7.0]  # oldest first
    assert everything.obs[:, 0].tolist() == [3, 4, 5, 6, 7]
    assert everything.actions.dtype == np.int64 and everything.dones.dtype == bool


def test_add_batch_larger_than_capacity_keeps_the_last_rows() -> None:
    buffer = ReplayBuffer(4, (1,), (1,))
    n = 10
    buffer.add_batch(
        np.arange(n, dtype=np.float32)[:, None],
        np.zeros((n, 1)),
        np.arange(n, dtype=np.float32)[:, None],
        np.arange(n),
        np.zeros(n, bool),
    )
    assert buffer.get_all().rewards.tolist() == [6.0, 7.0, 8.0, 9.0]
    buffer.add([10.0], [0.0], [10.0], 10.0, False)
    assert buffer.get_all().rewards.tolist() == [7.0, 8.0, 9.0, 10.0]


def test_shapes_are_checked() -> None:
    buffer = ReplayBuffer(4, (2,), (1,))
    with pytest.raises(ValueError):
        buffer.add([1.0, 2.0, 3.0], [0.0], [1.0, 2.0], 0.0, False)


def test_sample_is_seeded_and_in_range() -> None:
    buffer = _filled(10, 6)
    a = buffer.sample(32, np.random.default_rng(0))
    b = buffer.sample(32, np.random.default_rng(0))
    assert len(a) == 32 and np.array_equal(a.rewards, b.rewards)
    assert set(a.rewards.tolist()) <= set(range(6))
    with pytest.raises(ReplayBufferError):
        ReplayBuffer(3, (1,), (1,)).sample(1, np.random.default_rng(0))


@pytest.mark.parametrize("count", [0, 3, 7, 12])
def test_save_load_round_trip_is_exact(tmp_path: Path, count: int) -> None:
    buffer = _filled(7, count)
    path = tmp_path / "replay.npz"
    buffer.save(path)
    loaded = ReplayBuffer.load(path)
    assert (loaded.capacity, loaded.obs_shape, loaded.action_shape) == (7, (2,), ())
    assert len(loaded) == len(buffer)
    for name in ("obs", "actions", "next_obs", "rewards", "dones"):
        original, restored = getattr(buffer, name), getattr(loaded, name)
        assert restored.dtype == original.dtype and np.array_equal(restored, original)
    # The ring position survives too: the next write lands on the same row.
    buffer.add([99, 99], 1, [99, 99], 99.0, True)
    loaded.add([99, 99], 1, [99, 99], 99.0, True)
    assert np.array_equal(buffer.get_all().obs, loaded.get_all().obs)


def test_save_uses_the_exact_path(tmp_path: Path) -> None:
    path = tmp_path / "buffer.bin"
    _filled(3, 2).save(path)
    assert path.is_file() and ReplayBuffer.load(path).get_all().rewards.tolist() == [0.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["buffer.bin"]


def test_load_rejects_garbage(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(ReplayBufferError):
        ReplayBuffer.load(path)
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ReplayBufferError):
        ReplayBuffer.load(tmp_path / "other.npz")


def test_added_counts_every_row_past_the_capacity() -> None:
    """A full buffer's size stops at its capacity; ``added`` tells new rows still come."""
    buffer = ReplayBuffer(3, (2,), ())
    for i in range(5):
        buffer.add(np.zeros(2), 0.0, np.zeros(2), float(i), False)
    buffer.add_batch(np.zeros((4, 2)), np.zeros(4), np.zeros((4, 2)), np.zeros(4),
                     np.zeros(4, bool))
    assert len(buffer) == 3 and buffer.added == 9
