"""Fixed-capacity store of transitions (ring buffer) with exact save/load."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from models.exceptions import ReplayBufferError

__all__ = ["ReplayBuffer", "TransitionBatch"]

_FORMAT_VERSION = 1


@dataclass(frozen=True)
class TransitionBatch:
    """B transitions: obs B x obs_shape, actions B x action_shape, next_obs B x
    obs_shape, rewards B (float32), dones B (bool)."""

    obs: np.ndarray
    actions: np.ndarray
    next_obs: np.ndarray
    rewards: np.ndarray
    dones: np.ndarray

    def __len__(self) -> int:
        return int(self.rewards.shape[0])


class ReplayBuffer:
    """Ring buffer of the last ``capacity`` transitions.

    Args:
        capacity: rows kept; once full, each new row overwrites the oldest.
        obs_shape: shape of one observation (``(S,)``).
        action_shape: shape of one action: ``(A,)`` for continuous, ``()`` for an id.
        obs_dtype, action_dtype: storage dtypes (e.g. float32, int64 for ids).
    """

    def __init__(
        self,
        capacity: int,
        obs_shape: tuple[int, ...],
        action_shape: tuple[int, ...],
        obs_dtype: npt.DTypeLike = np.float32,
        action_dtype: npt.DTypeLike = np.float32,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self.capacity = capacity
        self.obs_shape = tuple(obs_shape)
        self.action_shape = tuple(action_shape)
        self.obs = np.zeros((capacity, *self.obs_shape), dtype=obs_dtype)
        self.next_obs = np.zeros((capacity, *self.obs_shape), dtype=obs_dtype)
        self.actions = np.zeros((capacity, *self.action_shape), dtype=action_dtype)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.dones = np.zeros(capacity, dtype=bool)
        self._cursor = 0  # next row to write
        self._size = 0
        #: Rows ever added (a full buffer's size stops growing; this does not). A loaded
        #: buffer starts from its size.
        self.added = 0

    def __len__(self) -> int:
        return self._size

    def add(
        self,
        obs: npt.ArrayLike,
        action: npt.ArrayLike,
        next_obs: npt.ArrayLike,
        reward: float,
        done: bool,
    ) -> None:
        """Store one transition (obs: obs_shape, action: action_shape)."""
        self.add_batch(
            np.asarray(obs)[None],
            np.asarray(action)[None],
            np.asarray(next_obs)[None],
            np.asarray([reward]),
            np.asarray([done]),
        )

    def add_batch(
        self,
        obs: npt.ArrayLike,
        actions: npt.ArrayLike,
        next_obs: npt.ArrayLike,
        rewards: npt.ArrayLike,
        dones: npt.ArrayLike,
    ) -> None:
        """Store B transitions in order (obs B x obs_shape, actions B x action_shape,
        next_obs B x obs_shape, rewards B, dones B). With B > capacity only the last
        ``capacity`` rows remain."""
        arrays = [np.asarray(a) for a in (obs, actions, next_obs, rewards, dones)]
        count = received = arrays[3].shape[0]
        expected = [self.obs_shape, self.action_shape, self.obs_shape, (), ()]
        for name, array, shape in zip(
            ("obs", "actions", "next_obs", "rewards", "dones"), arrays, expected, strict=True
        ):
            if array.shape != (count, *shape):
                raise ValueError(f"{name} must have shape {(count, *shape)}, got {array.shape}")
        if count > self.capacity:
            arrays = [a[-self.capacity :] for a in arrays]
            count = self.capacity
        rows = (self._cursor + np.arange(count)) % self.capacity
        for store, array in zip(self._stores(), arrays, strict=True):
            store[rows] = array
        self._cursor = int((self._cursor + count) % self.capacity)
        self._size = min(self._size + count, self.capacity)
        self.added += int(received)

    def sample(self, batch_size: int, rng: np.random.Generator) -> TransitionBatch:
        """batch_size transitions drawn uniformly with replacement."""
        if self._size == 0:
            raise ReplayBufferError("cannot sample from an empty replay buffer")
        return self._take(rng.integers(0, self._size, size=batch_size))

    def get_all(self) -> TransitionBatch:
        """Every stored transition, oldest first (copies)."""
        start = self._cursor if self._size == self.capacity else 0
        return self._take((start + np.arange(self._size)) % self.capacity)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the whole buffer state to ``path`` in ``.npz`` format (no suffix is
        added), atomically: a reader never sees a half-written file."""
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        with open(partial, "wb") as handle:
            self._write(handle)
        os.replace(partial, target)

    def _write(self, handle: BinaryIO) -> None:
        np.savez(
            handle,
            format_version=np.asarray(_FORMAT_VERSION),
            capacity=np.asarray(self.capacity),
            cursor=np.asarray(self._cursor),
            size=np.asarray(self._size),
            obs_shape=np.asarray(self.obs_shape, dtype=np.int64),
            action_shape=np.asarray(self.action_shape, dtype=np.int64),
            obs=self.obs,
            actions=self.actions,
            next_obs=self.next_obs,
            rewards=self.rewards,
            dones=self.dones,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ReplayBuffer:
        """A buffer identical to the one :meth:`save` wrote (contents, order, dtypes)."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                fields: dict[str, Any] = {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise ReplayBufferError(f"cannot read replay buffer file {path}: {exc}") from exc
        if int(fields.get("format_version", -1)) != _FORMAT_VERSION:
            raise ReplayBufferError(f"{path} is not a replay buffer of format {_FORMAT_VERSION}")
        try:
            buffer = cls(
                int(fields["capacity"]),
                tuple(int(d) for d in fields["obs_shape"]),
                tuple(int(d) for d in fields["action_shape"]),
                obs_dtype=fields["obs"].dtype,
                action_dtype=fields["actions"].dtype,
            )
            for name in ("obs", "actions", "next_obs", "rewards", "dones"):
                getattr(buffer, name)[...] = fields[name]
            buffer._cursor = int(fields["cursor"])
            buffer._size = int(fields["size"])
            buffer.added = buffer._size
            if not (0 <= buffer._cursor < buffer.capacity and 0 <= buffer._size <= buffer.capacity):
                raise ValueError(f"cursor {buffer._cursor} / size {buffer._size} out of range")
        except (KeyError, ValueError) as exc:
            raise ReplayBufferError(f"{path} is an incomplete replay buffer: {exc}") from exc
        return buffer

    def _stores(self) -> tuple[np.ndarray, ...]:
        return (self.obs, self.actions, self.next_obs, self.rewards, self.dones)

    def _take(self, rows: np.ndarray) -> TransitionBatch:
        return TransitionBatch(
            obs=self.obs[rows],
            actions=self.actions[rows],
            next_obs=self.next_obs[rows],
            rewards=self.rewards[rows],
            dones=self.dones[rows],
        )
