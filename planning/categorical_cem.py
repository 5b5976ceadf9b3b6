"""Cross-entropy method over sequences of discrete actions.

A plan is H action ids in [0, K). The search distribution is one categorical per
step (H x K probabilities); each iteration samples a population, keeps the elites
and moves every step's distribution towards the elites' action frequencies.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from planning._scores import rank_scores
from planning.exceptions import NoFeasiblePlan

__all__ = [
    "CategoricalCallback",
    "CategoricalCEMOptimizer",
    "CategoricalObjectiveFn",
    "shift_distribution",
]

#: ``obj_fun(population (P x H) int64) -> scores (P,)``; higher is better, NaN is worst.
CategoricalObjectiveFn = Callable[[torch.Tensor], torch.Tensor]
#: ``callback(population (P x H), scores (P,), probs (H x K), iteration)``.
CategoricalCallback = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, int], None]


def shift_distribution(probs: torch.Tensor, steps: int) -> torch.Tensor:
    """Warm start for the next plan: drop the first ``steps`` rows of probs (H x K) and
    append uniform rows, so the result is H x K again."""
    horizon, num_actions = probs.shape
    steps = min(max(steps, 0), horizon)
    uniform = torch.full((steps, num_actions), 1.0 / num_actions, device=probs.device)
    return torch.cat([probs[steps:], uniform], dim=0)


class CategoricalCEMOptimizer:
    """Cross-entropy method for discrete action sequences.

    Args:
        num_iterations: sampling rounds per :meth:`optimize`.
        elite_ratio: share of the population kept as elites (at least one).
        population_size: sequences sampled per iteration (P).
        num_actions: K, the number of discrete actions.
        alpha: smoothing; weight of the previous probabilities in each update.
        min_prob: floor of every probability after each update (keeps exploring and
            keeps the distribution from collapsing); needs ``min_prob * K < 1``.
        seed: seeds this optimizer's own generator (``generator`` takes precedence).
        generator: random source to use as is (on ``device``).
        device: device of the probabilities and of the population.
    """

    def __init__(
        self,
        num_iterations: int,
        elite_ratio: float,
        population_size: int,
        num_actions: int,
        alpha: float,
        min_prob: float = 1e-3,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        device: str | torch.device = "cpu",
    ) -> None:
        if num_iterations < 1 or population_size < 1 or num_actions < 1:
            raise ValueError("num_iterations, population_size and num_actions must be positive")
        if not 0.0 < elite_ratio <= 1.0:
            raise ValueError(f"elite_ratio must be in (0, 1], got {elite_ratio}")
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {alpha}")
        if not (min_prob >= 0.0 and min_prob * num_actions < 1.0):
            raise ValueError(f"min_prob must be >= 0 and below 1/K = {1.0 / num_actions}")
        self.num_iterations = num_iterations
        self.elite_ratio = elite_ratio
        self.population_size = population_size
        self.num_elites = max(1, int(round(elite_ratio * population_size)))
        self.num_actions = num_actions
        self.alpha = alpha
        self.min_prob = min_prob
        self.device = torch.device(device)
        if generator is None:
            generator = torch.Generator(device=self.device)
            if seed is None:
                generator.seed()
            else:
                generator.manual_seed(seed)
        self.generator = generator

    def optimize(
        self,
        obj_fun: CategoricalObjectiveFn,
        horizon: int,
        init_probs: torch.Tensor | None = None,
        candidates: torch.Tensor | None = None,
        callback: CategoricalCallback | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Maximise ``obj_fun`` over sequences of ``horizon`` action ids.

        Args:
            obj_fun: population P x H (int64 ids) -> scores P. NaN counts as -inf:
                never an elite, never returned.
            horizon: H.
            init_probs: H x K starting distribution (rows are normalised and
                floored); default uniform.
            candidates: C x H sequences (C <= P) that take the place of the first C
                samples of the first iteration, so known plans (the last plan, the
                greedy plan) are always scored and can be returned.
            callback: called with (population, scores, probs, iteration) each round.

        Returns:
            ``(best_sequence, probs)``: the best sequence seen (H, int64) and the
            final distribution (H x K).

        Raises:
            NoFeasiblePlan: every sequence of every iteration scored NaN or -inf.
        """
        if horizon < 1:
            raise ValueError(f"horizon must be positive, got {horizon}")
        probs = self._initial_probs(horizon, init_probs)
        best_value = float("-inf")
        best: torch.Tensor | None = None
        for iteration in range(self.num_iterations):
            population = self._sample(probs)
            if iteration == 0 and candidates is not None:
                known = self._check_candidates(candidates, horizon)
                population[: known.shape[0]] = known
            raw = obj_fun(population)
            if raw.shape != (self.population_size,):
                raise ValueError(
                    f"obj_fun must return ({self.population_size},) scores, got {tuple(raw.shape)}"
                )
            scores = rank_scores(raw.to(self.device))
            if callback is not None:
                callback(population, scores, probs, iteration)
            usable = int((scores > float("-inf")).sum())
            if usable == 0:
                continue
            values, index = scores.topk(min(self.num_elites, usable))
            if float(values[0]) > best_value:
                best_value, best = float(values[0]), population[index[0]].clone()
            elites = population[index]  # e x H
            counts = torch.nn.functional.one_hot(elites, self.num_actions).float()
            frequencies = counts.mean(dim=0)  # H x K
            probs = self._floor(self.alpha * probs + (1 - self.alpha) * frequencies)
        if best is None:
            raise NoFeasiblePlan("every candidate sequence scored NaN or -inf")
        return best, probs

    def _initial_probs(self, horizon: int, init_probs: torch.Tensor | None) -> torch.Tensor:
        """H x K, normalised, floored."""
        shape = (horizon, self.num_actions)
        if init_probs is None:
            return torch.full(shape, 1.0 / self.num_actions, device=self.device)
        probs = torch.as_tensor(init_probs, dtype=torch.float32, device=self.device)
        if probs.shape != shape:
            raise ValueError(f"init_probs must have shape {shape}, got {tuple(probs.shape)}")
        if not bool(torch.isfinite(probs).all()) or bool((probs < 0).any()):
            raise ValueError("init_probs must be finite and non-negative")
        totals = probs.sum(dim=1, keepdim=True)
        if bool((totals <= 0).any()):
            raise ValueError("every row of init_probs needs some positive mass")
        return self._floor(probs / totals)

    def _floor(self, probs: torch.Tensor) -> torch.Tensor:
        """Mix with the uniform distribution so every entry is at least min_prob."""
        return (1.0 - self.num_actions * self.min_prob) * probs + self.min_prob

    def _sample(self, probs: torch.Tensor) -> torch.Tensor:
        """probs H x K -> population P x H (int64)."""
        draws = torch.multinomial(
            probs.to(self.generator.device),
            self.population_size,
            replacement=True,
            generator=self.generator,
        )
        return draws.t().contiguous().to(self.device)

    def _check_candidates(self, candidates: torch.Tensor, horizon: int) -> torch.Tensor:
        known = torch.as_tensor(candidates, dtype=torch.long, device=self.device)
        if known.dim() == 1:
            known = known.unsqueeze(0)
        if known.dim() != 2 or known.shape[1] != horizon or known.shape[0] > self.population_size:
            raise ValueError(f"candidates must be C x {horizon} with C <= population_size")
        if known.numel() and (int(known.min()) < 0 or int(known.max()) >= self.num_actions):
            raise ValueError(f"candidate action ids must be in [0, {self.num_actions})")
        return known
