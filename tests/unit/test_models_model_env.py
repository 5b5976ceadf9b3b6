"""ModelEnv: rollouts through the ensemble, particles, discrete actions, objective."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models import (
    GaussianEnsemble,
    ModelEnv,
    Propagation,
    model_inputs,
    train_ensemble,
    training_data,
)


def _trained(
    in_size: int, out_size: int, propagation: Propagation = "fixed_model"
) -> GaussianEnsemble:
    """A small ensemble trained briefly on random data (only shapes matter)."""
    rng = np.random.default_rng(0)
    model = GaussianEnsemble(
        in_size,
        out_size,
        hidden_size=8,
        num_layers=2,
        ensemble_size=4,
        num_elites=3,
        propagation=propagation,
        seed=0,
    )
    x = rng.normal(size=(40, in_size)).astype(np.float32)
    y = rng.normal(size=(40, out_size)).astype(np.float32)
    train_ensemble(model, x, y, epochs=2, seed=0)
    return model


@pytest.fixture(scope="module")
def point_mass() -> GaussianEnsemble:
    """Learned dynamics of s' = s + a (S = A = 2) with reward -|s'|^2."""
    rng = np.random.default_rng(1)
    obs = rng.uniform(-2, 2, size=(800, 2)).astype(np.float32)
    act = rng.uniform(-1, 1, size=(800, 2)).astype(np.float32)
    nxt = obs + act
    reward = -(nxt**2).sum(axis=1)
    inputs, targets = training_data(obs, act, nxt, reward)
    model = GaussianEnsemble(4, 3, hidden_size=64, num_layers=2, ensemble_size=4, seed=0)
    train_ensemble(model, inputs, targets, epochs=150, batch_size=64, lr=3e-3, patience=15, seed=0)
    return model


@pytest.mark.parametrize("propagation", ["fixed_model", "random_model", "expectation"])
def test_shapes_with_particles(propagation: Propagation) -> None:
    env = ModelEnv(_trained(5, 4, propagation), seed=0)  # S=3, A=2, learned reward
    assert (env.obs_size, env.action_size) == (3, 2)
    result = env.evaluate_action_sequences(torch.randn(6, 4, 2), torch.zeros(3), num_particles=5)
    assert result.returns.shape == result.disagreement.shape == (6,)
    assert bool(torch.isfinite(result.returns).all()) and bool((result.disagreement >= 0).all())


def test_seeded_environment_is_reproducible() -> None:
    model = _trained(5, 4)
    sequences = torch.randn(4, 3, 2)
    a = ModelEnv(model, seed=1).evaluate_action_sequences(sequences, torch.zeros(3), 3)
    b = ModelEnv(model, seed=1).evaluate_action_sequences(sequences, torch.zeros(3), 3)
    assert torch.equal(a.returns, b.returns)


def test_fixed_model_particles_keep_their_member() -> None:
    """Deterministic rollouts: identical sequences get identical per-particle results,
    and particle j of every sequence uses the same member."""
    env = ModelEnv(_trained(5, 4), deterministic=True, seed=0)
    members = env._particle_members(rows=4 * 3, num_particles=3)
    assert members is not None
    assert members.view(4, 3).unique(dim=0).shape[0] == 1  # same dealing for every sequence
    assert len(set(members[:3].tolist())) == 3  # 3 particles, 3 elites: all different
    same = torch.randn(1, 5, 2).expand(4, 5, 2)
    returns = env.evaluate_action_sequences(same, torch.zeros(3), 3).returns
    assert torch.allclose(returns, returns[0].expand(4))


def test_one_particle_one_member_when_deterministic_single_elite() -> None:
    model = _trained(5, 4)
    model.elite_indices[:] = 2  # every particle must use member 2
    env = ModelEnv(model, deterministic=True, seed=0)
    obs = torch.zeros(1, 3)
    action = torch.ones(1, 2)
    step = env.step(obs, action, member_indices=torch.tensor([2]))
    result = env.evaluate_action_sequences(action.view(1, 1, 2), torch.zeros(3), num_particles=4)
    assert torch.allclose(result.returns, step.reward)


def test_reward_fn_and_termination_stop_the_return() -> None:
    model = _trained(5, 3)  # S=3, A=2, reward from a function
    ones = lambda obs, act, nxt: torch.ones(obs.shape[0])  # noqa: E731
    always_done = lambda obs, act, nxt: torch.ones(obs.shape[0], dtype=torch.bool)  # noqa: E731
    env = ModelEnv(model, reward_fn=ones, seed=0)
    assert not env.learned_reward
    assert torch.allclose(
        env.evaluate_action_sequences(torch.zeros(2, 7, 2), torch.zeros(3)).returns,
        torch.full((2,), 7.0),
    )
    env = ModelEnv(model, reward_fn=ones, termination_fn=always_done, seed=0)
    assert torch.allclose(
        env.evaluate_action_sequences(torch.zeros(2, 7, 2), torch.zeros(3)).returns, torch.ones(2)
    )
    env = ModelEnv(model, reward_fn=ones, discount=0.5, seed=0)
    assert torch.allclose(
        env.evaluate_action_sequences(torch.zeros(1, 3, 2), torch.zeros(3)).returns,
        torch.tensor([1.75]),
    )


def test_discrete_actions_are_one_hot() -> None:
    assert model_inputs(torch.zeros(2, 1), torch.tensor([2, 0]), num_actions=3).tolist() == [
        [0.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 0.0, 0.0],
    ]
    env = ModelEnv(_trained(6, 3), num_actions=4, seed=0)  # S=2, K=4, learned reward
    result = env.evaluate_action_sequences(torch.randint(0, 4, (5, 3)), torch.zeros(2), 2)
    assert result.returns.shape == (5,)
    with pytest.raises(ValueError):
        env.evaluate_action_sequences(torch.full((1, 3), 4), torch.zeros(2))
    with pytest.raises(ValueError):
        ModelEnv(_trained(6, 3), num_actions=3)


def test_training_data_layout() -> None:
    obs = np.array([[1.0, 2.0]], np.float32)
    inputs, targets = training_data(obs, np.array([1]), obs + 1, np.array([5.0]), num_actions=3)
    assert inputs.tolist() == [[1.0, 2.0, 0.0, 1.0, 0.0]]
    assert targets.tolist() == [[1.0, 1.0, 5.0]]
    _, absolute = training_data(obs, np.zeros((1, 1)), obs + 1, target_is_delta=False)
    assert absolute.tolist() == [[2.0, 3.0]]


def test_bad_shapes_are_rejected() -> None:
    env = ModelEnv(_trained(5, 4), seed=0)
    with pytest.raises(ValueError):
        env.evaluate_action_sequences(torch.zeros(2, 3), torch.zeros(3))  # missing A
    with pytest.raises(ValueError):
        env.evaluate_action_sequences(torch.zeros(2, 3, 2), torch.zeros(4))
    with pytest.raises(ValueError):
        env.evaluate_action_sequences(torch.zeros(2, 3, 2), torch.zeros(3), num_particles=0)


def test_learned_model_ranks_sequences_correctly(point_mass: GaussianEnsemble) -> None:
    """Moving toward the origin must score higher than moving away."""
    env = ModelEnv(point_mass, seed=0)
    start = torch.tensor([1.5, -1.0])
    toward = torch.tensor([[-0.5, 0.3]]).expand(3, 2)
    away = -toward
    result = env.evaluate_action_sequences(torch.stack([toward, away]), start, num_particles=8)
    assert float(result.returns[0]) > float(result.returns[1]) + 2.0


def test_objective_penalises_disagreement(point_mass: GaussianEnsemble) -> None:
    sequences = torch.tensor([[[0.1, 0.1]], [[8.0, 8.0]]])  # in- and far out of distribution

    def env() -> ModelEnv:  # same seed: same member dealing in every call
        return ModelEnv(point_mass, deterministic=True, seed=0)

    evaluation = env().evaluate_action_sequences(sequences, torch.zeros(2), num_particles=2)
    assert float(evaluation.disagreement[1]) > 10 * float(evaluation.disagreement[0])
    plain = env().objective(torch.zeros(2), num_particles=2)(sequences)
    assert torch.equal(plain, evaluation.returns)
    penalised = env().objective(torch.zeros(2), num_particles=2, disagreement_penalty=10.0)
    assert torch.allclose(plain - penalised(sequences), 10.0 * evaluation.disagreement)
