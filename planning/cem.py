"""Cross-entropy method over continuous action sequences.

The optimizer only sees a callable that scores a population of candidates; it knows
nothing of models or code (an adapter such as :meth:`models.ModelEnv.objective`
builds that callable).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from planning._scores import rank_scores
from planning.exceptions import NoFeasiblePlan

__all__ = [
    "CEMCallback",
    "CEMOptimizer",
    "ObjectiveFn",
    "TrajectoryOptimizer",
    "truncated_normal",
]

#: ``obj_fun(population (P x H x A)) -> scores (P,)``; higher is better, NaN is worst.
ObjectiveFn = Callable[[torch.Tensor], torch.Tensor]
#: ``callback(population (P x H x A), scores (P,), iteration)``, after each iteration.
CEMCallback = Callable[[torch.Tensor, torch.Tensor, int], None]

Bound = float | Sequence[float] | torch.Tensor


def truncated_normal(
    shape: Sequence[int],
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu",
    limit: float = 2.0,
    max_rounds: int = 20,
    low: torch.Tensor | None = None,
    high: torch.Tensor | None = None,
) -> torch.Tensor:
    """Standard normal draws truncated to ``[-limit, limit]``, and further to
    ``[low, high]`` where given (tensors broadcastable to ``shape``, in standard
    deviations; each interval must hold 0, e.g. a mean inside its box).

    Draws outside the interval are redrawn (about 5% per round at 2 std); whatever is
    still outside after ``max_rounds`` rounds is clamped.

    Returns:
        tensor of ``shape``, float32 on ``device``.
    """
    source = generator.device if generator is not None else torch.device(device)
    lower = torch.full(tuple(shape), -limit, device=source)
    upper = torch.full(tuple(shape), limit, device=source)
    if low is not None:
        lower = torch.maximum(lower, low.to(source).expand_as(lower))
    if high is not None:
        upper = torch.minimum(upper, high.to(source).expand_as(upper))
    values = torch.randn(tuple(shape), generator=generator, device=source)
    for _ in range(max_rounds):
        outside = (values < lower) | (values > upper)
        count = int(outside.sum())
        if count == 0:
            break
        values[outside] = torch.randn(count, generator=generator, device=source)
    return torch.minimum(torch.maximum(values, lower), upper).to(device)


class CEMOptimizer:
    """Cross-entropy method with a truncated-normal proposal inside box bounds.

    Each iteration samples ``population_size`` candidates around the current mean,
    keeps the best ``elite_ratio`` share, and moves the mean and variance towards the
    elites' (``alpha`` of the old value is kept). Candidates are drawn from the normal
    truncated to +-2 std *and* to the box, so they stay inside it without shrinking
    the variance: a mean on a bound (a warm start from a saturated plan) still
    explores the inside of the box with its full spread. (Capping the variance by the
    distance to the nearest bound instead, as mbrl-lib does, gives a mean on a bound
    zero spread, and the search can never leave it.)

    Args:
        num_iterations: sampling rounds per :meth:`optimize`.
        elite_ratio: share of the population kept as elites (at least one).
        population_size: candidates per iteration (P).
        lower_bound, upper_bound: scalars or tensors broadcastable to the solution
            shape (H x A), with ``lower < upper``.
        alpha: smoothing; weight of the previous mean/variance in each update.
        return_mean_elites: return the final mean instead of the best candidate seen.
        seed: seeds this optimizer's own generator (``generator`` takes precedence).
        generator: random source to use as is.
        device: device of the population handed to the objective.
    """

    def __init__(
        self,
        num_iterations: int,
        elite_ratio: float,
        population_size: int,
        lower_bound: Bound,
        upper_bound: Bound,
        alpha: float,
        return_mean_elites: bool = False,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        device: str | torch.device = "cpu",
    ) -> None:
        if num_iterations < 1 or population_size < 1:
            raise ValueError("num_iterations and population_size must be positive")
        if not 0.0 < elite_ratio <= 1.0:
            raise ValueError(f"elite_ratio must be in (0, 1], got {elite_ratio}")
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {alpha}")
        self.device = torch.device(device)
        self.lower_bound = torch.as_tensor(lower_bound, dtype=torch.float32, device=self.device)
        self.upper_bound = torch.as_tensor(upper_bound, dtype=torch.float32, device=self.device)
        if not bool((self.lower_bound < self.upper_bound).all()):
            raise ValueError("every lower bound must be below its upper bound")
        self.num_iterations = num_iterations
        self.elite_ratio = elite_ratio
        self.population_size = population_size
        self.num_elites = max(1, int(round(elite_ratio * population_size)))
        self.alpha = alpha
        self.return_mean_elites = return_mean_elites
        if generator is None:
            generator = torch.Generator(device=self.device)
            if seed is None:
                generator.seed()
            else:
                generator.manual_seed(seed)
        self.generator = generator

    def optimize(
        self,
        obj_fun: ObjectiveFn,
        x0: torch.Tensor,
        callback: CEMCallback | None = None,
    ) -> torch.Tensor:
        """Maximise ``obj_fun`` starting from the mean ``x0``.

        Args:
            obj_fun: population P x H x A -> scores P (higher is better). NaN scores
                count as -inf: never elites, never returned.
            x0: H x A initial mean (clamped into the bounds). The variance starts
                afresh at ``((upper - lower) / 4)^2`` on every call, warm start or not.
            callback: called with (population, scores, iteration) every iteration.

        Returns:
            H x A: the best candidate seen, or the final mean with
            ``return_mean_elites``.

        Raises:
            NoFeasiblePlan: every candidate of every iteration scored NaN or -inf.
        """
        lower = self.lower_bound.expand_as(x0)
        upper = self.upper_bound.expand_as(x0)
        mean = torch.minimum(torch.maximum(x0.to(self.device, torch.float32), lower), upper)
        var = (upper - lower).pow(2) / 16.0
        best_value = float("-inf")
        best: torch.Tensor | None = None
        for iteration in range(self.num_iterations):
            std = var.sqrt()
            # Truncate each coordinate to the box, in units of its std (a zero std
            # draws the mean itself: its interval is all of [-2, 2]).
            scale = torch.where(std > 0, std, torch.ones_like(std))
            noise = truncated_normal(
                (self.population_size, *x0.shape), generator=self.generator,
                device=self.device,
                low=torch.where(std > 0, (lower - mean) / scale, -2.0),
                high=torch.where(std > 0, (upper - mean) / scale, 2.0),
            )
            population = torch.minimum(torch.maximum(mean + std * noise, lower), upper)
            raw = obj_fun(population)
            if raw.shape != (self.population_size,):
                raise ValueError(
                    f"obj_fun must return ({self.population_size},) scores, got {tuple(raw.shape)}"
                )
            scores = rank_scores(raw.to(self.device))
            if callback is not None:
                callback(population, scores, iteration)
            usable = int((scores > float("-inf")).sum())
            if usable == 0:
                continue  # nothing to learn from this round: keep the distribution
            values, index = scores.topk(min(self.num_elites, usable))
            elites = population[index]
            if float(values[0]) > best_value:
                best_value, best = float(values[0]), population[index[0]].clone()
            mean = self.alpha * mean + (1 - self.alpha) * elites.mean(dim=0)
            var = self.alpha * var + (1 - self.alpha) * elites.var(dim=0, unbiased=False)
        if best is None:
            raise NoFeasiblePlan("every candidate scored NaN or -inf")
        return mean if self.return_mean_elites else best


class TrajectoryOptimizer:
    """Receding-horizon wrapper: plans H steps and warm-starts from the last plan.

    Args:
        optimizer: the :class:`CEMOptimizer` (its bounds are per action, shape A, or
            already H x A).
        action_size: A.
        planning_horizon: H.
        replan_freq: steps executed between plans; the warm start drops that many
            steps of the last plan.
        keep_last_solution: warm start from the shifted last plan (the tail is filled
            with the middle of the bounds); otherwise always start from the middle.
        warm_start_margin: the warm start is clipped to ``[lower + m, upper - m]``
            with ``m = warm_start_margin * (upper - lower)``, in ``[0, 0.5)``. A plan
            saturated at a bound (common in control) would otherwise start the next
            search on the bound, about 4 initial std from the far side of the box:
            the variance collapses before the mean gets there. With the default
            (the middle half of the box) each bound stays within 2 initial std.
    """

    def __init__(
        self,
        optimizer: CEMOptimizer,
        action_size: int,
        planning_horizon: int,
        replan_freq: int = 1,
        keep_last_solution: bool = True,
        warm_start_margin: float = 0.25,
    ) -> None:
        if action_size < 1 or planning_horizon < 1 or replan_freq < 1:
            raise ValueError("action_size, planning_horizon and replan_freq must be positive")
        if not 0.0 <= warm_start_margin < 0.5:
            raise ValueError(f"warm_start_margin must be in [0, 0.5), got {warm_start_margin}")
        self.optimizer = optimizer
        self.action_size = action_size
        self.horizon = planning_horizon
        self.replan_freq = replan_freq
        self.keep_last_solution = keep_last_solution
        shape = (planning_horizon, action_size)
        lower = optimizer.lower_bound.expand(shape)
        upper = optimizer.upper_bound.expand(shape)
        margin = warm_start_margin * (upper - lower)
        self._warm_low, self._warm_high = lower + margin, upper - margin
        self.initial_solution = ((lower + upper) / 2.0).clone()
        self.previous_solution = self.initial_solution.clone()

    def optimize(self, obj_fun: ObjectiveFn, callback: CEMCallback | None = None) -> torch.Tensor:
        """Plan from the warm start; returns the H x A plan."""
        plan = self.optimizer.optimize(obj_fun, self.previous_solution, callback=callback)
        if self.keep_last_solution:
            shift = min(self.replan_freq, self.horizon)
            shifted = torch.cat([plan[shift:], self.initial_solution[:shift]], dim=0)
            self.previous_solution = torch.minimum(
                torch.maximum(shifted, self._warm_low), self._warm_high
            ).clone()
        return plan

    def reset(self) -> None:
        """Forget the last plan (new episode / new file)."""
        self.previous_solution = self.initial_solution.clone()
