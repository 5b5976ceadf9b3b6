"""train_dynamics: fitting an ensemble to a replay buffer (discrete and continuous)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models import GaussianEnsemble, ModelEnv, ModelError, ReplayBuffer, train_dynamics


def _counter_replay(count: int) -> ReplayBuffer:
    """State: one count; action 1 lowers it by one (reward 1), action 0 does nothing."""
    rng = np.random.default_rng(0)
    replay = ReplayBuffer(count, (1,), (), action_dtype=np.int64)
    for _ in range(count):
        value = float(rng.integers(1, 5))
        action = int(rng.integers(0, 2))
        replay.add([value], action, [value - action], float(action), False)
    return replay


def test_a_new_small_ensemble_learns_discrete_transitions() -> None:
    model, log = train_dynamics(_counter_replay(300), num_actions=2, epochs=80, lr=3e-3)
    assert (model.in_size, model.out_size, model.hidden_size, model.num_layers) == (3, 2, 32, 2)
    assert log.epochs_run >= 1 and len(log.elite_indices) == model.num_elites
    env = ModelEnv(model, num_actions=2, deterministic=True, seed=0)
    step = env.step(torch.tensor([[3.0], [3.0]]), torch.tensor([1, 0]))
    np.testing.assert_allclose(step.next_obs[:, 0].numpy(), [2.0, 3.0], atol=0.2)
    np.testing.assert_allclose(step.reward.numpy(), [1.0, 0.0], atol=0.2)


def test_training_goes_on_from_a_given_ensemble_on_the_newest_rows() -> None:
    replay = _counter_replay(200)
    model, _ = train_dynamics(replay, num_actions=2, epochs=3)
    again, log = train_dynamics(replay, model, epochs=2, max_rows=50)
    assert again is model and log.num_train + log.num_val == 50


def test_continuous_actions_with_a_known_reward() -> None:
    replay = ReplayBuffer(100, (2,), (1,))
    rng = np.random.default_rng(1)
    for _ in range(100):
        obs, act = rng.normal(size=2), rng.uniform(-1, 1, size=1)
        replay.add(obs, act, obs + act[0], 0.0, False)
    model, _ = train_dynamics(replay, learned_reward=False, epochs=2, hidden_size=8)
    assert (model.in_size, model.out_size) == (3, 2)


def test_unusable_data_is_refused() -> None:
    with pytest.raises(ModelError):
        train_dynamics(ReplayBuffer(10, (1,), (), action_dtype=np.int64), num_actions=2)
    with pytest.raises(ModelError, match="num_actions"):
        train_dynamics(_counter_replay(10))
    with pytest.raises(ModelError, match="outside"):
        train_dynamics(_counter_replay(10), num_actions=1)
    with pytest.raises(ModelError, match="maps"):
        train_dynamics(_counter_replay(10), GaussianEnsemble(4, 3), epochs=1)
