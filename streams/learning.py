"""The planner's learning loop as plain functions: replay files, training, checkpoints.

Workers write the transitions their planner recorded to ``<model_dir>/replay-<worker>.npz``;
``fixstream train`` (or a worker's periodic training) fits the ensemble on all of them and
writes the next checkpoint version; plan agents load the newest checkpoint as it appears.
``model_dir`` is a folder every worker can reach (a shared volume in production).
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import Any

from models import latest_checkpoint
from models.replay import ReplayBuffer
from planning.fix_planner import FixPlanner

__all__ = ["worker_replay_path", "save_replay", "load_replays", "train_planner",
           "refresh_model"]

log = logging.getLogger("fixstream.learning")


def worker_replay_path(model_dir: Path, app_id: str) -> Path:
    """This process's replay file: one per worker, so workers never write the same file."""
    return model_dir / f"replay-{app_id}-{socket.gethostname()}-{os.getpid()}.npz"


def save_replay(planner: FixPlanner, path: Path) -> int:
    """Write the planner's transitions to ``path`` (atomically); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    planner.replay.save(path)
    return len(planner.replay)


def load_replays(planner: FixPlanner, model_dir: Path) -> int:
    """Add every worker's saved transitions to the planner's buffer; returns the total."""
    for path in sorted(model_dir.glob("replay-*.npz")):
        try:
            saved = ReplayBuffer.load(path)
        except Exception as exc:  # one unreadable file must not stop training
            log.warning("skipped replay file %s: %s", path, exc)
            continue
        if saved.obs_shape != planner.replay.obs_shape or len(saved) == 0:
            log.warning("skipped replay file %s: states of shape %s, the planner needs %s",
                        path, saved.obs_shape, planner.replay.obs_shape)
            continue
        batch = saved.get_all()
        planner.replay.add_batch(batch.obs, batch.actions, batch.next_obs, batch.rewards,
                                 batch.dones)
    return len(planner.replay)


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
