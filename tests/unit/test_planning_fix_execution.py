"""Step verification and rewards of executed fixes."""

from __future__ import annotations

import pytest

from planning import FixObservation, expected_reward, realized_reward, verify_step


def _observation(problems: dict[str, int], fixable: dict[str, int], errors: int) -> FixObservation:
    return FixObservation(problems, fixable, {"syntax_errors": float(errors)})


def test_a_step_that_adds_syntax_errors_fails() -> None:
    before = _observation({}, {}, 0)
    after = _observation({}, {}, 2)
    assert verify_step("r", before, after) == "syntax errors rose from 0 to 2"


def test_new_unfixable_problems_of_other_rules_fail_but_follow_up_fixes_do_not() -> None:
    before = _observation({"r": 2, "q": 1}, {"r": 2, "q": 1}, 0)
    follow_up = _observation({"q": 3}, {"q": 3}, 0)  # e.g. no-var -> prefer-const
    assert verify_step("r", before, follow_up) is None
    worse = _observation({"q": 2, "z": 1}, {"q": 1}, 0)
    assert verify_step("r", before, worse) == "1 new unfixable problem(s) of q"
    own = _observation({"r": 1}, {}, 0)  # the rule's own leftovers are not new problems
    assert verify_step("r", before, own) is None


def test_a_step_that_repairs_the_parse_may_reveal_problems() -> None:
    before = _observation({"r": 1}, {"r": 1}, 1)
    after = _observation({"q": 2}, {}, 0)
    assert verify_step("r", before, after) is None


def test_rewards() -> None:
    assert expected_reward(3, 0.9, 0, 1.0, 1.0) == pytest.approx(3 * 0.9 - 3 * 0.1)
    assert expected_reward(2, 0.5, 1, 2.0, 4.0) == pytest.approx(1.0 - 2.0 - 4.0)
    assert realized_reward(2, 1, 1, 2.0, 0.5) == pytest.approx(2 - 2 - 0.5)
