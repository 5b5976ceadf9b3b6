"""Fast rollouts of discrete action sequences through a trained ensemble's elites.

A fix plan scores P x H candidate steps (256 x 8, five CEM rounds) within a few
milliseconds on one CPU thread. :class:`models.ModelEnv` runs every member on every
row and samples, which costs ~45 ms for that; here the elites' mean functions are
copied once per model with the normalisers folded into the weights and only the
mean half of the head kept, and each step simulates only the rows whose step counts
(stopped and repeated steps change nothing). The model's predictions are reproduced
exactly (tested against :meth:`models.GaussianEnsemble.forward`).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import torch

from models import GaussianEnsemble

__all__ = ["EnsembleRollout", "Trace"]

#: ``"expectation"``: every elite predicts from one shared state, which moves by the
#: elites' mean prediction (a deterministic moment-matched rollout);
#: ``"members"``: each elite follows its own deterministic trajectory (TS-inf), and
#: returns are averaged over the elites.
RolloutMode = Literal["expectation", "members"]


class Trace(NamedTuple):
    """One sequence, step by step: rewards H (mean over elites), disagreement H (variance
    across elites of their standardised predictions, averaged over outputs) and counted
    H (bool: the step is before the first stop and its action is new in the sequence)."""

    rewards: torch.Tensor
    disagreement: torch.Tensor
    counted: torch.Tensor


class EnsembleRollout:
    """Inference-only copy of a trained ensemble's elites for sequences of action ids.

    Args:
        model: trained :class:`~models.GaussianEnsemble` with ``in_size = S + K`` and
            ``out_size = S + 1`` (next-state delta, then the reward).
        obs_size: S.
        mode: see :data:`RolloutMode`.
        stop_action: the id that ends a sequence; it and every later step score 0.

    Semantics of a sequence (P x H ids): steps from the first ``stop_action`` on count
    nothing, and so does an action that already occurred earlier in the sequence: a
    plan applies each rule at most once (its fixes go to a fixed point).
    """

    def __init__(
        self,
        model: GaussianEnsemble,
        obs_size: int,
        mode: RolloutMode = "expectation",
        stop_action: int = 0,
    ) -> None:
        if not model.is_trained:
            raise ValueError("the ensemble is not trained")
        if model.out_size != obs_size + 1:
            raise ValueError(f"model out_size {model.out_size} != obs_size + 1 ({obs_size + 1})")
        num_actions = model.in_size - obs_size
        if num_actions < 1 or not 0 <= stop_action < num_actions:
            raise ValueError(f"model in_size {model.in_size} leaves no room for actions")
        if mode not in ("expectation", "members"):
            raise ValueError(f"unknown rollout mode {mode!r}")
        self.obs_size = obs_size
        self.num_actions = num_actions
        self.mode: RolloutMode = mode
        self.stop_action = stop_action
        with torch.no_grad():
            elites = model.elite_indices.cpu()
            layers = list(model.hidden)
            in_mean = model.input_normalizer.mean.detach().cpu()  # 1 x I
            in_std = model.input_normalizer.std.detach().cpu()
            # First layer with the input standardisation folded in: x W' + b' equals
            # ((x - mean) / std) W + b.
            weight = _parameter(layers[0], "weight")[elites] / in_std.reshape(1, -1, 1)
            self.w_in = weight.contiguous()  # n x I x h
            self.b_in = (_parameter(layers[0], "bias")[elites] - in_mean @ weight).contiguous()
            self.hidden = [
                (_parameter(layer, "weight")[elites].contiguous(),
                 _parameter(layer, "bias")[elites].contiguous())
                for layer in layers[1:]
            ]
            out = model.out_size
            t_mean = model.target_normalizer.mean.detach().cpu()  # 1 x O
            t_std = model.target_normalizer.std.detach().cpu()
            # Mean half of the head, with the target de-standardisation folded in.
            head_w = _parameter(model.head, "weight")[elites][:, :, :out]
            head_b = _parameter(model.head, "bias")[elites][:, :, :out]
            self.head_w = (head_w * t_std).contiguous()
            self.head_b = (head_b * t_std + t_mean).contiguous()
            self.target_std = t_std.reshape(-1).clone()
        self.num_elites = int(elites.numel())

    # ------------------------------------------------------------------ internals
    def _counted(self, actions: torch.Tensor) -> torch.Tensor:
        """actions P x H -> P x H bool: the step is before the first stop and its action
        has not occurred earlier in the sequence."""
        live = torch.cumprod((actions != self.stop_action).to(torch.int8), dim=1).bool()
        seen = torch.nn.functional.one_hot(actions, self.num_actions).cumsum(dim=1)
        first = seen.gather(2, actions.unsqueeze(-1)).squeeze(-1) == 1
        return live & first

    @staticmethod
    def _last_step(counted: torch.Tensor) -> int:
        """Steps after the last counted one change nothing: how many to simulate."""
        steps = torch.nonzero(counted.any(dim=0))
        return int(steps[-1]) + 1 if steps.numel() else 0

    def _predict(self, inputs: torch.Tensor) -> torch.Tensor:
        """inputs n x R x (S + K) (raw state and one-hot action) -> n x R x O: every
        elite's predicted delta and reward, in target units."""
        silu = torch.nn.functional.silu
        x = silu(torch.baddbmm(self.b_in, inputs, self.w_in))
        for weight, bias in self.hidden:
            x = silu(torch.baddbmm(bias, x, weight))
        return torch.baddbmm(self.head_b, x, self.head_w)

    def _first_step(self, start: torch.Tensor) -> torch.Tensor:
        """start S -> n x K x O: every elite's prediction for every action from start."""
        actions = torch.eye(self.num_actions)
        inputs = torch.cat([start.expand(self.num_actions, -1), actions], dim=1)
        return self._predict(inputs.expand(self.num_elites, -1, -1))

    def _check(
        self, start: torch.Tensor, actions: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        start = torch.as_tensor(start, dtype=torch.float32).reshape(-1)
        if start.shape != (self.obs_size,):
            raise ValueError(f"start must have {self.obs_size} values, got {tuple(start.shape)}")
        actions = torch.as_tensor(actions, dtype=torch.long)
        if actions.dim() != 2:
            raise ValueError(f"actions must be P x H ids, got {tuple(actions.shape)}")
        if actions.numel() and (int(actions.min()) < 0 or int(actions.max()) >= self.num_actions):
            raise ValueError(f"action ids must be in [0, {self.num_actions})")
        return start, actions

    # ------------------------------------------------------------------ public
    @torch.inference_mode()
    def returns(self, start: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Predicted return of P sequences from one state.

        Only the rows whose step counts are simulated at each step (a stopped or
        repeated step leaves its row as it is), and only up to the last counted step.

        Args:
            start: S; actions: P x H ids.

        Returns:
            P returns (sum of the counted steps' predicted rewards; NaN propagates).
        """
        start, actions = self._check(start, actions)
        population, size = actions.shape[0], self.obs_size
        mask = self._counted(actions)
        steps = self._last_step(mask)
        onehot = torch.nn.functional.one_hot(actions[:, :steps], self.num_actions).float()
        members = self.num_elites
        if self.mode == "expectation":
            state = start.repeat(population, 1)  # P x S
            total = torch.zeros(population)
            for t in range(steps):
                rows = mask[:, t].nonzero().squeeze(1)
                if t == 0:  # one shared state: predict each action once
                    out = self._first_step(start).mean(dim=0)[actions[rows, 0]]
                else:
                    inputs = torch.cat([state[rows], onehot[rows, t]], dim=1)
                    out = self._predict(inputs.expand(members, -1, -1)).mean(dim=0)  # R x O
                state.index_add_(0, rows, out[:, :size])
                total.index_add_(0, rows, out[:, size])
            return total
        states = start.repeat(members, population, 1)  # n x P x S
        totals = torch.zeros(members, population)
        for t in range(steps):
            rows = mask[:, t].nonzero().squeeze(1)
            if t == 0:
                out = self._first_step(start)[:, actions[rows, 0]]
            else:
                action = onehot[rows, t].expand(members, -1, -1)
                out = self._predict(torch.cat([states[:, rows], action], dim=2))  # n x R x O
            states.index_add_(1, rows, out[..., :size])
            totals.index_add_(1, rows, out[..., size])
        return totals.mean(dim=0)

    @torch.inference_mode()
    def trace(self, start: torch.Tensor, actions: torch.Tensor) -> Trace:
        """Step-by-step rewards and disagreement of one sequence (actions: H ids)."""
        start, batch = self._check(start, torch.as_tensor(actions).reshape(1, -1))
        horizon, members, size = batch.shape[1], self.num_elites, self.obs_size
        counted = self._counted(batch)[0]
        onehot = torch.nn.functional.one_hot(batch[0], self.num_actions).float()  # H x K
        rewards = torch.zeros(horizon)
        disagreement = torch.zeros(horizon)
        states = start.repeat(members, 1, 1)  # n x 1 x S
        for t in range(horizon):
            if not bool(counted[t]):
                continue
            action = onehot[t].expand(members, 1, -1)
            out = self._predict(torch.cat([states, action], dim=2))  # n x 1 x O
            disagreement[t] = (out / self.target_std).var(dim=0, unbiased=False).mean()
            rewards[t] = out[..., size].mean()
            delta = out[..., :size]
            states = states + (delta.mean(dim=0) if self.mode == "expectation" else delta)
        return Trace(rewards, disagreement, counted)

    @torch.inference_mode()
    def first_step_disagreement(
        self, start: torch.Tensor, action_ids: torch.Tensor
    ) -> torch.Tensor:
        """Disagreement of the one-step predictions for each of ``action_ids`` (A ids) -> A."""
        start, batch = self._check(start, torch.as_tensor(action_ids).reshape(-1, 1))
        onehot = torch.nn.functional.one_hot(batch[:, 0], self.num_actions).float()
        inputs = torch.cat([start.expand(batch.shape[0], -1), onehot], dim=1)
        out = self._predict(inputs.expand(self.num_elites, -1, -1)) / self.target_std
        return out.var(dim=0, unbiased=False).mean(dim=-1)


def _parameter(module: torch.nn.Module, name: str) -> torch.Tensor:
    """A detached CPU copy of one of ``module``'s tensors (E x ... for ensemble layers)."""
    value = getattr(module, name)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{type(module).__name__}.{name} is not a tensor")
    return value.detach().cpu()
