"""CEMOptimizer and TrajectoryOptimizer on analytic objectives, with fixed seeds."""

from __future__ import annotations

import pytest
import torch

from planning import CEMOptimizer, NoFeasiblePlan, TrajectoryOptimizer, truncated_normal

TARGET = torch.tensor([[0.5, -0.3], [0.2, 0.9], [-0.7, 0.1]])  # H=3, A=2


def negative_distance(population: torch.Tensor) -> torch.Tensor:
    """P x 3 x 2 -> P: -(squared distance to TARGET)."""
    return -((population - TARGET) ** 2).sum(dim=(1, 2))


def rosenbrock(population: torch.Tensor) -> torch.Tensor:
    """P x 1 x 2 -> P: negative Rosenbrock-like curved valley, best 0 at (1, 1).

    The valley weight is 10, not the classic 100: on the classic function a diagonal
    CEM shrinks its variance faster than its mean travels down the valley and stops
    short (about 0.1-0.3 from the optimum), a known limit of the method.
    """
    x, y = population[:, 0, 0], population[:, 0, 1]
    return -((1 - x) ** 2 + 10 * (y - x**2) ** 2)


def _cem(**overrides: object) -> CEMOptimizer:
    arguments: dict[str, object] = {
        "num_iterations": 15,
        "elite_ratio": 0.1,
        "population_size": 400,
        "lower_bound": -1.0,
        "upper_bound": 1.0,
        "alpha": 0.1,
        "seed": 0,
    }
    arguments.update(overrides)
    return CEMOptimizer(**arguments)  # type: ignore[arg-type]


def test_truncated_normal_stays_within_two_std() -> None:
    draws = truncated_normal((20000,), generator=torch.Generator().manual_seed(0))
    assert float(draws.abs().max()) <= 2.0
    assert abs(float(draws.mean())) < 0.03
    # std of N(0,1) truncated at +-2 is ~0.88
    assert 0.85 < float(draws.std()) < 0.91


def test_finds_the_target_inside_the_bounds() -> None:
    history: list[float] = []
    best = _cem().optimize(
        negative_distance,
        torch.zeros(3, 2),
        callback=lambda pop, scores, it: history.append(float(scores.max())),
    )
    assert best.shape == (3, 2)
    assert torch.allclose(best, TARGET, atol=0.05)
    assert len(history) == 15 and history[-1] > history[0]


def test_mean_of_elites_converges_too() -> None:
    mean = _cem(return_mean_elites=True).optimize(negative_distance, torch.zeros(3, 2))
    assert torch.allclose(mean, TARGET, atol=0.05)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rosenbrock_valley(seed: int) -> None:
    optimizer = _cem(
        lower_bound=-2.0,
        upper_bound=2.0,
        num_iterations=30,
        population_size=500,
        alpha=0.5,
        seed=seed,
    )
    best = optimizer.optimize(rosenbrock, torch.zeros(1, 2))
    assert torch.allclose(best[0], torch.tensor([1.0, 1.0]), atol=0.1)


def test_optimum_outside_the_box_lands_on_the_bound() -> None:
    # Target (2, 2) lies outside [-1, 1]: the best feasible point is the corner.
    best = _cem().optimize(lambda p: -((p - 2.0) ** 2).sum(dim=(1, 2)), torch.zeros(1, 2))
    assert torch.allclose(best, torch.ones(1, 2), atol=0.05)


def test_samples_respect_per_dimension_bounds() -> None:
    lower, upper = torch.tensor([0.0, -5.0]), torch.tensor([0.1, 5.0])
    seen: list[torch.Tensor] = []

    def objective(population: torch.Tensor) -> torch.Tensor:
        seen.append(population)
        return population.sum(dim=(1, 2))

    _cem(lower_bound=lower, upper_bound=upper).optimize(objective, torch.zeros(4, 2))
    everything = torch.cat(seen)
    assert bool((everything >= lower).all()) and bool((everything <= upper).all())


def test_same_seed_same_answer() -> None:
    a = _cem(seed=3).optimize(negative_distance, torch.zeros(3, 2))
    b = _cem(seed=3).optimize(negative_distance, torch.zeros(3, 2))
    assert torch.equal(a, b)


def test_nan_is_never_chosen() -> None:
    """Candidates near the true optimum return NaN: the answer must avoid them."""

    def poisoned(population: torch.Tensor) -> torch.Tensor:
        scores = negative_distance(population)
        near_target = ((population - TARGET) ** 2).sum(dim=(1, 2)) < 0.25
        return torch.where(near_target, torch.full_like(scores, float("nan")), scores)

    best = _cem().optimize(poisoned, torch.zeros(3, 2))
    assert not bool(torch.isnan(best).any())
    assert float(((best - TARGET) ** 2).sum()) >= 0.25
    assert float(poisoned(best.unsqueeze(0))[0]) == pytest.approx(-0.25, abs=0.05)


def test_all_nan_raises_no_feasible_plan() -> None:
    with pytest.raises(NoFeasiblePlan):
        _cem(num_iterations=2).optimize(
            lambda p: torch.full((p.shape[0],), float("nan")), torch.zeros(3, 2)
        )


def test_wrong_objective_shape_is_an_error() -> None:
    with pytest.raises(ValueError):
        _cem().optimize(lambda p: p.sum(dim=2), torch.zeros(3, 2))


