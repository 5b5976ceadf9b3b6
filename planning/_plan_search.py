"""Finding the best plan: every plan of distinct rules when there are few, categorical
CEM otherwise. Both see only a callable that scores sequences of local action ids
(0 stops, ``i`` is the ``i``-th candidate rule)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from itertools import permutations

import torch

from planning._scores import rank_scores
from planning.categorical_cem import CategoricalCEMOptimizer

__all__ = ["plan_count", "search_plan"]


def search_plan(
    objective: Callable[[torch.Tensor], torch.Tensor],
    num_actions: int,
    horizon: int,
    *,
    exhaustive_up_to: int,
    population: int,
    iterations: int,
    elite_ratio: float,
    alpha: float,
    min_prob: float,
    generator: torch.Generator,
    check: Callable[..., None],
) -> torch.Tensor:
    """The best sequence (H local ids) under ``objective`` (P x H ids -> P scores).

    When there are at most ``exhaustive_up_to`` plans of distinct rules, all of them
    are scored in one batch (exact). Otherwise categorical CEM searches, seeded with
    the plan of every candidate in order and with the empty plan. ``check`` runs
    after every scored batch (it may raise to abort, e.g. on a missed deadline).
    """
    rules = num_actions - 1
    if plan_count(rules, horizon) <= exhaustive_up_to:
        every = every_plan(rules, horizon)
        scores = rank_scores(objective(every))
        check()
        return every[int(torch.argmax(scores))]
    optimizer = CategoricalCEMOptimizer(
        iterations,
        elite_ratio,
        population,
        num_actions,
        alpha,
        min_prob=min(min_prob, 0.5 / num_actions),
        generator=generator,
    )
    in_order = torch.zeros(horizon, dtype=torch.long)  # padded with stop
    steps = min(rules, horizon)
    in_order[:steps] = torch.arange(1, steps + 1)
    candidates = torch.stack([in_order, torch.zeros(horizon, dtype=torch.long)])
    best, _ = optimizer.optimize(objective, horizon, candidates=candidates, callback=check)
    return best


def plan_count(num_rules: int, horizon: int) -> int:
    """How many plans of distinct rules, at most ``horizon`` long, there are."""
    count, term = 1, 1
    for k in range(min(num_rules, horizon)):
        term *= num_rules - k
        count += term
    return count


@lru_cache(maxsize=32)
def every_plan(num_rules: int, horizon: int) -> torch.Tensor:
    """Every plan of distinct rules 1..num_rules, at most ``horizon`` long, padded with
    stop (0): C x H, the empty plan first."""
    rows = [
        list(order) + [0] * (horizon - length)
        for length in range(min(num_rules, horizon) + 1)
        for order in permutations(range(1, num_rules + 1), length)
    ]
    return torch.tensor(rows, dtype=torch.long).reshape(-1, horizon)
