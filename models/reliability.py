"""How often users accept each rule's fixes: one Beta posterior per rule.

Each rule starts from its prior reliability ``p`` (the rule's own estimate, from its
nature) worth ``prior_strength`` pseudo-verdicts: ``Beta(p * n, (1 - p) * n)``.
Every accept adds one to the first parameter, every reject one to the second, so
the posterior mean moves from the prior towards the observed acceptance rate as
feedback accumulates. The book is plain data: :meth:`ReliabilityBook.to_dict`
gives JSON that can live in a Faust table, :meth:`ReliabilityBook.from_dict`
restores it exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BetaPosterior", "ReliabilityBook"]

_FORMAT_VERSION = 1


@dataclass(frozen=True)
class BetaPosterior:
    """``Beta(alpha, beta)`` over one rule's acceptance probability.

    Attributes:
        prior: the prior mean; accepted, rejected: (weighted) verdicts seen;
        alpha, beta: the posterior's parameters (prior pseudo-counts plus verdicts).
    """

    prior: float
    prior_strength: float
    accepted: float
    rejected: float

    @property
    def alpha(self) -> float:
        return self.prior * self.prior_strength + self.accepted

    @property
    def beta(self) -> float:
        return (1.0 - self.prior) * self.prior_strength + self.rejected

    @property
    def mean(self) -> float:
        """Expected acceptance probability (the prior when nothing is known at all)."""
        total = self.alpha + self.beta
        return self.prior if total <= 0.0 else self.alpha / total

    @property
    def variance(self) -> float:
        total = self.alpha + self.beta
        if total <= 0.0:
            return self.prior * (1.0 - self.prior)
        return self.alpha * self.beta / (total * total * (total + 1.0))


class ReliabilityBook:
    """A Beta posterior per rule over the probability that its fixes are accepted.

    Args:
        priors: prior reliability in [0, 1] per rule (e.g. ``PatternMatcher().reliabilities``).
        prior_strength: how many verdicts the prior is worth (>= 0; 0: the plain
            observed rate once there is any feedback).
        default_prior: prior of a rule first seen in :meth:`update` or :meth:`mean`
            without one in ``priors``.
    """

    def __init__(
        self,
        priors: Mapping[str, float],
        prior_strength: float = 10.0,
        default_prior: float = 0.5,
    ) -> None:
        if not (math.isfinite(prior_strength) and prior_strength >= 0.0):
            raise ValueError(f"prior_strength must be finite and >= 0, got {prior_strength}")
        self.prior_strength = float(prior_strength)
        self.default_prior = _probability("default_prior", default_prior)
        self._priors = {str(rule): _probability(rule, p) for rule, p in priors.items()}
        self._accepted: dict[str, float] = {}
        self._rejected: dict[str, float] = {}

    def __contains__(self, rule: object) -> bool:
        return rule in self._priors or rule in self._accepted

    def __iter__(self) -> Iterator[str]:
        return iter(self.rules)

    @property
    def rules(self) -> list[str]:
        """Every rule with a prior or with feedback, sorted."""
        return sorted(set(self._priors) | set(self._accepted))

    def update(self, rule: str, accepted: bool, weight: float = 1.0) -> float:
        """Count one verdict on a fix of ``rule`` (``weight`` verdicts); returns the new mean."""
        if not (math.isfinite(weight) and weight >= 0.0):
            raise ValueError(f"weight must be finite and >= 0, got {weight}")
        self._priors.setdefault(rule, self.default_prior)
        target = self._accepted if accepted else self._rejected
        target[rule] = target.get(rule, 0.0) + weight
        self._accepted.setdefault(rule, 0.0)
        self._rejected.setdefault(rule, 0.0)
        return self.mean(rule)

    def posterior(self, rule: str) -> BetaPosterior:
        """The rule's posterior (its prior alone when it has no feedback yet)."""
        return BetaPosterior(
            prior=self._priors.get(rule, self.default_prior),
            prior_strength=self.prior_strength,
            accepted=self._accepted.get(rule, 0.0),
            rejected=self._rejected.get(rule, 0.0),
        )

    def mean(self, rule: str) -> float:
        """Posterior mean acceptance probability of ``rule``'s fixes."""
        return self.posterior(rule).mean

    def means(self) -> dict[str, float]:
        """Posterior mean of every known rule (feed it to ``PatternMatcher.set_reliability``)."""
        return {rule: self.mean(rule) for rule in self.rules}

    def counts(self, rule: str) -> tuple[float, float]:
        """``(accepted, rejected)`` verdicts seen for ``rule``."""
        return self._accepted.get(rule, 0.0), self._rejected.get(rule, 0.0)

    def decay(self, factor: float) -> None:
        """Multiply every verdict count by ``factor`` in [0, 1]: old feedback weighs less,
        so the posterior can follow users whose taste changes."""
        if not 0.0 <= factor <= 1.0:
            raise ValueError(f"factor must be in [0, 1], got {factor}")
        for store in (self._accepted, self._rejected):
            for rule in store:
                store[rule] *= factor

    # ------------------------------------------------------------------ plain data
    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable state; :meth:`from_dict` restores an equal book."""
        return {
            "version": _FORMAT_VERSION,
            "prior_strength": self.prior_strength,
            "default_prior": self.default_prior,
            "rules": {
                rule: {
                    "prior": self._priors.get(rule, self.default_prior),
                    "accepted": self._accepted.get(rule, 0.0),
                    "rejected": self._rejected.get(rule, 0.0),
                }
                for rule in self.rules
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReliabilityBook:
        """The book that :meth:`to_dict` described.

        Raises:
            ValueError: an unknown format version or a malformed entry.
        """
        if data.get("version") != _FORMAT_VERSION:
            raise ValueError(f"unknown reliability book version {data.get('version')!r}")
        try:
            rules = dict(data["rules"])
            book = cls(
                {rule: float(entry["prior"]) for rule, entry in rules.items()},
                prior_strength=float(data["prior_strength"]),
                default_prior=float(data["default_prior"]),
            )
            for rule, entry in rules.items():
                accepted, rejected = float(entry["accepted"]), float(entry["rejected"])
                if not (accepted >= 0.0 and rejected >= 0.0):
                    raise ValueError(f"negative verdict counts for {rule!r}")
                if accepted or rejected:
                    book._accepted[rule] = accepted
                    book._rejected[rule] = rejected
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed reliability book: {exc!r}") from exc
        return book

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReliabilityBook):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{rule}={self.mean(rule):.3f}" for rule in self.rules)
        return f"ReliabilityBook({shown})"


def _probability(name: str, value: float) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:  # also rejects NaN
        raise ValueError(f"prior of {name!r} must be within [0, 1], got {value!r}")
    return number
