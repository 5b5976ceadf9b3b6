"""Fitting a dynamics model to what a :class:`~models.replay.ReplayBuffer` holds.

:func:`train_dynamics` is what ``fixstream train`` and the periodic training agent
call: it turns the stored transitions into ``(inputs, targets)`` rows with the layout
:class:`~models.model_env.ModelEnv` expects, builds a small ensemble when none is
given (or keeps training the one given: a warm start), and fits it with
:func:`~models.trainer.train_ensemble`.
"""

from __future__ import annotations

import numpy as np

from models.dynamics import GaussianEnsemble
from models.exceptions import ModelError
from models.model_env import training_data
from models.replay import ReplayBuffer
from models.trainer import TrainingLog, train_ensemble
from models.types import Propagation

__all__ = ["DEFAULT_HIDDEN_SIZE", "DEFAULT_NUM_LAYERS", "train_dynamics"]

#: Small by default: a fix plan scores 256 x 8 x 5 candidate steps in a few
#: milliseconds only with a narrow, shallow network (see tests/bench/bench_planner.py).
DEFAULT_HIDDEN_SIZE = 32
DEFAULT_NUM_LAYERS = 2


def train_dynamics(
    replay: ReplayBuffer,
    ensemble: GaussianEnsemble | None = None,
    *,
    num_actions: int | None = None,
    learned_reward: bool = True,
    target_is_delta: bool = True,
    hidden_size: int = DEFAULT_HIDDEN_SIZE,
    num_layers: int = DEFAULT_NUM_LAYERS,
    ensemble_size: int = 5,
    num_elites: int | None = None,
    propagation: Propagation = "fixed_model",
    max_rows: int | None = None,
    epochs: int = 100,
    batch_size: int = 64,
    lr: float = 1e-3,
    val_fraction: float = 0.2,
    patience: int = 10,
    weight_decay: float = 1e-5,
    seed: int = 0,
) -> tuple[GaussianEnsemble, TrainingLog]:
    """Fit a dynamics model on the transitions in ``replay``.

    Inputs are ``[obs, action]`` (discrete action ids one-hot over ``num_actions``),
    targets are ``next_obs - obs`` (or ``next_obs``) followed by the reward when
    ``learned_reward``: the layout of :func:`models.model_env.training_data`.

    Args:
        replay: the transitions (S = ``replay.obs_shape[0]``). Actions stored with
            shape ``()`` are discrete ids; shape ``(A,)`` continuous.
        ensemble: keep training this model (its sizes must fit the data); ``None``
            builds a new one from ``hidden_size``, ``num_layers``, ``ensemble_size``,
            ``num_elites``, ``propagation`` and ``seed``.
        num_actions: K for discrete actions; inferred from ``ensemble`` when given.
        learned_reward: add the reward as the model's last output.
        target_is_delta: predict the change of the state rather than the next state.
        max_rows: train on the newest ``max_rows`` transitions only (bounds the cost
            of periodic retraining); ``None``: all of them.
        epochs, batch_size, lr, val_fraction, patience, weight_decay, seed: passed to
            :func:`~models.trainer.train_ensemble`.

    Returns:
        ``(ensemble, log)``: the trained model (in eval mode, elites chosen) and its
        :class:`~models.trainer.TrainingLog`.

    Raises:
        ModelError: fewer than 2 transitions, or a layout that does not fit the model.
    """
    if len(replay) < 2:
        raise ModelError(f"need at least 2 transitions to train, the replay has {len(replay)}")
    if len(replay.obs_shape) != 1:
        raise ModelError(f"observations must be vectors, got shape {replay.obs_shape}")
    obs_size = replay.obs_shape[0]
    out_size = obs_size + (1 if learned_reward else 0)
    discrete = replay.action_shape == ()
    if discrete:
        if num_actions is None and ensemble is not None:
            num_actions = ensemble.in_size - obs_size
        if num_actions is None or num_actions < 1:
            raise ModelError("discrete actions: pass num_actions (or an ensemble)")
        action_size = num_actions
    else:
        if len(replay.action_shape) != 1:
            raise ModelError(f"actions must be ids or vectors, got shape {replay.action_shape}")
        num_actions = None
        action_size = replay.action_shape[0]
    in_size = obs_size + action_size

    batch = replay.get_all()
    rows = slice(None) if max_rows is None else slice(-max_rows, None)
    actions = batch.actions[rows]
    if discrete:
        actions = actions.astype(np.int64)
        if actions.size and (actions.min() < 0 or actions.max() >= action_size):
            raise ModelError(f"stored action ids fall outside [0, {action_size})")
    inputs, targets = training_data(
        batch.obs[rows],
        actions,
        batch.next_obs[rows],
        batch.rewards[rows] if learned_reward else None,
        num_actions=num_actions,
        target_is_delta=target_is_delta,
    )
    if ensemble is None:
        ensemble = GaussianEnsemble(
            in_size,
            out_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            ensemble_size=ensemble_size,
            num_elites=num_elites,
            propagation=propagation,
            seed=seed,
        )
    elif (ensemble.in_size, ensemble.out_size) != (in_size, out_size):
        raise ModelError(
            f"the ensemble maps {ensemble.in_size} -> {ensemble.out_size} but the replay "
            f"needs {in_size} -> {out_size} (learned_reward={learned_reward})"
        )
    log = train_ensemble(
        ensemble,
        inputs,
        targets,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        val_fraction=val_fraction,
        patience=patience,
        seed=seed,
        weight_decay=weight_decay,
    )
    return ensemble, log
