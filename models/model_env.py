"""Rollouts through a learned ensemble: the bridge from the model to the planners.

The ensemble maps ``[state, action]`` to the next-state delta (or the next state),
optionally followed by the reward. Continuous actions are used as they are; discrete
actions (``num_actions=K``) are given as integer ids and fed to the ensemble one-hot.
Planners only ever see :meth:`ModelEnv.objective`: a callable from candidate action
sequences to scores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch

from models.dynamics import GaussianEnsemble
from models.types import RewardFn, TerminationFn

__all__ = [
    "ModelEnv",
    "SequenceEvaluation",
    "StepResult",
    "model_inputs",
    "training_data",
]


class StepResult(NamedTuple):
    """One model step for B rows: next_obs B x S, reward B, done B (bool),
    disagreement B (see :class:`models.dynamics.EnsemblePrediction`)."""

    next_obs: torch.Tensor
    reward: torch.Tensor
    done: torch.Tensor
    disagreement: torch.Tensor


class SequenceEvaluation(NamedTuple):
    """Scores of P action sequences.

    Attributes:
        returns: P, discounted sum of rewards, averaged over particles (NaN if the
            model produced NaN; planners treat NaN as the worst score).
        disagreement: P, ensemble disagreement averaged over the steps before
            termination and over particles.
    """

    returns: torch.Tensor
    disagreement: torch.Tensor


def model_inputs(
    obs: torch.Tensor, actions: torch.Tensor, num_actions: int | None = None
) -> torch.Tensor:
    """Ensemble input rows ``[obs, action]``.

    Args:
        obs: B x S.
        actions: B x A floats, or B integer ids in [0, K) when ``num_actions=K``.
        num_actions: K for discrete actions (one-hot encoded), None for continuous.

    Returns:
        B x (S + A) float32, with A = K for discrete actions.
    """
    if num_actions is not None:
        ids = actions.long()
        if ids.dim() != 1:
            raise ValueError(f"discrete actions must be B ids, got {tuple(actions.shape)}")
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= num_actions):
            raise ValueError(f"action ids must be in [0, {num_actions})")
        encoded = torch.nn.functional.one_hot(ids, num_actions).to(obs.dtype)
    else:
        encoded = actions.to(obs.dtype)
        if encoded.dim() != 2:
            raise ValueError(f"continuous actions must be B x A, got {tuple(actions.shape)}")
    return torch.cat([obs, encoded], dim=-1)


def training_data(
    obs: np.ndarray,
    actions: np.ndarray,
    next_obs: np.ndarray,
    rewards: np.ndarray | None = None,
    num_actions: int | None = None,
    target_is_delta: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Transitions as ``(inputs, targets)`` for :func:`models.trainer.train_ensemble`.

    Args:
        obs, next_obs: N x S; actions: N x A (or N ids with ``num_actions``);
        rewards: N, appended as the last target column when given (learned reward).

    Returns:
        inputs N x (S + A) and targets N x (S [+ 1]), float32, in the layout
        :class:`ModelEnv` expects.
    """
    obs_t = torch.as_tensor(np.asarray(obs), dtype=torch.float32)
    act_t = torch.as_tensor(np.asarray(actions))
    inputs = model_inputs(obs_t, act_t, num_actions).numpy()
    next_arr = np.asarray(next_obs, dtype=np.float32)
    target = next_arr - obs_t.numpy() if target_is_delta else next_arr
    if rewards is not None:
        target = np.concatenate([target, np.asarray(rewards, np.float32).reshape(-1, 1)], 1)
    return inputs.astype(np.float32), target.astype(np.float32)


