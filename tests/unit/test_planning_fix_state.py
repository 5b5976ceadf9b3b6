"""observe_code and StateLayout: the planner's view of a file."""

from __future__ import annotations

import numpy as np
import pytest

from models import structural_features
from patterns import PatternMatcher
from planning import STOP, StateLayout, observe_code, syntax_statistics

RULES = ("no-spaced-equals", "prefer-const")


def test_observe_code_counts_problems_and_uses_the_streams_feature_names() -> None:
    matcher = PatternMatcher(rules=list(RULES))
    observation = observe_code(matcher, "let a = 1;\nlet b = 2;\nb = 3;\nfoo(a, b);\n", "js")
    assert observation.problems == {"prefer-const": 1} == observation.fixable
    features = observation.features
    assert features["size_chars"] == 40.0 and features["lines"] == 5.0
    assert features["fixable:prefer-const"] == 1.0 and features["problems"] == 1.0
    assert features["syntax_errors"] == 0.0 and features["syntax_nodes"] > 10
    assert observation.unfixable("prefer-const") == 0 and observation.syntax_errors == 0
    broken = observe_code(matcher, "let a = 1;\nlet b = 2;\nif (a = = 2) {}\nfoo(b);\n", "js")
    assert broken.syntax_errors > 0 and broken.unfixable("prefer-const") == 1


def test_syntax_statistics_describe_the_tree() -> None:
    stats = syntax_statistics("const f = (a) => [a, () => 1];\n", "javascript")
    assert stats["syntax_functions"] == 2.0 and stats["syntax_errors"] == 0.0
    assert stats["syntax_max_depth"] >= 3
    assert syntax_statistics("if (a = = 1) {}\n", "javascript")["syntax_errors"] >= 1


def test_the_state_vector_extends_structural_features() -> None:
    layout = StateLayout(RULES)
    assert layout.action_names == (STOP, *RULES) and layout.num_actions == 3
    assert layout.action_id(STOP) == 0 and layout.action_id("prefer-const") == 2
    with pytest.raises(KeyError):
        layout.action_id("no-var")
    problems = {"prefer-const": 3, "no-var": 1}
    features = {"size_chars": 120.0, "lines": 9.0, "syntax_errors": 0.0, "syntax_nodes": 40.0}
    state = layout.vector(problems, features, {"prefer-const": 2})
    assert state.shape == (layout.size,) == (2 + 4 + 2 + 5,) and state.dtype == np.float32
    base = structural_features(problems, RULES, 120, 9, {})
    np.testing.assert_allclose(state[:6], base[:6])
    assert state[6] == 0.0 and state[7] == pytest.approx(np.log1p(2))
    # fixable counts also come from the stream's "fixable:<rule>" features
    from_features = layout.vector(problems, {**features, "fixable:prefer-const": 2.0,
                                             "fixable": 2.0})
    np.testing.assert_allclose(from_features, state)


def test_layouts_round_trip_and_refuse_bad_rule_lists() -> None:
    layout = StateLayout(RULES, embedding_dims=3, embedding_seed=7)
    assert StateLayout.from_dict(layout.to_dict()) == layout
    with pytest.raises(ValueError):
        StateLayout(("a", "a"))
    with pytest.raises(ValueError):
        StateLayout((STOP,))


def test_embedding_context_is_a_fixed_projection() -> None:
    layout = StateLayout(RULES, embedding_dims=3)
    embedding = np.arange(8.0)
    np.testing.assert_array_equal(layout.context(embedding), layout.context(list(embedding)))
    assert layout.context(embedding).shape == (4,) and layout.context(None).tolist() == [0] * 4
    with pytest.raises(ValueError):
        layout.context([float("nan")])


def test_recorded_transitions_move_to_a_new_rule_list() -> None:
    from models import ReplayBuffer
    from planning import convert_states, migrate_replay

    old = StateLayout(RULES)
    new = StateLayout(("no-var", "prefer-const"))
    features = {"size_chars": 50.0, "lines": 4.0, "syntax_nodes": 30.0}
    before = old.vector({"no-spaced-equals": 1, "prefer-const": 2}, features,
                        {"no-spaced-equals": 1, "prefer-const": 2})
    converted = convert_states(before[None], old, new)[0]
    expected = new.vector({"prefer-const": 2}, features, {"prefer-const": 2})
    expected[2] = before[2]  # "other" keeps what the old layout counted there
    expected[3] = before[3]  # and so do the totals of problems and fixable problems
    expected[8] = before[8]
    np.testing.assert_allclose(converted, expected)
    replay = ReplayBuffer(10, (old.size,), (), action_dtype=np.int64)
    replay.add(before, np.int64(1), before, 1.0, False)  # no-spaced-equals: dropped
    replay.add(before, np.int64(2), before, 0.5, True)  # prefer-const: action 2 -> 2
    moved = migrate_replay(replay, old, new)
    assert len(moved) == 1 and moved.obs_shape == (new.size,)
    assert moved.get_all().actions.tolist() == [2] and moved.get_all().rewards.tolist() == [0.5]
