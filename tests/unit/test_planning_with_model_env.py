"""Planners driving a learned ModelEnv end to end (continuous and discrete actions).

The discrete case is a toy version of fix planning: the state counts open problems
of three kinds, action k in 1..3 fixes one problem of kind k (reward +1, or -0.5 when
there is none left: a failed fix), action 0 stops.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models import GaussianEnsemble, ModelEnv, train_ensemble, training_data
from planning import CategoricalCEMOptimizer, CEMOptimizer, TrajectoryOptimizer

STOP = 0


def _toy_fix_step(counts: np.ndarray, action: int) -> tuple[np.ndarray, float]:
    if action == STOP:
        return counts.copy(), 0.0
    kind = action - 1
    if counts[kind] <= 0:
        return counts.copy(), -0.5
    after = counts.copy()
    after[kind] -= 1
    return after, 1.0


@pytest.fixture(scope="module")
def fix_model() -> GaussianEnsemble:
    rng = np.random.default_rng(0)
    obs = rng.integers(0, 4, size=(1500, 3)).astype(np.float32)
    actions = rng.integers(0, 4, size=1500)
    steps = [_toy_fix_step(o, int(a)) for o, a in zip(obs, actions, strict=True)]
    next_obs = np.stack([s[0] for s in steps])
    rewards = np.array([s[1] for s in steps], np.float32)
    inputs, targets = training_data(obs, actions, next_obs, rewards, num_actions=4)
    model = GaussianEnsemble(7, 4, hidden_size=64, num_layers=2, ensemble_size=4, seed=0)
    train_ensemble(model, inputs, targets, epochs=150, batch_size=64, lr=3e-3, patience=15, seed=0)
    return model


def test_categorical_cem_plans_the_fixes_through_the_model(fix_model: GaussianEnsemble) -> None:
    env = ModelEnv(fix_model, num_actions=4, deterministic=True, seed=0)
    start = torch.tensor([2.0, 0.0, 1.0])  # two problems of kind 1, one of kind 3
    optimizer = CategoricalCEMOptimizer(
        num_iterations=8,
        elite_ratio=0.1,
        population_size=200,
        num_actions=4,
        alpha=0.1,
        min_prob=0.01,
        seed=0,
    )
    plan, probs = optimizer.optimize(env.objective(start, num_particles=2), horizon=4)
    counts = plan.bincount(minlength=4).tolist()
    assert counts[1] == 2 and counts[3] == 1 and counts[2] == 0, plan.tolist()
    assert probs.shape == (4, 4)


def test_cem_drives_a_learned_point_mass_home() -> None:
    rng = np.random.default_rng(1)
    obs = rng.uniform(-2, 2, size=(800, 2)).astype(np.float32)
    act = rng.uniform(-1, 1, size=(800, 2)).astype(np.float32)
    nxt = obs + act
    inputs, targets = training_data(obs, act, nxt, -(nxt**2).sum(axis=1))
    model = GaussianEnsemble(4, 3, hidden_size=64, num_layers=2, ensemble_size=4, seed=0)
    train_ensemble(model, inputs, targets, epochs=150, batch_size=64, lr=3e-3, patience=15, seed=0)
    env = ModelEnv(model, seed=0)
    planner = TrajectoryOptimizer(
        CEMOptimizer(5, 0.1, 200, [-1.0, -1.0], [1.0, 1.0], alpha=0.1, seed=0),
        action_size=2,
        planning_horizon=3,
    )
    state = np.array([1.5, -1.2], np.float32)
    for _ in range(3):  # receding horizon on the true system
        action = planner.optimize(env.objective(state, num_particles=4))[0].numpy()
        state = state + action
    assert float(np.abs(state).max()) < 0.3
