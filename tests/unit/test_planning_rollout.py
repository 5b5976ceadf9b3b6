"""EnsembleRollout: exact copies of the ensemble's predictions, sequence semantics."""

from __future__ import annotations

import pytest
import torch

from models import GaussianEnsemble, ModelEnv
from planning._rollout import EnsembleRollout

S, K = 4, 3


@pytest.fixture(scope="module")
def model() -> GaussianEnsemble:
    """An untrained ensemble with fitted normalisers and 3 elites of 5: any weights do."""
    generator = torch.Generator().manual_seed(0)
    ensemble = GaussianEnsemble(S + K, S + 1, hidden_size=16, num_layers=3, ensemble_size=5,
                                num_elites=3, seed=0)
    ensemble.input_normalizer.fit(torch.randn(50, S + K, generator=generator) * 3 + 1)
    ensemble.target_normalizer.fit(torch.randn(50, S + 1, generator=generator) * 2 - 1)
    ensemble.set_elites(torch.tensor([0.3, 0.1, 0.5, 0.2, 0.4]))
    return ensemble


def _reference_returns(model: GaussianEnsemble, start: torch.Tensor, plan: list[int]) -> float:
    """Expectation rollout through GaussianEnsemble.sample, with the plan semantics."""
    state, total, seen = start.reshape(1, -1), 0.0, set()
    for action in plan:
        if action == 0:
            break
        if action in seen:
            continue
        seen.add(action)
        inputs = torch.cat([state, torch.nn.functional.one_hot(torch.tensor([action]), K)], 1)
        prediction = model.sample(inputs, propagation="expectation", deterministic=True)
        state = state + prediction.mean[:, :S]
        total += float(prediction.mean[0, S])
    return total


def test_returns_match_the_ensemble_with_stop_and_repeat_semantics(
    model: GaussianEnsemble,
) -> None:
    rollout = EnsembleRollout(model, S)
    start = torch.tensor([0.5, -1.0, 2.0, 0.0])
    plans = [[1, 2, 0, 1], [2, 2, 1, 0], [0, 1, 2, 1], [1, 1, 1, 1], [2, 1, 2, 1]]
    got = rollout.returns(start, torch.tensor(plans))
    want = [_reference_returns(model, start, plan) for plan in plans]
    torch.testing.assert_close(got, torch.tensor(want), rtol=1e-4, atol=1e-5)
    assert got[2] == 0.0  # stops at once
    shared = [[1, 2, 0, 0], [1, 2, 0, 0], [2, 1, 0, 0], [1, 2, 1, 0], [2, 1, 2, 0]]
    got = rollout.returns(start, torch.tensor(shared))  # rows with equal prefixes
    want = [_reference_returns(model, start, plan) for plan in shared]
    torch.testing.assert_close(got, torch.tensor(want), rtol=1e-4, atol=1e-5)


def test_trace_gives_the_steps_and_model_env_disagreement(model: GaussianEnsemble) -> None:
    rollout = EnsembleRollout(model, S)
    start = torch.tensor([0.5, -1.0, 2.0, 0.0])
    trace = rollout.trace(start, torch.tensor([2, 2, 1, 0]))
    assert trace.counted.tolist() == [True, False, True, False]
    assert float(trace.rewards.sum()) == pytest.approx(
        _reference_returns(model, start, [2, 2, 1, 0]), rel=1e-4)
    env = ModelEnv(model, num_actions=K, deterministic=True, seed=0)
    first = env.step(start.reshape(1, -1), torch.tensor([2]))
    assert float(trace.disagreement[0]) == pytest.approx(float(first.disagreement[0]), rel=1e-4)
    spread = rollout.first_step_disagreement(start, torch.tensor([1, 2]))
    assert float(spread[1]) == pytest.approx(float(trace.disagreement[0]), rel=1e-5)


def test_members_mode_averages_one_trajectory_per_elite(model: GaussianEnsemble) -> None:
    rollout = EnsembleRollout(model, S, mode="members")
    start = torch.tensor([1.0, 0.0, -1.0, 0.5])
    plan = [1, 2]
    totals = []
    for member in model.elite_indices.tolist():
        state, total = start.reshape(1, -1), 0.0
        for action in plan:
            inputs = torch.cat([state, torch.nn.functional.one_hot(torch.tensor([action]), K)], 1)
            mean = model.sample(inputs, propagation="fixed_model", deterministic=True,
                                member_indices=torch.tensor([member])).mean
            state, total = state + mean[:, :S], total + float(mean[0, S])
        totals.append(total)
    got = rollout.returns(start, torch.tensor([plan]))
    assert float(got[0]) == pytest.approx(sum(totals) / len(totals), rel=1e-4)


def test_a_single_member_rollout_follows_that_elite(model: GaussianEnsemble) -> None:
    rollout = EnsembleRollout(model, S)
    start = torch.tensor([1.0, 0.0, -1.0, 0.5])
    elite = int(model.elite_indices[1])
    inputs = torch.cat([start.reshape(1, -1), torch.nn.functional.one_hot(torch.tensor([2]), K)], 1)
    mean = model.sample(inputs, propagation="fixed_model", deterministic=True,
                        member_indices=torch.tensor([elite])).mean
    got = rollout.member(1).returns(start, torch.tensor([[2, 0]]))
    assert float(got[0]) == pytest.approx(float(mean[0, S]), rel=1e-4)
    with pytest.raises(ValueError):
        rollout.member(3)


def test_bad_inputs_are_refused(model: GaussianEnsemble) -> None:
    with pytest.raises(ValueError):
        EnsembleRollout(model, S + 1)
    with pytest.raises(ValueError):
        EnsembleRollout(GaussianEnsemble(S + K, S + 1), S)  # untrained
    rollout = EnsembleRollout(model, S)
    with pytest.raises(ValueError):
        rollout.returns(torch.zeros(S), torch.tensor([[3]]))
    with pytest.raises(ValueError):
        rollout.returns(torch.zeros(S + 1), torch.tensor([[1]]))
