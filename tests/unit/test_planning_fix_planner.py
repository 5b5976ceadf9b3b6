"""FixPlanner: the greedy plan, the three fallbacks, model plans, execution, checkpoints."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from models import GaussianEnsemble, ReplayBuffer
from models.learning import train_dynamics
from patterns import PatternMatcher
from planning import (
    COLD,
    DEADLINE,
    DISAGREEMENT,
    NOTHING_TO_FIX,
    ExecutedStep,
    FixPlanner,
    IncompatibleModel,
    PlanDecision,
    StateLayout,
    greedy_plan,
    observe_code,
)

EQ, CONST = "no-spaced-equals", "prefer-const"
RULES = (EQ, CONST)
RELIABILITY = {EQ: 1.0, CONST: 0.9}


File = tuple[dict[str, int], dict[str, float], dict[str, int]]


def _file(eq: int, const: int, lines: int = 10) -> File:
    """problems, features, fixable of a parseable file with eq / const fixable problems."""
    problems = {rule: n for rule, n in ((EQ, eq), (CONST, const)) if n}
    features = {"size_chars": 30.0 * lines, "lines": float(lines), "syntax_nodes": 20.0 * lines,
                "syntax_max_depth": 8.0}
    return problems, features, dict(problems)


def _toy_replay(layout: StateLayout, count: int, seed: int = 0) -> ReplayBuffer:
    """Transitions of a toy world: fixing EQ problems earns +1 each, CONST fixes are
    rejected (-1 each); a fixed rule's count drops to 0."""
    rng = np.random.default_rng(seed)
    replay = ReplayBuffer(count, (layout.size,), (), action_dtype=np.int64)
    for _ in range(count):
        eq, const = (int(n) for n in rng.integers(0, 4, size=2))
        lines = int(rng.integers(5, 40))
        action = int(rng.integers(1, 3))
        problems, features, fixable = _file(eq, const, lines)
        after = {EQ: 0 if action == 1 else eq, CONST: 0 if action == 2 else const}
        reward = float(eq) if action == 1 else -float(const)
        p2, f2, x2 = _file(after[EQ], after[CONST], lines)
        replay.add(layout.vector(problems, features, fixable), np.int64(action),
                   layout.vector(p2, f2, x2), reward, False)
    return replay


@pytest.fixture(scope="module")
def toy_model() -> GaussianEnsemble:
    layout = StateLayout(RULES)
    model, _ = train_dynamics(_toy_replay(layout, 600), num_actions=layout.num_actions,
                              epochs=60, patience=10, lr=3e-3, seed=0)
    return model


def _warm(model: GaussianEnsemble, **kwargs: object) -> FixPlanner:
    planner = FixPlanner(RULES, min_transitions=100, **kwargs)  # type: ignore[arg-type]
    planner.set_model(model, transitions=600, experience={EQ: 300, CONST: 300})
    return planner


# ---------------------------------------------------------------------- greedy plan
def test_greedy_plan_takes_every_fixable_rule_most_reliable_first() -> None:
    reliabilities = {"a": 0.5, "b": 0.9, "c": 0.9, "d": 1.0}
    features = {"fixable:a": 1.0, "fixable:b": 2.0, "fixable:c": 1.0}
    assert greedy_plan({}, features, reliabilities) == ["b", "c", "a"]
    assert greedy_plan({}, {}, reliabilities, fixable={"a": 1, "d": 0}) == ["a"]
    assert greedy_plan({}, features, reliabilities, min_reliability=0.6) == ["b", "c"]
    assert greedy_plan({}, features, reliabilities, selected=["a", "c"]) == ["c", "a"]


def test_greedy_plan_runs_every_selected_rule_on_a_file_that_does_not_parse() -> None:
    features = {"fixable:b": 1.0, "syntax_errors": 1.0}
    plan = greedy_plan({}, features, {"a": 0.5, "b": 0.9, "d": 1.0}, selected=["a", "b", "d"])
    assert plan == ["d", "b", "a"]


# ---------------------------------------------------------------------- fallbacks
def test_without_a_model_the_plan_is_greedy_and_cold() -> None:
    planner = FixPlanner(RULES)
    decision = planner.plan(*_file(1, 2)[:2], RELIABILITY, _file(1, 2)[2])
    assert (decision.source, decision.reason, decision.uncertainty) == ("greedy", COLD, None)
    assert decision.rules == [EQ, CONST] == decision.greedy