class ModelEnv:
    """Simulated environment over a trained :class:`GaussianEnsemble`.

    Args:
        model: ensemble with ``in_size = S + A`` and ``out_size = S`` (plus 1 when the
            model learns the reward).
        reward_fn: computes rewards from ``(obs, actions, next_obs)``; ``None`` means
            the model's last output is the reward.
        termination_fn: marks rows done; rewards after a row is done count 0.
        num_actions: K for discrete actions (ids, one-hot into the model; A = K).
        target_is_delta: the model predicts ``next_obs - obs`` (else ``next_obs``).
        discount: per-step discount of the returns.
        deterministic: use predictive means instead of samples.
        seed: seeds the generator used for sampling and member assignment.

    Actions are ``B x A`` floats for continuous control, ``B`` integer ids (sequences
    ``P x H``) for discrete actions.
    """

    def __init__(
        self,
        model: GaussianEnsemble,
        reward_fn: RewardFn | None = None,
        termination_fn: TerminationFn | None = None,
        num_actions: int | None = None,
        target_is_delta: bool = True,
        discount: float = 1.0,
        deterministic: bool = False,
        seed: int | None = None,
    ) -> None:
        self.model = model
        self.reward_fn = reward_fn
        self.termination_fn = termination_fn
        self.learned_reward = reward_fn is None
        self.obs_size = model.out_size - (1 if self.learned_reward else 0)
        self.action_size = model.in_size - self.obs_size
        if self.obs_size < 1 or self.action_size < 1:
            raise ValueError(
                f"model sizes in={model.in_size}, out={model.out_size} leave no room for "
                f"state and action (learned_reward={self.learned_reward})"
            )
        if num_actions is not None and num_actions != self.action_size:
            raise ValueError(
                f"num_actions={num_actions} but the model expects A={self.action_size}"
            )
        if not 0.0 < discount <= 1.0:
            raise ValueError(f"discount must be in (0, 1], got {discount}")
        self.num_actions = num_actions
        self.target_is_delta = target_is_delta
        self.discount = discount
        self.deterministic = deterministic
        self.generator = torch.Generator(device=model.device)
        if seed is not None:
            self.generator.manual_seed(seed)
        else:
            self.generator.seed()

    @property
    def device(self) -> torch.device:
        return self.model.device

    def training_data(
        self,
        obs: np.ndarray,
        actions: np.ndarray,
        next_obs: np.ndarray,
        rewards: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:func:`training_data` with this environment's layout (N rows)."""
        if self.learned_reward and rewards is None:
            raise ValueError("this ModelEnv learns the reward: pass rewards")
        return training_data(
            obs,
            actions,
            next_obs,
            rewards if self.learned_reward else None,
            num_actions=self.num_actions,
            target_is_delta=self.target_is_delta,
        )

    @torch.no_grad()
    def step(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        member_indices: torch.Tensor | None = None,
    ) -> StepResult:
        """One simulated step.

        Args:
            obs: B x S; actions: B x A (or B ids).
            member_indices: B members for ``"fixed_model"`` propagation.

        Returns:
            a :class:`StepResult` (B rows).
        """
        obs = obs.to(self.device, torch.float32)
        actions = actions.to(self.device)
        prediction = self.model.sample(
            model_inputs(obs, actions, self.num_actions),
            member_indices=member_indices,
            generator=self.generator,
            deterministic=self.deterministic,
        )
        out = prediction.sample
        delta = out[:, : self.obs_size]
        next_obs = obs + delta if self.target_is_delta else delta
        if self.reward_fn is None:
            reward = out[:, self.obs_size]
        else:
            reward = self.reward_fn(obs, actions, next_obs).to(self.device, torch.float32)
        if self.termination_fn is None:
            done = torch.zeros(obs.shape[0], dtype=torch.bool, device=self.device)
        else:
            done = self.termination_fn(obs, actions, next_obs).to(self.device, torch.bool)
        return StepResult(next_obs, reward.reshape(-1), done.reshape(-1), prediction.disagreement)

    @torch.no_grad()
    def evaluate_action_sequences(
        self,
        action_sequences: torch.Tensor,
        initial_state: torch.Tensor | np.ndarray,
        num_particles: int = 1,
    ) -> SequenceEvaluation:
        """Score P candidate sequences from one start state.

        Each sequence is simulated by ``num_particles`` particles. Under
        ``"fixed_model"`` propagation particle j of every sequence keeps the same elite
        member for the whole horizon (members dealt round-robin from a random
        permutation drawn once per call), so sequences are compared on equal terms.

        Args:
            action_sequences: P x H x A floats, or P x H ids for discrete actions.
            initial_state: S.
            num_particles: N >= 1.

        Returns:
            :class:`SequenceEvaluation` with returns P and disagreement P.
        """
        if num_particles < 1:
            raise ValueError(f"num_particles must be positive, got {num_particles}")
        sequences = torch.as_tensor(action_sequences, device=self.device)
        expected_dim = 2 if self.num_actions is not None else 3
        if sequences.dim() != expected_dim:
            raise ValueError(
                f"action_sequences must have {expected_dim} dims, got {sequences.dim()}"
            )
        state = torch.as_tensor(initial_state, dtype=torch.float32, device=self.device)
        if state.shape != (self.obs_size,):
            raise ValueError(f"initial_state must have shape ({self.obs_size},)")
        population, horizon = sequences.shape[0], sequences.shape[1]
        rows = population * num_particles
        obs = state.expand(rows, -1).clone()
        members = self._particle_members(rows, num_particles)
        totals = torch.zeros(rows, device=self.device)
        spread = torch.zeros(rows, device=self.device)
        steps = torch.zeros(rows, device=self.device)
        alive = torch.ones(rows, dtype=torch.bool, device=self.device)
        weight = 1.0
        for t in range(horizon):
            actions = sequences[:, t].repeat_interleave(num_particles, dim=0)
            result = self.step(obs, actions, member_indices=members)
            live = alive.float()
            # where() rather than a product, so a NaN after termination does not leak.
            totals = totals + torch.where(alive, weight * result.reward, 0.0)
            spread = spread + torch.where(alive, result.disagreement, 0.0)
            steps = steps + live
            alive = alive & ~result.done
            obs = result.next_obs
            weight *= self.discount
        returns = totals.view(population, num_particles).mean(dim=1)
        disagreement = (spread / steps.clamp(min=1.0)).view(population, num_particles).mean(dim=1)
        return SequenceEvaluation(returns, disagreement)

    def objective(
        self,
        initial_state: torch.Tensor | np.ndarray,
        num_particles: int = 1,
        disagreement_penalty: float = 0.0,
    ) -> Callable[[torch.Tensor], torch.Tensor]:
        """The planner's view: ``action_sequences (P x H x A | P x H) -> scores (P,)``,
        returns minus ``disagreement_penalty`` times disagreement."""

        def score(action_sequences: torch.Tensor) -> torch.Tensor:
            result = self.evaluate_action_sequences(action_sequences, initial_state, num_particles)
            if disagreement_penalty:
                return result.returns - disagreement_penalty * result.disagreement
            return result.returns

        return score

    def _particle_members(self, rows: int, num_particles: int) -> torch.Tensor | None:
        """rows member ids (row = sequence * N + particle), or None when not fixed_model."""
        if self.model.propagation != "fixed_model":
            return None
        elites = self.model.elite_indices
        order = torch.randperm(len(elites), generator=self.generator, device=self.generator.device)
        permutation = elites[order.to(elites.device)]
        particle = torch.arange(rows, device=self.device) % num_particles
        return permutation[particle % len(elites)]
