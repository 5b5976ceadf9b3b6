"""Errors raised by :mod:`planning`."""

from __future__ import annotations

__all__ = ["NoFeasiblePlan", "PlanningError"]


class PlanningError(Exception):
    """Base class of every error raised by :mod:`planning`."""


class NoFeasiblePlan(PlanningError):
    """Every candidate the optimizer tried scored NaN or -inf.

    Callers should fall back to their safe plan (for fixes: the greedy plan).
    """
