"""Fast rollouts of discrete action sequences through a trained ensemble's elites.

A fix plan scores P x H candidate steps (256 x 8, five CEM rounds) in about ten
milliseconds on one CPU thread. :meth:`models.ModelEnv.objective` runs every member
on every row and samples; for the same search it takes 10-30 times longer (see
tests/bench/bench_planner.py). Here the elites' mean functions are copied once per
model with the normalisers folded into the weights (the one-hot action becomes a
row lookup, the mean over elites one product with the stacked heads), and each step
simulates one row per distinct action prefix among the rows whose step counts
(stopped and repeated steps change nothing). The model's predictions are reproduced
exactly (tested against :meth:`models.GaussianEnsemble.sample`)."""

from __future__ import annotations

import copy
from typing import Literal, NamedTuple

import torch

from models import GaussianEnsemble

__all__ = ["EnsembleRollout", "Trace"]

#: Steps (from the first) whose rows are grouped by action prefix before simulating.
_SHARED_PREFIX_STEPS = 3

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
            self.w_in = weight.contiguous()  # n x I x h (rows: state, then one-hot action)
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
        self._split_first_layer()

    def _split_first_layer(self) -> None:
        """Derived weights: the first layer's state rows, its action rows plus bias, and
        the heads stacked for the mean over elites."""
        self.w_obs = self.w_in[:, : self.obs_size].contiguous()  # n x S x h
        self.w_act = self.w_in[:, self.obs_size :].contiguous()  # n x K x h
        self.b_act = (self.w_act + self.b_in).contiguous()  # n x K x h
        # The mean over elites of x_e W_e + b_e is one product of the elites' hidden
        # outputs side by side (R x n h) with their heads stacked (n h x O), over n.
        members, hidden, out = self.head_w.shape
        self.head_stacked = (self.head_w / members).reshape(members * hidden, out).contiguous()
        self.head_bias_mean = self.head_b.mean(dim=0)  # 1 x O

    def member(self, index: int) -> EnsembleRollout:
        """The same rollout through elite ``index`` alone (0 <= index < num_elites):
        planning with one member drawn at random is Thompson sampling over the
        bootstrapped ensemble, a way to explore where the members disagree."""
        if not 0 <= index < self.num_elites:
            raise ValueError(f"index must be in [0, {self.num_elites}), got {index}")
        single = copy.copy(self)
        pick = slice(index, index + 1)
        single.w_in, single.b_in = self.w_in[pick], self.b_in[pick]
        single.hidden = [(weight[pick], bias[pick]) for weight, bias in self.hidden]
        single.head_w, single.head_b = self.head_w[pick], self.head_b[pick]
        single.num_elites = 1
        single._split_first_layer()
        return single

    # ------------------------------------------------------------------ internals
    def _counted(self, actions: torch.Tensor) -> torch.Tensor:
        """actions P x H -> P x H bool: the step is before the first stop and its action
        has not occurred earlier in the sequence."""
        horizon = actions.shape[1]
        live = torch.cumprod((actions != self.stop_action).to(torch.int8), dim=1).bool()
        same = actions.unsqueeze(2) == actions.unsqueeze(1)  # [p, t, s]: a_t == a_s
        earlier = torch.ones(horizon, horizon, dtype=torch.bool).tril(-1)  # s < t
        return live & ~(same & earlier).any(dim=2)

    @staticmethod
    def _last_step(counted: torch.Tensor) -> int:
        """Steps after the last counted one change nothing: how many to simulate."""
        steps = torch.nonzero(counted.any(dim=0))
        return int(steps[-1]) + 1 if steps.numel() else 0

    def _hidden(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """states R x S (shared by the elites) or n x R x S, action ids R -> the last
        hidden layer of every elite, n x R x h. The first layer's one-hot product is a
        lookup of the action's row (with the bias folded in)."""
        if states.dim() == 2:
            states = states.expand(self.num_elites, -1, -1)
        first = torch.baddbmm(self.b_act.index_select(1, actions), states, self.w_obs)
        x = torch.nn.functional.silu(first)
        for weight, bias in self.hidden:
            x = torch.nn.functional.silu(torch.baddbmm(bias, x, weight))
        return x

    def _predict(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """-> n x R x O: every elite's predicted delta and reward, in target units."""
        return torch.baddbmm(self.head_b, self._hidden(states, actions), self.head_w)

    def _predict_mean(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """states R x S, action ids R -> R x O: the elites' mean prediction."""
        x = self._hidden(states, actions)
        side_by_side = x.transpose(0, 1).reshape(x.shape[1], self.head_stacked.shape[0])
        return torch.addmm(self.head_bias_mean, side_by_side, self.head_stacked)

    def _first_step(self, start: torch.Tensor) -> torch.Tensor:
        """start S -> n x K x O: every elite's prediction for every action from start."""
        every = torch.arange(self.num_actions)
        return self._predict(start.expand(self.num_actions, -1), every)

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
        members = self.num_elites
        if self.mode == "expectation":
            return self._expected_returns(start, actions, mask, steps)
        states = start.repeat(members, population, 1)  # n x P x S
        totals = torch.zeros(members, population)
        for t in range(steps):
            rows = mask[:, t].nonzero().squeeze(1)
            if t == 0:
                out = self._first_step(start)[:, actions[rows, 0]]
            else:
                out = self._predict(states[:, rows], actions[rows, t])  # n x R x O
            states.index_add_(1, rows, out[..., :size])
            totals.index_add_(1, rows, out[..., size])
        return totals.mean(dim=0)

    def _expected_returns(
        self, start: torch.Tensor, actions: torch.Tensor, mask: torch.Tensor, steps: int
    ) -> torch.Tensor:
        """returns() in expectation mode. Rows whose action prefixes are equal are in
        the same state, so each step simulates one row per distinct prefix (after two
        steps of a CEM population, often a third of the rows)."""
        population, size = actions.shape[0], self.obs_size
        state = start.repeat(population, 1)  # P x S
        total = torch.zeros(population)
        prefix = torch.zeros(population, dtype=torch.long)  # id of a_0..a_t in base K
        for t in range(steps):
            rows = mask[:, t].nonzero().squeeze(1)
            # Prefixes are shared mostly in the first steps (K choices, then K^2...);
            # later, looking for them costs more than it saves.
            distinct_ids = t < _SHARED_PREFIX_STEPS and self.num_actions ** (t + 1) < 2**62
            if distinct_ids:
                prefix = prefix * self.num_actions + actions[:, t]
            if t == 0:  # one shared state: predict each action once
                out = self._first_step(start).mean(dim=0).index_select(0, actions[rows, 0])
                state.index_copy_(0, rows, out[:, :size] + start)
                total.index_add_(0, rows, out[:, size])
                continue
            simulated, spread = rows, None
            if distinct_ids:
                ids, inverse = torch.unique(prefix.index_select(0, rows), return_inverse=True)
                if ids.numel() < rows.numel():  # one row per distinct prefix
                    simulated = torch.empty_like(ids).scatter_(0, inverse, rows)
                    spread = inverse
            out = self._predict_mean(state.index_select(0, simulated),
                                     actions[:, t].index_select(0, simulated))
            if spread is not None:
                out = out.index_select(0, spread)  # back to every row
            total.index_add_(0, rows, out[:, size])
            if t < steps - 1:  # the last step's next state is never read
                state.index_copy_(0, rows, state.index_select(0, rows) + out[:, :size])
        return total

    @torch.inference_mode()
    def trace(self, start: torch.Tensor, actions: torch.Tensor) -> Trace:
        """Step-by-step rewards and disagreement of one sequence (actions: H ids)."""
        start, batch = self._check(start, torch.as_tensor(actions).reshape(1, -1))
        horizon, members, size = batch.shape[1], self.num_elites, self.obs_size
        counted = self._counted(batch)[0]
        rewards = torch.zeros(horizon)
        disagreement = torch.zeros(horizon)
        states = start.repeat(members, 1, 1)  # n x 1 x S
        for t in range(horizon):
            if not bool(counted[t]):
                continue
            out = self._predict(states, batch[0, t : t + 1])  # n x 1 x O
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
        out = self._predict(start.expand(batch.shape[0], -1), batch[:, 0]) / self.target_std
        return out.var(dim=0, unbiased=False).mean(dim=-1)


def _parameter(module: torch.nn.Module, name: str) -> torch.Tensor:
    """A detached CPU copy of one of ``module``'s tensors (E x ... for ensemble layers)."""
    value = getattr(module, name)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{type(module).__name__}.{name} is not a tensor")
    return value.detach().cpu()
