"""PETS on a continuous cart-pole balance task (as mbrl-lib's ``cartpole_continuous``).

Run: ``nice .venv/bin/python tests/bench/bench_cartpole.py [--episodes 8] [--seed 0]``.
Target: return 200 (the full episode) by episode 8. Episode 1 acts at random.

The environment is written here from the classic cart-pole equations (Barto, Sutton
and Anderson 1983, as in gym's CartPole): a continuous force ``10 * clip(a, -1, 1)``,
reward 1 per step, termination when ``|x| > 2.4`` or ``|theta| > 12 degrees``, at most
200 steps. The planner is given the same alive reward and termination function.

Horizon 30 (0.6 s): with 15 the pole stays up but the cart drifts past the track's
end in some later episodes (returns 123-158 after a first 200), because the alive
reward only sees the edge when it is too late to brake.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pets import PetsAgent, PetsConfig, print_table, run_pets  # noqa: E402

X_LIMIT = 2.4
THETA_LIMIT = 12 * 2 * math.pi / 360


class ContinuousCartPole:
    """Classic cart-pole with a continuous force; state (x, x_dot, theta, theta_dot)."""

    gravity = 9.8
    mass_cart = 1.0
    mass_pole = 0.1
    length = 0.5  # half the pole's length
    force_mag = 10.0
    tau = 0.02

    def __init__(self, max_steps: int = 200) -> None:
        self.max_steps = max_steps
        self.state = np.zeros(4)
        self.steps = 0
        self.rng = np.random.default_rng()

    def reset(self, *, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, size=4)
        self.steps = 0
        return self.state.astype(np.float32), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag * float(np.clip(np.asarray(action).reshape(-1)[0], -1.0, 1.0))
        total_mass = self.mass_cart + self.mass_pole
        pole_mass_length = self.mass_pole * self.length
        cos, sin = math.cos(theta), math.sin(theta)
        temp = (force + pole_mass_length * theta_dot**2 * sin) / total_mass
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.length * (4.0 / 3.0 - self.mass_pole * cos**2 / total_mass)
        )
        x_acc = temp - pole_mass_length * theta_acc * cos / total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * x_acc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * theta_acc
        self.state = np.array([x, x_dot, theta, theta_dot])
        self.steps += 1
        terminated = bool(abs(x) > X_LIMIT or abs(theta) > THETA_LIMIT)
        truncated = self.steps >= self.max_steps
        return self.state.astype(np.float32), 1.0, terminated, truncated, {}


def cartpole_done(obs: torch.Tensor, action: torch.Tensor, next_obs: torch.Tensor) -> torch.Tensor:
    return (next_obs[:, 0].abs() > X_LIMIT) | (next_obs[:, 2].abs() > THETA_LIMIT)


def cartpole_reward(
    obs: torch.Tensor, action: torch.Tensor, next_obs: torch.Tensor
) -> torch.Tensor:
    """Alive reward: 1 while the pole stays up and the cart on the track."""
    return (~cartpole_done(obs, action, next_obs)).float()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--horizon", type=int, default=30)
    parser.add_argument("--population", type=int, default=300)
    parser.add_argument("--particles", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--warm-start", action="store_true",
                        help="start CEM from the shifted last plan (clipped to the middle "
                        "half of the action box)")
    parser.add_argument("--deterministic", action="store_true",
                        help="particles follow their member's mean instead of sampling")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    env = ContinuousCartPole()
    config = PetsConfig(horizon=args.horizon, population=args.population,
                        particles=args.particles, hidden_size=args.hidden,
                        iterations=args.iterations, warm_start=args.warm_start,
                        deterministic=args.deterministic)
    agent = PetsAgent(4, np.array([-1.0]), np.array([1.0]), cartpole_reward, cartpole_done,
                      config, seed=args.seed)
    print(f"PETS continuous cart-pole: {config}, seed {args.seed}, torch threads {args.threads}",
          flush=True)
    started = time.perf_counter()
    records = run_pets(env, agent, args.episodes, args.seed, max_steps=200,
                       log=lambda line: print(line, flush=True))
    print_table(records, "Continuous cart-pole learning curve (episode 1: random actions)")
    first = next((r.episode for r in records if r.ret >= 200), None)
    verdict = "met" if first is not None and first <= 8 else "MISSED"
    print(f"\nfirst episode with return 200: {first} (target: by episode 8: {verdict})")
    print(f"total wall time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
