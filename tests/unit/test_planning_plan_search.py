"""search_plan: exhaustive scoring of small plan spaces, categorical CEM beyond."""

from __future__ import annotations

import pytest
import torch

from planning._plan_search import every_plan, plan_count, search_plan


def test_every_plan_lists_each_ordered_subset_once() -> None:
    plans = every_plan(3, 8)
    assert plans.shape == (plan_count(3, 8), 8) == (16, 8)
    assert plans[0].tolist() == [0] * 8
    assert len({tuple(p.tolist()) for p in plans}) == 16
    assert plan_count(2, 8) == 5 and plan_count(4, 8) == 65 and plan_count(5, 2) == 26


def _objective(values: dict[int, float]):  # type: ignore[no-untyped-def]
    """Score = sum of the values of the distinct actions before the first stop."""

    def score(population: torch.Tensor) -> torch.Tensor:
        out = []
        for row in population.tolist():
            seen: list[int] = []
            for action in row:
                if action == 0:
                    break
                if action not in seen:
                    seen.append(action)
            out.append(sum(values[a] for a in seen))
        return torch.tensor(out, dtype=torch.float32)

    return score


@pytest.mark.parametrize("exhaustive_up_to", [256, 0])
def test_both_searches_find_the_best_subset(exhaustive_up_to: int) -> None:
    values = {1: 1.0, 2: -2.0, 3: 0.5}
    calls: list[int] = []
    best = search_plan(
        _objective(values), 4, 8, exhaustive_up_to=exhaustive_up_to, population=64,
        iterations=5, elite_ratio=0.1, alpha=0.1, min_prob=0.01,
        generator=torch.Generator().manual_seed(0), check=lambda *_: calls.append(1),
    )
    chosen = []
    for action in best.tolist():
        if action == 0:
            break
        chosen.append(action)
    assert set(chosen) == {1, 3}
    assert len(calls) == (1 if exhaustive_up_to else 5)
