"""The planner's learning loop as plain functions: replay files, training, checkpoints.

Workers write the transitions their planner recorded to ``<model_dir>/replay-<app>-<worker>.npz``
(the worker id survives restarts, see :func:`claim_worker_id`, so a restarted worker takes
its own file back instead of leaving it behind);
``fixstream train`` (or a worker's periodic training) fits the ensemble on all of them and
writes the next checkpoint version; plan agents load the newest checkpoint as it appears.
``model_dir`` is a folder every worker can reach (a shared volume in production).
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import uuid
from itertools import count
from pathlib import Path
from typing import Any

from models import latest_checkpoint
from models.replay import ReplayBuffer
from planning.fix_planner import FixPlanner

__all__ = ["WorkerId", "claim_worker_id", "worker_replay_path", "save_replay", "load_replays",
           "restore_replay", "train_planner", "refresh_model"]

log = logging.getLogger("fixstream.learning")


class WorkerId:
    """A worker's id, held (by a lock in its data folder) while the process lives."""

    def __init__(self, value: str, lock_fd: int) -> None:
        self.value = value
        self._lock_fd: int | None = lock_fd

    def release(self) -> None:
        """Let another process claim this id (the process's exit does it too)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __str__(self) -> str:
        return self.value


def claim_worker_id(data_dir: Path) -> WorkerId:
    """The id of the worker that owns ``data_dir``: made once (host name and a random
    part) and kept in ``data_dir/worker-id``, so it is the same after a restart. Two
    live processes sharing the folder get different ids: each holds a lock on its id
    file, and the second takes ``worker-id-1`` (then ``-2``...)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for slot in count():
        name = "worker-id" if slot == 0 else f"worker-id-{slot}"
        fd = os.open(data_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        id_file = data_dir / name
        value = id_file.read_text(encoding="utf-8").strip() if id_file.exists() else ""
        if not value:
            value = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
            id_file.write_text(value + "\n", encoding="utf-8")
        return WorkerId(value, fd)
    raise AssertionError("unreachable")  # count() never ends


def worker_replay_path(model_dir: Path, app_id: str, worker: WorkerId | str | None = None) -> Path:
    """A worker's replay file; ``worker`` None: one for this process alone."""
    who = str(worker) if worker is not None else f"{socket.gethostname()}-{os.getpid()}"
    return model_dir / f"replay-{app_id}-{who}.npz"


def save_replay(planner: FixPlanner, path: Path) -> int:
    """Write the planner's transitions to ``path`` (atomically); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    planner.replay.save(path)
    return len(planner.replay)


def load_replays(planner: FixPlanner, model_dir: Path) -> int:
    """Add every worker's saved transitions to the planner's buffer; returns the total."""
    for path in sorted(model_dir.glob("replay-*.npz")):
        _add_saved(planner, path)
    return len(planner.replay)


def restore_replay(planner: FixPlanner, path: Path) -> int:
    """Take back the transitions a worker saved at ``path`` before it restarted;
    returns how many (0 when there is no such file or it does not fit)."""
    return _add_saved(planner, path) if path.exists() else 0


def _add_saved(planner: FixPlanner, path: Path) -> int:
    """Add the transitions saved at ``path`` to the planner's buffer; how many were
    added (0, logged, when the file cannot be read or holds states of another size)."""
    try:
        saved = ReplayBuffer.load(path)
    except Exception as exc:  # one unreadable file must not stop training
        log.warning("skipped replay file %s: %s", path, exc)
        return 0
    if len(saved) == 0:
        return 0
    if saved.obs_shape != planner.replay.obs_shape:
        log.warning("skipped replay file %s: states of shape %s, the planner needs %s",
                    path, saved.obs_shape, planner.replay.obs_shape)
        return 0
    batch = saved.get_all()
    planner.replay.add_batch(batch.obs, batch.actions, batch.next_obs, batch.rewards,
                             batch.dones)
    return len(saved)


def train_planner(planner: FixPlanner, model_dir: Path, **fit: Any) -> tuple[Path, Any]:
    """Fit the planner's ensemble on its buffer and write the next checkpoint version."""
    training_log = planner.fit(**fit)
    path = planner.save_model(model_dir)
    return path, training_log


def refresh_model(planner: FixPlanner, model_dir: Path, loaded: Path | None) -> Path | None:
    """Load the newest checkpoint if it is not the one in use; returns the one in use."""
    newest = latest_checkpoint(model_dir) if model_dir.exists() else None
    if newest is None or newest == loaded:
        return loaded
    try:
        planner.load_model(newest)
    except Exception as exc:  # another layout (other rules), a half-written file...
        log.warning("not using checkpoint %s: %s", newest, exc)
        return loaded
    log.info("planning with checkpoint %s", newest)
    return newest
