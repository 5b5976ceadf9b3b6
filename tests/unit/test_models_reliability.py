"""ReliabilityBook: Beta posteriors per rule, updates, decay, plain-data round trip."""

from __future__ import annotations

import json

import pytest

from models import BetaPosterior, ReliabilityBook


def test_the_prior_is_the_mean_before_any_feedback() -> None:
    book = ReliabilityBook({"a": 0.9, "b": 1.0}, prior_strength=10)
    assert book.mean("a") == pytest.approx(0.9)
    assert book.mean("b") == 1.0
    assert book.mean("unknown") == 0.5  # default prior, not stored
    assert book.rules == ["a", "b"] and "unknown" not in book


def test_updates_follow_the_beta_posterior() -> None:
    book = ReliabilityBook({"a": 0.9}, prior_strength=10)
    assert book.update("a", False) == pytest.approx(9 / 11)
    book.update("a", True)
    book.update("a", False, weight=2.0)
    posterior = book.posterior("a")
    assert (posterior.alpha, posterior.beta) == (pytest.approx(10.0), pytest.approx(4.0))
    assert book.mean("a") == pytest.approx(10 / 14)
    assert book.counts("a") == (1.0, 3.0)
    assert posterior.variance == pytest.approx(10 * 4 / (14**2 * 15))
    for _ in range(1000):
        book.update("a", False)
    assert book.mean("a") < 0.02  # feedback outweighs the prior


def test_a_rule_seen_only_in_feedback_starts_from_the_default_prior() -> None:
    book = ReliabilityBook({}, prior_strength=2, default_prior=0.5)
    assert book.update("new", True) == pytest.approx(2 / 3)
    assert "new" in book and book.means() == {"new": pytest.approx(2 / 3)}


def test_without_prior_strength_the_mean_is_the_observed_rate() -> None:
    book = ReliabilityBook({"a": 0.9}, prior_strength=0)
    assert book.mean("a") == 0.9
    book.update("a", True)
    book.update("a", False)
    book.update("a", False)
    assert book.mean("a") == pytest.approx(1 / 3)


def test_decay_lets_old_feedback_fade() -> None:
    book = ReliabilityBook({"a": 0.5}, prior_strength=2)
    for _ in range(20):
        book.update("a", False)
    before = book.mean("a")
    book.decay(0.1)
    assert book.counts("a") == (0.0, pytest.approx(2.0))
    assert book.mean("a") > before
    with pytest.raises(ValueError):
        book.decay(1.5)


def test_round_trip_through_json() -> None:
    book = ReliabilityBook({"a": 0.9, "b": 0.3}, prior_strength=7.5, default_prior=0.6)
    book.update("a", True)
    book.update("a", False)
    book.update("c", False, weight=0.5)
    restored = ReliabilityBook.from_dict(json.loads(json.dumps(book.to_dict())))
    assert restored == book
    assert restored.means() == book.means()
    assert restored.posterior("c") == BetaPosterior(0.6, 7.5, 0.0, 0.5)
    restored.update("b", True)
    assert restored != book


@pytest.mark.parametrize(
    "data",
    [
        {"version": 99, "rules": {}, "prior_strength": 1, "default_prior": 0.5},
        {"version": 1, "prior_strength": 1, "default_prior": 0.5},
        {"version": 1, "rules": {"a": {"prior": 2.0, "accepted": 0, "rejected": 0}},
         "prior_strength": 1, "default_prior": 0.5},
        {"version": 1, "rules": {"a": {"prior": 0.5, "accepted": -1, "rejected": 0}},
         "prior_strength": 1, "default_prior": 0.5},
    ],
)
def test_malformed_data_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ReliabilityBook.from_dict(data)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        ReliabilityBook({"a": 1.5})
    with pytest.raises(ValueError):
        ReliabilityBook({"a": float("nan")})
    with pytest.raises(ValueError):
        ReliabilityBook({}, prior_strength=-1)
    with pytest.raises(ValueError):
        ReliabilityBook({}).update("a", True, weight=-1)
