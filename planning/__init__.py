"""Planners of fixstream: cross-entropy method over continuous and discrete action
sequences, and the fix planner built on them.

The optimizers see only a callable objective (see ``models.ModelEnv.objective``); the
fix planner (:class:`FixPlanner`) adapts the learned ensemble into that objective and
executes its plans through ``patterns``.

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
from planning.exceptions import IncompatibleModel, NoFeasiblePlan, PlanningError
from planning.fix_decision import (
    COLD,
    DEADLINE,
    DISAGREEMENT,
    NOTHING_TO_FIX,
    PlanDecision,
    greedy_plan,
)
from planning.fix_execution import (
    ExecutedStep,
    ExecutionResult,
    expected_reward,
    realized_reward,
    verify_step,
)
from planning.fix_planner import FixPlanner
from planning.fix_state import (
    PLANNER_SYNTAX_KEYS,
    STOP,
    FixObservation,
    StateLayout,
    observe_code,
    syntax_statistics,
)
from planning.pending import PendingSteps
from planning.replay_migration import convert_states, migrate_replay

__all__ = [
    "COLD",
    "DEADLINE",
    "DISAGREEMENT",
    "NOTHING_TO_FIX",
    "PLANNER_SYNTAX_KEYS",
    "STOP",
    "CEMCallback",
    "CEMOptimizer",
    "CategoricalCEMOptimizer",
    "CategoricalCallback",
    "CategoricalObjectiveFn",
    "ExecutedStep",
    "ExecutionResult",
    "FixObservation",
    "FixPlanner",
    "IncompatibleModel",
    "NoFeasiblePlan",
    "ObjectiveFn",
    "PendingSteps",
    "PlanDecision",
    "PlanningError",
    "StateLayout",
    "TrajectoryOptimizer",
    "expected_reward",
    "greedy_plan",
    "observe_code",
    "convert_states",
    "migrate_replay",
    "realized_reward",
    "shift_distribution",
    "syntax_statistics",
    "truncated_normal",
    "verify_step",
]
