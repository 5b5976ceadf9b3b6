"""The public API of ``models``: explicit exports, no dependency on the stream layer."""

from __future__ import annotations

import ast
from pathlib import Path

import models

FORBIDDEN = {"streams", "cache", "patterns"}


def test_every_export_exists() -> None:
    assert len(set(models.__all__)) == len(models.__all__)
    for name in models.__all__:
        assert getattr(models, name) is not None, name


def test_key_names_are_exported() -> None:
    expected = {
        "CodeEncoder",
        "GaussianEnsemble",
        "ModelEnv",
        "ReplayBuffer",
        "train_ensemble",
        "structural_features",
        "region_for_change",
        "default_model_path",
        "ModelNotAvailable",
        "save_checkpoint",
        "load_checkpoint",
        "latest_checkpoint",
    }
    assert expected <= set(models.__all__)


def _imported_packages(package_dir: Path) -> set[str]:
    found: set[str] = set()
    for source in package_dir.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_models_does_not_import_the_stream_layer() -> None:
    assert not _imported_packages(Path(models.__file__).parent) & FORBIDDEN
