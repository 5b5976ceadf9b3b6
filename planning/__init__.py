"""Planners of fixstream: cross-entropy method over continuous and discrete action
sequences. Planners see only a callable objective (see ``models.ModelEnv.objective``).

This package never imports ``streams``.
"""

from planning.categorical_cem import (
    CategoricalCallback,
    CategoricalCEMOptimizer,
    CategoricalObjectiveFn,
    shift_distribution,
)
from planning.cem import (
    CEMCallback,
    CEMOptimizer,
    ObjectiveFn,
    TrajectoryOptimizer,
    truncated_normal,
)
from planning.exceptions import NoFeasiblePlan, PlanningError

__all__ = [
    "CEMCallback",
    "CEMOptimizer",
    "CategoricalCEMOptimizer",
    "CategoricalCallback",
    "CategoricalObjectiveFn",
    "NoFeasiblePlan",
    "ObjectiveFn",
    "PlanningError",
    "TrajectoryOptimizer",
    "shift_distribution",
    "truncated_normal",
]
