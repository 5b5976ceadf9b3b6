"""Carrying recorded transitions over to a new rule list.

Every rule added to (or removed from) ``patterns`` changes the planner's state and
action layout, so both the model and the replay buffer stop fitting. The model must
be retrained, but the transitions need not be thrown away: :func:`migrate_replay`
re-lays them out by name. Slots of rules the old layout did not have read 0 (no
problems), transitions of rules the new layout does not have are dropped. Problems
of rules that were "other" before stay counted as "other" (their split is unknown).
"""

from __future__ import annotations

import numpy as np

from models import ReplayBuffer
from planning.fix_state import StateLayout

__all__ = ["convert_states", "migrate_replay"]


def convert_states(states: np.ndarray, source: StateLayout, target: StateLayout) -> np.ndarray:
    """N x source.size states -> N x target.size states (see the module docstring)."""
    states = np.asarray(states, dtype=np.float32)
    if states.ndim != 2 or states.shape[1] != source.size:
        raise ValueError(f"states must be N x {source.size}, got {states.shape}")
    old, new = _slots(source), _slots(target)
    out = np.zeros((states.shape[0], target.size), dtype=np.float32)
    for name, column in new.items():
        if name in old:
            out[:, column] = states[:, old[name]]
    same_context = (source.embedding_dims, source.embedding_seed) == (
        target.embedding_dims, target.embedding_seed)
    if target.context_size and same_context:
        out[:, -target.context_size:] = states[:, -source.context_size:]
    return out


def migrate_replay(
    replay: ReplayBuffer,
    source: StateLayout,
    target: StateLayout,
    capacity: int | None = None,
) -> ReplayBuffer:
    """A new buffer holding ``replay``'s transitions in ``target``'s layout, oldest
    first (transitions of rules ``target`` lacks are left out)."""
    batch = replay.get_all()
    names = source.action_names
    ids = np.array([
        target.action_id(names[int(a)]) if names[int(a)] in target.action_names else -1
        for a in batch.actions
    ], dtype=np.int64)
    keep = ids >= 0
    migrated = ReplayBuffer(capacity or replay.capacity, (target.size,), (),
                            action_dtype=np.int64)
    if keep.any():
        migrated.add_batch(
            convert_states(batch.obs[keep], source, target),
            ids[keep],
            convert_states(batch.next_obs[keep], source, target),
            batch.rewards[keep],
            batch.dones[keep],
        )
    return migrated


def _slots(layout: StateLayout) -> dict[str, int]:
    """Name of each non-context slot -> its column."""
    rules = len(layout.rule_names)
    names = (
        [f"problems:{rule}" for rule in layout.rule_names]
        + ["problems:other", "problems:total", "size_chars", "n_lines"]
        + [f"fixable:{rule}" for rule in layout.rule_names]
        + [f"syntax:{key}" for key in layout.syntax_keys]
    )
    assert len(names) == layout.size - layout.context_size, (rules, layout)
    return {name: column for column, name in enumerate(names)}
