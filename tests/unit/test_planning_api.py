"""The public API of ``planning``: explicit exports, planners independent of models."""

from __future__ import annotations

import ast
from pathlib import Path

import planning


def test_every_export_exists() -> None:
    assert len(set(planning.__all__)) == len(planning.__all__)
    for name in planning.__all__:
        assert getattr(planning, name) is not None, name
    assert {"CEMOptimizer", "CategoricalCEMOptimizer", "TrajectoryOptimizer"} <= set(
        planning.__all__
    )


def _imports(source: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


OPTIMIZERS = ("cem.py", "categorical_cem.py", "_scores.py")


def test_optimizers_see_only_a_callable() -> None:
    """The optimizers import neither models, patterns nor the stream layer (STYLE habit 4);
    the fix planner is the adapter that brings the ensemble and the patterns in."""
    package = Path(planning.__file__).parent
    for name in OPTIMIZERS:
        assert not _imports(package / name) & {"streams", "cache", "patterns", "models"}, name


def test_planning_never_imports_the_stream_layer() -> None:
    for source in Path(planning.__file__).parent.glob("*.py"):
        assert not _imports(source) & {"streams", "cache"}, source.name


def test_fix_planner_names_are_exported() -> None:
    expected = {"FixPlanner", "PlanDecision", "greedy_plan", "observe_code", "StateLayout",
                "COLD", "DISAGREEMENT", "DEADLINE", "NOTHING_TO_FIX"}
    assert expected <= set(planning.__all__)