def test_a_model_trained_on_too_few_transitions_is_cold(toy_model: GaussianEnsemble) -> None:
    planner = FixPlanner(RULES, min_transitions=1000)
    planner.set_model(toy_model, transitions=999, experience={EQ: 50, CONST: 50})
    assert planner.is_cold
    problems, features, fixable = _file(1, 2)
    assert planner.plan(problems, features, RELIABILITY, fixable).reason == COLD
    planner.set_model(toy_model, transitions=1000, experience={EQ: 50, CONST: 50})
    assert planner.plan(problems, features, RELIABILITY, fixable).source == "model"


def test_a_rule_the_model_has_too_little_experience_of_makes_it_cold(
    toy_model: GaussianEnsemble,
) -> None:
    planner = FixPlanner(RULES, min_transitions=100, min_rule_transitions=10)
    planner.set_model(toy_model, transitions=600, experience={EQ: 300, CONST: 9})
    assert planner.plan(*_file(2, 3)[:2], RELIABILITY, _file(2, 3)[2]).reason == COLD
    assert planner.plan(*_file(2, 0)[:2], RELIABILITY, _file(2, 0)[2]).source == "model"


def test_rule_experience_counts_steps_that_had_something_to_fix() -> None:
    planner = FixPlanner(RULES)
    toy = _toy_replay(planner.layout, 200, seed=5)
    batch = toy.get_all()
    planner.replay.add_batch(batch.obs, batch.actions, batch.next_obs, batch.rewards, batch.dones)
    experience = planner.rule_experience()
    slots = {EQ: len(RULES) + 4, CONST: len(RULES) + 5}
    for action, rule in enumerate(RULES, start=1):
        expected = int(((batch.actions == action) & (batch.obs[:, slots[rule]] > 0)).sum())
        assert experience[rule] == expected > 0


def test_a_rule_the_model_does_not_know_makes_it_cold(toy_model: GaussianEnsemble) -> None:
    planner = _warm(toy_model)
    problems, features, fixable = _file(1, 0)
    decision = planner.plan(problems, features, {**RELIABILITY, "no-var": 0.95},
                            {**fixable, "no-var": 1})
    assert (decision.source, decision.reason) == ("greedy", COLD)
    assert decision.rules == [EQ, "no-var"]


def test_a_warm_model_plans_and_skips_the_rejected_rule(toy_model: GaussianEnsemble) -> None:
    for search in ("auto", "cem"):
        planner = _warm(toy_model, search=search)
        problems, features, fixable = _file(2, 3)
        decision = planner.plan(problems, features, RELIABILITY, fixable)
        assert decision.source == "model" and decision.reason is None, decision
        assert decision.rules == [EQ]
        assert decision.uncertainty is not None and 0.0 <= decision.uncertainty < 0.5
        assert decision.predicted_return == pytest.approx(2.0, abs=0.5)
        assert decision.greedy == [EQ, CONST]


def test_exploring_plans_with_single_members(toy_model: GaussianEnsemble) -> None:
    planner = _warm(toy_model)
    problems, features, fixable = _file(2, 3)
    decisions = [planner.plan(problems, features, RELIABILITY, fixable, explore=True)
                 for _ in range(5)]
    assert all(d.explored and d.source == "model" for d in decisions)
    assert all(set(d.rules) <= {EQ, CONST} for d in decisions)
    assert not planner.plan(problems, features, RELIABILITY, fixable).explored


def test_high_disagreement_gives_the_greedy_plan(toy_model: GaussianEnsemble) -> None:
    planner = _warm(toy_model, disagreement_threshold=0.0)
    problems, features, fixable = _file(2, 3)
    decision = planner.plan(problems, features, RELIABILITY, fixable)
    assert (decision.source, decision.reason) == ("greedy", DISAGREEMENT)
    assert decision.uncertainty is not None and decision.uncertainty > 0.0
    assert decision.rules == [EQ, CONST]


