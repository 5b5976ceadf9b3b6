"""A PETS agent (Chua et al., 2018) assembled from fixstream's parts, for the benchmarks.

Dynamics: :class:`models.GaussianEnsemble` fitted by :func:`models.learning.train_dynamics`
on a :class:`models.ReplayBuffer`; planning: :class:`planning.TrajectoryOptimizer` over
:class:`planning.CEMOptimizer`, re-planned every step (MPC) with a known reward and
termination function. Rollouts use trajectory sampling: particle j of every candidate
keeps ensemble member ``j mod E`` for the whole horizon (TS-inf), and each member only
computes its own particles (one batched product of E x B/E rows), which is what makes
this run on a laptop CPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch

from models import GaussianEnsemble, ReplayBuffer, TrainingLog
from models.learning import train_dynamics
from planning import CEMOptimizer, TrajectoryOptimizer

#: ``reward_fn(obs (B x S), actions (B x A), next_obs (B x S)) -> rewards (B,)``.
Reward = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
#: ``termination_fn(obs, actions, next_obs) -> done (B,) bool``.
Termination = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


class Env(Protocol):
    def reset(self, *, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]: ...

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]: ...


@dataclass
class PetsConfig:
    horizon: int = 15
    population: int = 300
    iterations: int = 5
    elite_ratio: float = 0.1
    alpha: float = 0.1
    particles: int = 10  # a multiple of ensemble_size
    hidden_size: int = 64
    num_layers: int = 3
    ensemble_size: int = 5
    epochs: int = 50
    patience: int = 5
    batch_size: int = 32
    lr: float = 1e-3
    random_episodes: int = 1
    warm_start: bool = False  # CEM starts from the shifted last plan
    deterministic: bool = False  # particles follow their member's mean (no sampled noise)


class PetsAgent:
    """Model-predictive control with a learned ensemble and CEM."""

    def __init__(
        self,
        obs_size: int,
        action_low: np.ndarray,
        action_high: np.ndarray,
        reward_fn: Reward,
        termination_fn: Termination | None,
        config: PetsConfig,
        seed: int = 0,
        capacity: int = 100_000,
    ) -> None:
        if config.particles % config.ensemble_size:
            raise ValueError("particles must be a multiple of ensemble_size")
        self.config = config
        self.obs_size = obs_size
        self.low = np.asarray(action_low, np.float32)
        self.high = np.asarray(action_high, np.float32)
        self.action_size = self.low.shape[0]
        self.reward_fn = reward_fn
        self.termination_fn = termination_fn
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.generator = torch.Generator().manual_seed(seed)
        self.replay = ReplayBuffer(capacity, (obs_size,), (self.action_size,))
        self.model: GaussianEnsemble | None = None
        optimizer = CEMOptimizer(
            config.iterations,
            config.elite_ratio,
            config.population,
            torch.as_tensor(self.low),
            torch.as_tensor(self.high),
            alpha=config.alpha,
            generator=self.generator,
        )
        self.planner = TrajectoryOptimizer(optimizer, self.action_size, config.horizon,
                                           keep_last_solution=config.warm_start)

    def reset(self) -> None:
        self.planner.reset()

    def act(self, obs: np.ndarray) -> np.ndarray:
        if self.model is None:
            return self.rng.uniform(self.low, self.high).astype(np.float32)
        with torch.inference_mode():
            plan = self.planner.optimize(self._objective(obs))
        return plan[0].numpy().astype(np.float32)

    def observe(self, obs: np.ndarray, action: np.ndarray, next_obs: np.ndarray,
                reward: float, done: bool) -> None:
        self.replay.add(obs, action, next_obs, reward, done)

    def train(self) -> TrainingLog:
        cfg = self.config
        self.model, log = train_dynamics(
            self.replay,
            self.model,
            learned_reward=False,
            hidden_size=cfg.hidden_size,
            num_layers=cfg.num_layers,
            ensemble_size=cfg.ensemble_size,
            epochs=cfg.epochs,
            patience=cfg.patience,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            seed=self.seed + len(self.replay),
        )
        return log

    def _objective(self, obs: np.ndarray) -> Callable[[torch.Tensor], torch.Tensor]:
        model = self.model
        assert model is not None
        members = model.ensemble_size
        per_member = self.config.particles // members
        start = torch.as_tensor(obs, dtype=torch.float32)
        std, mean = model.target_normalizer.std, model.target_normalizer.mean

        def score(population: torch.Tensor) -> torch.Tensor:
            """population P x H x A -> mean return over particles, P."""
            count, horizon, _ = population.shape
            rows = per_member * count
            state = start.expand(members, rows, -1).clone()  # E x (k P) x S
            total = torch.zeros(members * rows)
            alive = torch.ones(members * rows, dtype=torch.bool)
            for t in range(horizon):
                action = population[:, t].repeat(per_member, 1)  # (k P) x A
                action = action.expand(members, -1, -1)
                inputs = torch.cat([state, action], dim=-1)
                out_mean, out_logvar = model(inputs)
                if self.config.deterministic:
                    delta = out_mean * std + mean
                else:
                    noise = torch.randn(out_mean.shape, generator=self.generator)
                    delta = (out_mean + torch.exp(0.5 * out_logvar) * noise) * std + mean
                next_state = state + delta
                flat = (state.reshape(-1, self.obs_size), action.reshape(-1, self.action_size),
                        next_state.reshape(-1, self.obs_size))
                reward = self.reward_fn(*flat)
                total += torch.where(alive, reward, 0.0)
                if self.termination_fn is not None:
                    alive &= ~self.termination_fn(*flat)
                state = next_state
            returns = total.view(members, per_member, count).mean(dim=(0, 1))
            return torch.nan_to_num(returns, nan=-1e6)

        return score


@dataclass
class EpisodeRecord:
    episode: int
    steps: int
    ret: float
    seconds: float
    train_seconds: float
    val_score: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def run_pets(env: Env, agent: PetsAgent, episodes: int, seed: int, max_steps: int,
             log: Callable[[str], None] = print) -> list[EpisodeRecord]:
    """Run ``episodes`` episodes (the first ``random_episodes`` with random actions),
    training the model after each one; returns one record per episode."""
    records = []
    for episode in range(episodes):
        started = time.perf_counter()
        obs, _ = env.reset(seed=seed + episode)
        agent.reset()
        total, steps = 0.0, 0
        for _ in range(max_steps):
            action = agent.act(obs)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            agent.observe(obs, action, next_obs, float(reward), bool(terminated))
            total += float(reward)
            steps += 1
            obs = next_obs
            if terminated or truncated:
                break
        elapsed = time.perf_counter() - started
        train_started = time.perf_counter()
        training = agent.train()
        train_seconds = time.perf_counter() - train_started
        val = min(training.val_scores) if training.val_scores else None
        record = EpisodeRecord(episode + 1, steps, total, elapsed, train_seconds, val)
        records.append(record)
        log(f"episode {record.episode:3d}  steps {steps:4d}  return {total:9.2f}  "
            f"act {elapsed:6.1f}s  train {train_seconds:5.1f}s  val_mse {val if val else 0:.4f}")
    return records


def print_table(records: list[EpisodeRecord], title: str) -> None:
    print(f"\n{title}")
    print(f"{'episode':>7} | {'steps':>5} | {'return':>9} | {'act s':>6} | {'train s':>7}")
    print("-" * 48)
    for r in records:
        print(f"{r.episode:>7} | {r.steps:>5} | {r.ret:>9.2f} | {r.seconds:>6.1f} | "
              f"{r.train_seconds:>7.1f}")
