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


def test_planners_see_only_a_callable() -> None:
    """The optimizers import neither models nor the stream layer (STYLE habit 4)."""
    found: set[str] = set()
    for source in Path(planning.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    assert not found & {"streams", "cache", "patterns", "models"}