class _Clock:
    """A clock that advances ``step`` seconds every time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 100.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize("search", ["auto", "cem"])
def test_a_missed_deadline_gives_the_greedy_plan(toy_model: GaussianEnsemble, search: str) -> None:
    problems, features, fixable = _file(2, 3)
    late = _warm(toy_model, deadline_ms=20.0, clock=_Clock(0.025), search=search)
    decision = late.plan(problems, features, RELIABILITY, fixable)
    assert (decision.source, decision.reason) == ("greedy", DEADLINE)
    assert decision.rules == [EQ, CONST] and decision.elapsed_ms > 20.0
    frozen = _warm(toy_model, deadline_ms=20.0, clock=_Clock(0.0), search=search)
    decision = frozen.plan(problems, features, RELIABILITY, fixable)
    assert (decision.source, decision.elapsed_ms) == ("model", 0.0)


def test_nothing_to_fix_needs_no_model(toy_model: GaussianEnsemble) -> None:
    decision = _warm(toy_model).plan(*_file(0, 0)[:2], RELIABILITY, {})
    assert (decision.rules, decision.source, decision.reason) == ([], "greedy", NOTHING_TO_FIX)


def test_model_plans_hold_only_rules_with_fixable_problems(toy_model: GaussianEnsemble) -> None:
    planner = _warm(toy_model, search="cem")
    for eq, const in itertools.product(range(3), repeat=2):
        problems, features, fixable = _file(eq, const)
        decision = planner.plan(problems, features, {EQ: 1.0, CONST: 1.0}, fixable)
        allowed = {rule for rule, n in fixable.items() if n}
        assert set(decision.rules) <= allowed, (eq, const, decision)
        assert len(set(decision.rules)) == len(decision.rules)


def test_min_reliability_and_selection_restrict_the_plan(toy_model: GaussianEnsemble) -> None:
    planner = _warm(toy_model)
    problems, features, fixable = _file(2, 3)
    assert planner.plan(problems, features, RELIABILITY, fixable, selected=[CONST]).rules in (
        [], [CONST])
    decision = planner.plan(problems, features, {EQ: 0.2, CONST: 0.9}, fixable,
                            min_reliability=0.5)
    assert EQ not in decision.rules and EQ not in decision.greedy


def test_decision_to_dict_matches_the_stream_plan_record() -> None:
    decision = PlanDecision([EQ], "model", 0.01, None, 1.5)
    assert decision.to_dict() == {"source": "model", "rules": [EQ], "uncertainty": 0.01,
                                  "reason": None}


# ---------------------------------------------------------------------- execution
SNIPPET = "let a = 1;\nif (a = = 2) {}\n"


def test_execution_through_the_pattern_engine_records_one_transition_per_step() -> None:
    matcher = PatternMatcher(rules=list(RULES))
    planner = FixPlanner(RULES)
    observation = observe_code(matcher, SNIPPET, "javascript")
    assert observation.fixable == {EQ: 1} and observation.syntax_errors > 0
    decision = planner.plan(observation.problems, observation.features, matcher.reliabilities,
                            observation.fixable)
    assert decision.rules == [EQ, CONST]  # the typo hides prefer-const until it is fixed
    result = planner.execute(matcher, SNIPPET, "javascript", decision)
    assert result.code == "const a = 1;\nif (a == 2) {}\n"
    assert [s.rule for s in result.steps] == [EQ, CONST]
    # the repaired parse revealed prefer-const: the rest of the plan was decided again
    assert result.decisions[0] is decision and len(result.decisions) == 2
    assert result.decisions[1].rules == [CONST] and result.decisions[1].reason == COLD
    assert all(s.verified for s in result.steps) and result.failed == 0
    assert [len(s.applied) for s in result.steps] == [1, 1] and len(result.applied) == 2
    assert result.remaining == []
    assert len(planner.replay) == result.recorded == 2
    stored = planner.replay.get_all()
    np.testing.assert_array_equal(stored.actions, [1, 2])
    np.testing.assert_array_equal(stored.obs[1], stored.next_obs[0])
    np.testing.assert_array_equal(stored.rewards, [1.0, pytest.approx(0.8)])
    np.testing.assert_array_equal(stored.dones, [False, True])
    first = result.steps[0]
    assert first.state.shape == (planner.layout.size,)
    assert first.reward == pytest.approx(1.0) and result.steps[1].reward == pytest.approx(0.8)


def test_follow_up_fixes_are_planned_when_a_step_reveals_them() -> None:
    rules = ["no-var", CONST]
    matcher = PatternMatcher(rules=rules)
    planner = FixPlanner(rules)
    code = "var a = 1;\nfoo(a);\n"
    result = planner.execute(matcher, code, "javascript", ["no-var"])
    assert result.code == "const a = 1;\nfoo(a);\n"
    assert [s.rule for s in result.steps] == ["no-var", CONST]
    assert [d.rules for d in result.decisions] == [[CONST]]
    once = planner.execute(matcher, code, "javascript", ["no-var"], replan=False, record=False)
    assert once.code == "let a = 1;\nfoo(a);\n" and once.decisions == []


def test_a_step_with_nothing_to_fix_changes_nothing() -> None:
    matcher = PatternMatcher(rules=list(RULES))
    planner = FixPlanner(RULES)
    result = planner.execute(matcher, "const a = 1;\nfoo(a);\n", "javascript", [CONST, EQ, EQ])
    assert [s.rule for s in result.steps] == [CONST, EQ]  # each rule once
    assert all(s.reward == 0.0 and not s.applied for s in result.steps)
    np.testing.assert_array_equal(result.steps[0].state, result.steps[0].next_state)


def test_execution_can_record_the_users_verdicts_later() -> None:
    matcher = PatternMatcher(rules=list(RULES))
    planner = FixPlanner(RULES, risk_weight=2.0)
    code = "let a = 1;\nlet b = 2;\nfoo(a, b);\n"
    result = planner.execute(matcher, code, "javascript", [CONST], record=False)
    assert len(planner.replay) == 0 and len(result.steps[0].applied) == 2
    kept = json.loads(json.dumps(result.steps[0].to_dict()))  # e.g. in a Faust table
    step = ExecutedStep.from_dict(kept)
    np.testing.assert_array_equal(step.state, result.steps[0].state)
    assert step.applied == result.steps[0].applied and step.rule == CONST
    reward = planner.record(step, accepted=1, rejected=1)
    assert reward == pytest.approx(1 - 2.0)
    assert planner.replay.get_all().rewards.tolist() == [pytest.approx(-1.0)]


def test_rule_options_reach_the_pattern_engine() -> None:
    matcher = PatternMatcher(rules=list(RULES))
    planner = FixPlanner(RULES)
    code = "let a = 1;\nfoo(a);\n"
    default = planner.execute(matcher, code, "javascript", [CONST], record=False)
    switched_off = planner.execute(matcher, code, "javascript", [CONST],
                                   rules={CONST: "off", EQ: None}, record=False)
    assert default.code == "const a = 1;\nfoo(a);\n" and switched_off.code == code


# ---------------------------------------------------------------------- model lifecycle
def test_fit_trains_on_the_replay_and_warms_the_planner() -> None:
    planner = FixPlanner(RULES, min_transitions=50)
    toy = _toy_replay(planner.layout, 120, seed=3)
    batch = toy.get_all()
    planner.replay.add_batch(batch.obs, batch.actions, batch.next_obs, batch.rewards, batch.dones)
    assert planner.is_cold
    log = planner.fit(epochs=5, patience=5)
    assert log.epochs_run >= 1 and not planner.is_cold and planner.trained_on == 120
    assert planner.model is not None and planner.model.hidden_size == 32


def test_checkpoints_round_trip_and_refuse_another_layout(
    toy_model: GaussianEnsemble, tmp_path: Path
) -> None:
    planner = _warm(toy_model)
    saved = planner.save_model(tmp_path, note="test")
    other = FixPlanner(RULES, min_transitions=100)
    document = other.load_model(tmp_path)
    assert document["version"] == 1 and document["meta"]["note"] == "test"
    assert other.trained_on == 600 and not other.is_cold
    assert other.experience == {EQ: 300, CONST: 300}
    problems, features, fixable = _file(2, 3)
    assert other.plan(problems, features, RELIABILITY, fixable).rules == [EQ]
    with pytest.raises(IncompatibleModel):
        FixPlanner((EQ, CONST, "no-var")).load_model(saved)
    with pytest.raises(IncompatibleModel):
        FixPlanner((EQ,)).set_model(toy_model)
    with pytest.raises(IncompatibleModel):
        FixPlanner(RULES, replay=ReplayBuffer(10, (3,), ()))


def test_an_embedding_is_context_that_fixes_leave_alone() -> None:
    matcher = PatternMatcher(rules=list(RULES))
    planner = FixPlanner(RULES, embedding_dims=4)
    assert planner.layout.size == StateLayout(RULES).size + 5
    embedding = np.linspace(-1.0, 1.0, 16)
    result = planner.execute(matcher, SNIPPET, "javascript", [EQ, CONST], embedding=embedding)
    context = planner.layout.context(embedding)
    assert context[-1] == 1.0 and np.any(context[:-1] != 0.0)
    for step in result.steps:
        np.testing.assert_array_equal(step.state[-5:], context)
        np.testing.assert_array_equal(step.next_state[-5:], context)
    assert not planner.layout.context(None).any()