@pytest.mark.parametrize(
    "overrides",
    [{"elite_ratio": 0.0}, {"alpha": 1.0}, {"lower_bound": 1.0}, {"population_size": 0}],
)
def test_invalid_settings(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _cem(**overrides)


def test_trajectory_optimizer_warm_starts_from_shifted_plan() -> None:
    starts: list[torch.Tensor] = []
    optimizer = _cem(
        num_iterations=3, population_size=50, lower_bound=[-1.0, 0.0], upper_bound=[1.0, 2.0]
    )
    original = optimizer.optimize

    def spy(obj_fun, x0, callback=None):  # type: ignore[no-untyped-def]
        starts.append(x0.clone())
        return original(obj_fun, x0, callback)

    optimizer.optimize = spy  # type: ignore[method-assign]
    planner = TrajectoryOptimizer(optimizer, action_size=2, planning_horizon=3, replan_freq=1,
                                  warm_start_margin=0.0)
    assert torch.equal(planner.previous_solution, torch.tensor([[0.0, 1.0]] * 3))
    plan = planner.optimize(negative_distance)
    assert plan.shape == (3, 2)
    assert torch.equal(planner.previous_solution[:2], plan[1:])
    assert torch.equal(planner.previous_solution[2], torch.tensor([0.0, 1.0]))
    planner.optimize(negative_distance)
    assert torch.equal(starts[1], torch.cat([plan[1:], torch.tensor([[0.0, 1.0]])]))
    planner.reset()
    assert torch.equal(planner.previous_solution, torch.tensor([[0.0, 1.0]] * 3))


def test_trajectory_optimizer_without_warm_start() -> None:
    planner = TrajectoryOptimizer(_cem(num_iterations=2), 2, 3, keep_last_solution=False)
    planner.optimize(negative_distance)
    assert torch.equal(planner.previous_solution, torch.zeros(3, 2))


def test_truncated_normal_respects_per_element_intervals() -> None:
    low = torch.tensor([0.0, -0.5, -2.0])
    high = torch.tensor([2.0, 0.5, 0.0])
    draws = truncated_normal((5000, 3), generator=torch.Generator().manual_seed(0),
                             low=low, high=high)
    assert bool((draws >= low).all()) and bool((draws <= high).all())
    # A one-sided interval gives a half-normal with its full spread, not a point.
    assert float(draws[:, 0].std()) > 0.4 and float(draws[:, 2].std()) > 0.4


def test_a_start_on_a_bound_can_leave_it() -> None:
    """x0 on the lower bound everywhere, the optimum 0.4 inside: found (a spread
    capped by the distance to the bound would be 0 there, forever)."""
    inside = torch.full((3, 2), -0.6)
    best = _cem().optimize(lambda p: -((p - inside) ** 2).sum(dim=(1, 2)),
                           torch.full((3, 2), -1.0))
    assert torch.allclose(best, inside, atol=0.05)


def test_warm_start_from_a_saturated_plan_follows_a_moved_optimum() -> None:
    """The receding-horizon case: the first objective's optimum lies beyond the upper
    bound, so the plan saturates at it; the next objective's optimum is inside. The
    warm start (the shifted saturated plan, clipped to the middle half of the box)
    must not pin the new plan to the bound."""
    planner = TrajectoryOptimizer(_cem(), action_size=2, planning_horizon=3, replan_freq=1)
    saturated = planner.optimize(lambda p: -((p - 3.0) ** 2).sum(dim=(1, 2)))
    assert torch.allclose(saturated, torch.ones(3, 2), atol=0.05)
    assert torch.equal(planner.previous_solution,
                       torch.tensor([[0.5, 0.5], [0.5, 0.5], [0.0, 0.0]]))
    plan = planner.optimize(negative_distance)
    assert torch.allclose(plan, TARGET, atol=0.05)


def test_warm_start_margin_is_checked() -> None:
    with pytest.raises(ValueError):
        TrajectoryOptimizer(_cem(), 2, 3, warm_start_margin=0.5)


def _pendulum_step(
    theta: torch.Tensor, speed: torch.Tensor, torque: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pendulum-v1's dynamics (g = 10, m = l = 1, dt = 0.05) and cost, batched (B,)."""
    torque = torque.clamp(-2.0, 2.0)
    speed = (speed + (15.0 * torch.sin(theta) + 3.0 * torque) * 0.05).clamp(-8.0, 8.0)
    theta = theta + speed * 0.05
    upright = ((theta + torch.pi) % (2 * torch.pi)) - torch.pi
    return theta, speed, upright**2 + 0.1 * speed**2 + 0.001 * torque**2


def test_warm_started_mpc_swings_the_pendulum_up() -> None:
    """Receding-horizon control of the true pendulum from hanging (nearly) down, the
    CEM warm-started from its shifted last plan. A swing-up saturates the torque at
    +-2 for many steps: with the spread capped at the bounds the warm start kept the
    plans pinned there and the pendulum ended ~2 rad from upright after 100 steps."""
    planner = TrajectoryOptimizer(
        _cem(num_iterations=5, population_size=200, lower_bound=-2.0, upper_bound=2.0),
        action_size=1, planning_horizon=15,
    )
    theta, speed = torch.tensor([3.0]), torch.tensor([0.0])
    for _ in range(100):
        def objective(population: torch.Tensor, theta=theta, speed=speed) -> torch.Tensor:
            t = theta.expand(population.shape[0])
            s = speed.expand(population.shape[0])
            total = torch.zeros(population.shape[0])
            for h in range(population.shape[1]):
                t, s, cost = _pendulum_step(t, s, population[:, h, 0])
                total -= cost
            return total

        plan = planner.optimize(objective)
        theta, speed, _ = _pendulum_step(theta, speed, plan[0])
    upright = float(((theta + torch.pi) % (2 * torch.pi)) - torch.pi)
    assert abs(upright) < 0.1 and abs(float(speed)) < 0.5
