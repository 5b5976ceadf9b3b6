"""The fix planner: which rules' fixes to apply to a file, and in which order.

State: the file's structural features (and its embedding when one is ready in time),
laid out by :class:`~planning.fix_state.StateLayout`. Action: apply one rule's fixes,
or stop. Reward: expected accepted fixes minus the risk of rejected ones and failed
verifications (see :mod:`planning.fix_execution`). The planner searches action
sequences through a learned ensemble (categorical CEM; every plan at once when there
are few), and falls back to the greedy plan (every fixable rule, most reliable first)
when the model is cold, when the ensemble disagrees about the chosen plan, or when
planning misses its deadline. Every decision says which plan was used and why.

Planning runs on the CPU whatever device the model was trained on: the model is
small (32 x 2 by default) and one plan scores a few thousand steps, in milliseconds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from models import (
    GaussianEnsemble,
    ReplayBuffer,
    TrainingLog,
    load_checkpoint,
    save_checkpoint,
)
from models.learning import train_dynamics
from patterns import RuleSelection
from planning._plan_search import search_plan
from planning._rollout import EnsembleRollout, RolloutMode
from planning.exceptions import IncompatibleModel
from planning.fix_decision import (
    COLD,
    DEADLINE,
    DISAGREEMENT,
    NOTHING_TO_FIX,
    PlanDecision,
    fixable_counts,
    greedy_plan,
)
from planning.fix_execution import ExecutedStep, ExecutionResult, realized_reward, run_step
from planning.fix_state import PLANNER_SYNTAX_KEYS, Matcher, StateLayout, observe_code

__all__ = ["FixPlanner"]


class _DeadlineMissed(Exception):
    pass


class FixPlanner:
    """Plans fixes with a learned ensemble; executes them through the pattern engine.

    Args:
        rule_names: the rules it can plan for (its action space: stop + these).
        horizon: plan length H (steps of CEM sequences).
        population, iterations, elite_ratio, alpha, min_prob: categorical CEM settings.
        rollout: how sequences go through the ensemble (``"expectation"``: the elites'
            mean from one shared state; ``"members"``: one trajectory per elite).
        search: ``"cem"`` always runs categorical CEM; ``"auto"`` scores every possible
            plan in one batch instead when there are at most ``population`` of them
            (a plan applies each rule at most once, so 2 fixable rules give 5 plans,
            4 give 65): exact, and one batch instead of ``iterations``.
        disagreement_threshold: the chosen plan's ensemble disagreement (variance
            across elites of standardised predictions) above which the greedy plan
            is used.
        deadline_ms: planning time above which the greedy plan is used.
        min_transitions: a model trained on fewer transitions is cold.
        min_rule_transitions: the model is also cold for a file with fixable problems of
            a rule it saw fixing something in fewer transitions than this: an action
            it never tried is a guess, and a confident one (its members agree on
            weights they never trained).
        risk_weight: cost of an expected rejected fix, relative to an accepted one.
        failure_penalty: cost of a fix that fails verification.
        seed: seeds the CEM sampling.
        ensemble: a trained model for this layout (see :meth:`set_model`).
        replay: where executed steps are recorded (default: a new ring buffer of
            ``replay_capacity`` transitions).
        syntax_keys, embedding_dims: the state layout (see :class:`StateLayout`).
        clock: seconds, monotonic (injectable so tests of the deadline are exact).
    """

    def __init__(
        self,
        rule_names: Sequence[str],
        *,
        horizon: int = 8,
        population: int = 256,
        iterations: int = 5,
        elite_ratio: float = 0.1,
        alpha: float = 0.1,
        min_prob: float = 0.01,
        rollout: RolloutMode = "expectation",
        search: Literal["auto", "cem"] = "auto",
        disagreement_threshold: float = 0.5,
        deadline_ms: float = 20.0,
        min_transitions: int = 200,
        min_rule_transitions: int = 3,
        risk_weight: float = 1.0,
        failure_penalty: float = 1.0,
        seed: int = 0,
        ensemble: GaussianEnsemble | None = None,
        replay: ReplayBuffer | None = None,
        replay_capacity: int = 100_000,
        syntax_keys: Sequence[str] = PLANNER_SYNTAX_KEYS,
        embedding_dims: int = 0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if horizon < 1 or population < 2 or iterations < 1:
            raise ValueError("horizon, iterations must be >= 1 and population >= 2")
        if deadline_ms <= 0 or disagreement_threshold < 0:
            raise ValueError("deadline_ms must be > 0 and disagreement_threshold >= 0")
        if min_transitions < 0 or min_rule_transitions < 0:
            raise ValueError("min_transitions and min_rule_transitions must be >= 0")
        self.layout = StateLayout(tuple(rule_names), tuple(syntax_keys), embedding_dims)
        self.horizon = horizon
        self.population = population
        self.iterations = iterations
        self.elite_ratio = elite_ratio
        self.alpha = alpha
        self.min_prob = min_prob
        self.rollout_mode: RolloutMode = rollout
        if search not in ("auto", "cem"):
            raise ValueError(f"search must be 'auto' or 'cem', got {search!r}")
        self.search = search
        self.disagreement_threshold = disagreement_threshold
        self.deadline_ms = deadline_ms
        self.min_transitions = min_transitions
        self.min_rule_transitions = min_rule_transitions
        self.risk_weight = risk_weight
        self.failure_penalty = failure_penalty
        self.clock = clock
        self.generator = torch.Generator().manual_seed(seed)
        self.seed = seed
        size = self.layout.size
        if replay is None:
            replay = ReplayBuffer(replay_capacity, (size,), (), action_dtype=np.int64)
        elif replay.obs_shape != (size,) or replay.action_shape != ():
            raise IncompatibleModel(
                f"the replay buffer holds states {replay.obs_shape} and actions "
                f"{replay.action_shape}; this planner needs ({size},) and ()"
            )
        self.replay = replay
        self.model: GaussianEnsemble | None = None
        self.trained_on = 0
        self.experience: dict[str, int] = {}
        self._rollout: EnsembleRollout | None = None
        if ensemble is not None:
            self.set_model(ensemble)

    # ------------------------------------------------------------------ the model
    @property
    def rule_names(self) -> tuple[str, ...]:
        return self.layout.rule_names

    @property
    def is_cold(self) -> bool:
        """No model, or one trained on fewer than ``min_transitions`` transitions (a
        warm model is still cold for rules it has too little experience of)."""
        return self._rollout is None or self.trained_on < self.min_transitions

    def set_model(
        self,
        ensemble: GaussianEnsemble,
        transitions: int | None = None,
        experience: Mapping[str, int] | None = None,
    ) -> None:
        """Plan with ``ensemble``, trained on ``transitions`` transitions of which
        ``experience[rule]`` applied ``rule`` to a file where it had something to fix
        (defaults: what the replay buffer holds now, see :meth:`rule_experience`).

        Raises:
            IncompatibleModel: the ensemble's sizes do not fit this planner's layout.
        """
        size, actions = self.layout.size, self.layout.num_actions
        if (ensemble.in_size, ensemble.out_size) != (size + actions, size + 1):
            raise IncompatibleModel(
                f"the ensemble maps {ensemble.in_size} -> {ensemble.out_size}; this planner "
                f"needs {size + actions} -> {size + 1} ({len(self.rule_names)} rules)"
            )
        if not ensemble.is_trained:
            raise IncompatibleModel("the ensemble has not been trained")
        self._rollout = EnsembleRollout(ensemble, size, self.rollout_mode)  # CPU copy
        self.model = ensemble
        self.trained_on = len(self.replay) if transitions is None else int(transitions)
        self.experience = dict(self.rule_experience() if experience is None else experience)

    def rule_experience(self) -> dict[str, int]:
        """Per rule: transitions in the replay buffer that applied it to a file where it
        had fixable problems."""
        if not len(self.replay):
            return {}
        batch = self.replay.get_all()
        rules = len(self.rule_names)
        actions = batch.actions.astype(np.int64)
        applied = actions > 0
        first_fixable = rules + 4  # the per-rule fixable slots (see StateLayout)
        slot = first_fixable + np.where(applied, actions - 1, 0)
        useful = applied & (batch.obs[np.arange(len(actions)), slot] > 0)
        counts = np.bincount(actions[useful], minlength=self.layout.num_actions)
        return {rule: int(counts[i + 1]) for i, rule in enumerate(self.rule_names)
                if counts[i + 1]}

    def checkpoint_meta(self) -> dict[str, Any]:
        """What :meth:`save_model` stores beside the weights."""
        return {"planner_layout": self.layout.to_dict(), "transitions": self.trained_on,
                "experience": dict(self.experience)}

    def save_model(self, root: str | os.PathLike[str], **meta: Any) -> Path:
        """Write the model as the next checkpoint version under ``root``."""
        if self.model is None:
            raise IncompatibleModel("there is no model to save")
        return save_checkpoint(root, self.model, {**meta, **self.checkpoint_meta()})

    def load_model(self, checkpoint: str | os.PathLike[str]) -> dict[str, Any]:
        """Plan with the model in a checkpoint directory (or the latest under a root).

        Returns the checkpoint's ``meta.json`` document.

        Raises:
            models.CheckpointError: no readable checkpoint there.
            IncompatibleModel: it was trained for another layout (other rules).
        """
        model, document = load_checkpoint(checkpoint)
        meta = document.get("meta", {})
        layout = meta.get("planner_layout")
        if layout != self.layout.to_dict():
            raise IncompatibleModel(
                f"checkpoint {document.get('version')} was trained for layout {layout}, "
                f"not {self.layout.to_dict()}"
            )
        experience = {str(rule): int(n) for rule, n in meta.get("experience", {}).items()}
        self.set_model(model, int(meta.get("transitions", 0)), experience)
        return document

    def fit(
        self,
        *,
        warm_start: bool = True,
        max_rows: int | None = None,
        epochs: int = 100,
        patience: int = 10,
        batch_size: int = 64,
        lr: float = 3e-3,
        hidden_size: int = 32,
        num_layers: int = 2,
        ensemble_size: int = 5,
        seed: int | None = None,
    ) -> TrainingLog:
        """Train the model on the replay buffer (see :func:`models.learning.train_dynamics`)
        and plan with it; returns the training log."""
        model, log = train_dynamics(
            self.replay,
            self.model if warm_start else None,
            num_actions=self.layout.num_actions,
            learned_reward=True,
            hidden_size=hidden_size,
            num_layers=num_layers,
            ensemble_size=ensemble_size,
            max_rows=max_rows,
            epochs=epochs,
            patience=patience,
            batch_size=batch_size,
            lr=lr,
            seed=self.seed + len(self.replay) if seed is None else seed,
        )
        self.set_model(model)
        return log

    # ------------------------------------------------------------------ planning
    def plan(
        self,
        problems: Mapping[str, int],
        features: Mapping[str, float],
        reliabilities: Mapping[str, float],
        fixable: Mapping[str, int] | None = None,
        embedding: Sequence[float] | np.ndarray | None = None,
        *,
        selected: Sequence[str] | None = None,
        min_reliability: float = 0.0,
        explore: bool = False,
    ) -> PlanDecision:
        """Decide which rules to apply to one file.

        Args:
            problems: problems per rule; features: the stream's features
                (``size_chars``, ``lines``, ``syntax_*``, ``fixable:<rule>``);
            reliabilities: each rule's current reliability (orders the greedy plan);
            fixable: fixable problems per rule (default: the ``fixable:<rule>`` features);
            embedding: the file's embedding when it was ready in time;
            selected: the rules the change asked for (default: all of the planner's);
            min_reliability: rules below it are never planned;
            explore: search with one elite member drawn at random instead of the
                ensemble's mean (Thompson sampling): where the members disagree, some
                draws try what the mean would not, so the model learns from it. The
                disagreement check still uses every member.

        Returns:
            a :class:`PlanDecision`. A model plan only holds rules that have fixable
            problems now, each at most once; problems that appear later (a repaired
            parse, a follow-up fix) are planned when :meth:`execute` replans. The
            greedy plan also runs every selected rule on a file that does not parse
            (see :func:`greedy_plan`); with nothing fixable at all the plan is empty
            (reason :data:`NOTHING_TO_FIX`).
        """
        started = self.clock()
        counts = fixable_counts(features) if fixable is None else dict(fixable)
        if selected is None:
            selected = sorted(set(self.rule_names) | {r for r, n in counts.items() if n > 0})
        greedy = greedy_plan(problems, features, reliabilities, counts, selected, min_reliability)
        movable = [rule for rule in greedy if counts.get(rule, 0) > 0]  # fixable now

        def fallback(reason: str, uncertainty: float | None = None,
                     state: np.ndarray | None = None) -> PlanDecision:
            rules = list(greedy) if movable else []
            return PlanDecision(rules, "greedy", uncertainty, reason,
                                (self.clock() - started) * 1000.0, None, list(greedy), state)

        if not movable:
            return fallback(NOTHING_TO_FIX)
        rollout = self._rollout
        if (
            rollout is None
            or self.is_cold
            or any(self.experience.get(rule, 0) < self.min_rule_transitions for rule in movable)
        ):
            return fallback(COLD)
        state = self.layout.vector(problems, features, counts, embedding)
        local = [0] + [self.layout.action_id(rule) for rule in movable]  # local id -> action id
        to_action = torch.tensor(local, dtype=torch.long)
        start = torch.from_numpy(state)

        searcher = rollout
        if explore:
            pick = int(torch.randint(rollout.num_elites, (1,), generator=self.generator))
            searcher = rollout.member(pick)

        def objective(population: torch.Tensor) -> torch.Tensor:
            return searcher.returns(start, to_action[population])

        def check_deadline(*_: Any) -> None:
            if (self.clock() - started) * 1000.0 > self.deadline_ms:
                raise _DeadlineMissed

        try:
            with torch.inference_mode():
                best = search_plan(
                    objective, len(local), self.horizon,
                    exhaustive_up_to=self.population if self.search == "auto" else 0,
                    population=self.population, iterations=self.iterations,
                    elite_ratio=self.elite_ratio, alpha=self.alpha, min_prob=self.min_prob,
                    generator=self.generator, check=check_deadline,
                )
                actions = to_action[best]
                trace = rollout.trace(start, actions)
                rules, uncertainty = self._read_plan(actions, trace)
                if not rules:
                    declined = to_action[1:]
                    uncertainty = float(rollout.first_step_disagreement(start, declined).mean())
        except _DeadlineMissed:
            return fallback(DEADLINE, state=state)
        elapsed = (self.clock() - started) * 1000.0
        if elapsed > self.deadline_ms:
            return fallback(DEADLINE, uncertainty, state)
        if not np.isfinite(uncertainty) or uncertainty > self.disagreement_threshold:
            return fallback(DISAGREEMENT, uncertainty, state)
        predicted = float((trace.rewards * trace.counted).sum())
        return PlanDecision(rules, "model", uncertainty, None, elapsed, predicted, list(greedy),
                            state, explored=explore)

    def _read_plan(self, actions: torch.Tensor, trace: Any) -> tuple[list[str], float]:
        """Rule names of the counted steps, and their mean disagreement."""
        counted = trace.counted
        names = self.layout.action_names
        rules = [names[int(a)] for a, keep in zip(actions, counted, strict=True) if bool(keep)]
        if not rules:
            return [], 0.0
        return rules, float(trace.disagreement[counted].mean())

    # ------------------------------------------------------------------ execution
    def execute(
        self,
        matcher: Matcher,
        code: str,
        language: str,
        decision: PlanDecision | Sequence[str],
        *,
        rules: RuleSelection = None,
        min_reliability: float = 0.0,
        reliabilities: Mapping[str, float] | None = None,
        embedding: Sequence[float] | np.ndarray | None = None,
        record: bool = True,
        replan: bool = True,
        explore: bool = False,
    ) -> ExecutionResult:
        """Apply the plan's rules one by one with verification; record each step.

        Args:
            matcher: the pattern engine (:class:`patterns.PatternMatcher`).
            code, language: the file.
            decision: a :class:`PlanDecision` or a plain list of rule names; each
                rule runs at most once (until a replan).
            rules: the change's rule selection (names, or name -> options): the state
                counts problems of these rules, each step applies its rule with the
                options given here, and replans choose among them. None: the
                matcher's rules.
            min_reliability: fixes below it are never applied (nor planned).
            reliabilities: acceptance probabilities for the expected rewards and for
                replanning (default: the matcher's reliabilities).
            embedding: the file's embedding, as given to :meth:`plan`.
            record: write each step to the replay buffer as a transition with its
                expected reward. Pass False to record later with the users' verdicts
                (:meth:`record` with ``accepted`` and ``rejected``).
            replan: when a step makes rules fixable that were not (a repaired parse
                reveals problems; ``no-var`` leaves ``prefer-const`` work), decide the
                rest of the plan again with :meth:`plan` on the new file.
            explore: replans explore (see :meth:`plan`).

        Returns:
            an :class:`ExecutionResult` (``decisions``: the given plan, then one per
            replan). Rules outside the planner's layout are skipped; at most
            ``2 * horizon`` steps run.
        """
        started = time.perf_counter()
        first = decision if isinstance(decision, PlanDecision) else None
        queue = _distinct(decision.rules if isinstance(decision, PlanDecision) else decision)
        queue = [rule for rule in queue if rule in self.rule_names]
        probabilities = dict(matcher.reliabilities if reliabilities is None else reliabilities)
        context = self.layout.context(embedding)
        selected = _selected_names(rules)
        observation = observe_code(matcher, code, language, rules)
        result = ExecutionResult(code=code, remaining=observation.problem_list)
        if first is not None:
            result.decisions.append(first)
        while queue and len(result.steps) < 2 * self.horizon:
            rule = queue.pop(0)
            fixable_before = {r for r, n in observation.fixable.items() if n > 0}
            code, observation, step = run_step(
                matcher, code, language, rule, observation, self.layout,
                rules=rules,
                min_reliability=min_reliability,
                reliability=float(probabilities.get(rule, 0.0)),
                context=context,
                risk_weight=self.risk_weight,
                failure_penalty=self.failure_penalty,
            )
            result.steps.append(step)
            result.applied.extend(step.applied)
            result.failed += step.failed
            revealed = {r for r, n in observation.fixable.items() if n > 0} - fixable_before
            if replan and step.applied and revealed:
                again = self.plan(
                    observation.problems, observation.features, probabilities,
                    observation.fixable, embedding,
                    selected=selected, min_reliability=min_reliability, explore=explore,
                )
                result.decisions.append(again)
                queue = [r for r in _distinct(again.rules) if r in self.rule_names]
        if result.steps:
            result.steps[-1] = replace(result.steps[-1], done=True)
        if record:
            for step in result.steps:
                self.record(step)
            result.recorded = len(result.steps)
        result.code = code
        result.remaining = observation.problem_list
        result.elapsed_ms = (time.perf_counter() - started) * 1000.0
        return result

    def record(
        self,
        step: ExecutedStep,
        *,
        accepted: int | None = None,
        rejected: int | None = None,
    ) -> float:
        """Write ``step`` to the replay buffer as one transition; returns its reward.

        With ``accepted`` and ``rejected`` (the users' verdicts on the step's fixes)
        the reward is the realised one; otherwise the step's expected reward.
        """
        if accepted is None and rejected is None:
            reward = step.reward
        else:
            reward = realized_reward(accepted or 0, rejected or 0, step.failed,
                                     self.risk_weight, self.failure_penalty)
        self.replay.add(step.state, np.int64(step.action), step.next_state, reward, step.done)
        return reward


def _distinct(rules: Sequence[str]) -> list[str]:
    """rules without repeats, in first-seen order."""
    return list(dict.fromkeys(rules))


def _selected_names(rules: RuleSelection) -> list[str] | None:
    """The rule names a selection switches on (None: the matcher's rules)."""
    if rules is None:
        return None
    if isinstance(rules, str):
        return [rules]
    if isinstance(rules, Mapping):
        return [name for name, value in rules.items() if not _switched_off(value)]
    return list(rules)


def _switched_off(value: Any) -> bool:
    """ESLint severities: "off" or 0, alone or first in a list."""
    head = value[0] if isinstance(value, (list, tuple)) and value else value
    return isinstance(head, (str, int)) and not isinstance(head, bool) and head in ("off", 0)
