"""Errors raised by :mod:`planning`."""

from __future__ import annotations

__all__ = ["IncompatibleModel", "NoFeasiblePlan", "PlanningError"]


class PlanningError(Exception):
    """Base class of every error raised by :mod:`planning`."""


class NoFeasiblePlan(PlanningError):
    """Every candidate the optimizer tried scored NaN or -inf.

    Callers should fall back to their safe plan (for fixes: the greedy plan).
    """


class IncompatibleModel(PlanningError):
    """A dynamics model (or checkpoint) was built for another state layout or rule set.

    Retrain it (``fixstream train``) for the planner's rules; until then the planner
    stays cold and uses the greedy plan.
    """
