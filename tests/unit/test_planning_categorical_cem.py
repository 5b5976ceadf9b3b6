"""CategoricalCEMOptimizer on sequence scores with a known best sequence."""

from __future__ import annotations

import pytest
import torch

from planning import CategoricalCEMOptimizer, NoFeasiblePlan, shift_distribution

BEST = torch.tensor([3, 0, 4, 4, 1, 2])  # H=6, K=5


def matches(population: torch.Tensor) -> torch.Tensor:
    """P x H ids -> P: number of positions equal to BEST (best: 6)."""
    return (population == BEST).sum(dim=1).float()


def _cem(**overrides: object) -> CategoricalCEMOptimizer:
    arguments: dict[str, object] = {
        "num_iterations": 10,
        "elite_ratio": 0.1,
        "population_size": 200,
        "num_actions": 5,
        "alpha": 0.1,
        "min_prob": 0.01,
        "seed": 0,
    }
    arguments.update(overrides)
    return CategoricalCEMOptimizer(**arguments)  # type: ignore[arg-type]


def test_finds_the_best_sequence() -> None:
    history: list[float] = []
    best, probs = _cem().optimize(
        matches, horizon=6, callback=lambda pop, s, p, it: history.append(float(s.mean()))
    )
    assert best.dtype == torch.long and best.tolist() == BEST.tolist()
    assert probs.shape == (6, 5)
    assert torch.equal(probs.argmax(dim=1), BEST)
    assert torch.allclose(probs.sum(dim=1), torch.ones(6))
    assert history[-1] > 5.0 > 1.5 > history[0]  # mean score: ~1.2 at random, ~6 at the end


def test_order_dependent_score() -> None:
    """A score where order matters: reward stopping (action 0) only after 1, 2, 3."""

    def ordered(population: torch.Tensor) -> torch.Tensor:
        target = torch.tensor([1, 2, 3, 0])
        prefix = torch.cumprod((population == target).long(), dim=1)
        return prefix.sum(dim=1).float()

    best, _ = _cem(num_actions=4).optimize(ordered, horizon=4)
    assert best.tolist() == [1, 2, 3, 0]


def test_probability_floor_holds() -> None:
    _, probs = _cem(num_iterations=20, alpha=0.0, min_prob=0.02).optimize(matches, horizon=6)
    assert float(probs.min()) >= 0.02 - 1e-7
    assert torch.allclose(probs.sum(dim=1), torch.ones(6))


def test_init_probs_are_used_and_validated() -> None:
    init = torch.full((6, 5), 1e-9)
    init[torch.arange(6), BEST] = 1.0
    best, _ = _cem(num_iterations=1, population_size=20).optimize(matches, 6, init_probs=init)
    assert best.tolist() == BEST.tolist()
    with pytest.raises(ValueError):
        _cem().optimize(matches, 6, init_probs=torch.ones(5, 5))
    with pytest.raises(ValueError):
        _cem().optimize(matches, 6, init_probs=torch.zeros(6, 5))


def test_candidates_are_scored_first() -> None:
    """With one iteration and a tiny population, only a given candidate can win."""
    best, _ = _cem(num_iterations=1, population_size=3).optimize(
        matches, 6, candidates=BEST.unsqueeze(0)
    )
    assert best.tolist() == BEST.tolist()
    with pytest.raises(ValueError):
        _cem().optimize(matches, 6, candidates=torch.full((1, 6), 7))


def test_nan_is_never_chosen() -> None:
    def poisoned(population: torch.Tensor) -> torch.Tensor:
        scores = matches(population)
        return torch.where(scores == 6, torch.full_like(scores, float("nan")), scores)

    best, _ = _cem().optimize(poisoned, 6, candidates=BEST.unsqueeze(0))
    assert best.tolist() != BEST.tolist()
    assert float(matches(best.unsqueeze(0))[0]) == 5.0


def test_all_nan_raises() -> None:
    with pytest.raises(NoFeasiblePlan):
        _cem(num_iterations=2).optimize(lambda p: torch.full((p.shape[0],), float("nan")), 6)


def test_same_seed_same_answer() -> None:
    a = _cem(seed=4, num_iterations=2).optimize(matches, 6)
    b = _cem(seed=4, num_iterations=2).optimize(matches, 6)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_invalid_settings() -> None:
    with pytest.raises(ValueError):
        _cem(min_prob=0.2)  # 0.2 * 5 actions = 1
    with pytest.raises(ValueError):
        _cem(alpha=1.0)
    with pytest.raises(ValueError):
        _cem().optimize(matches, horizon=0)


def test_shift_distribution() -> None:
    probs = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.7, 0.3]])
    shifted = shift_distribution(probs, 1)
    assert torch.equal(shifted, torch.tensor([[0.0, 1.0], [0.7, 0.3], [0.5, 0.5]]))
    assert torch.equal(shift_distribution(probs, 5), torch.full((3, 2), 0.5))
