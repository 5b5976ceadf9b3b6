"""Versioned checkpoints: v<N> directories, latest, exact reload."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from models import (
    CheckpointError,
    GaussianEnsemble,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    save_checkpoint,
    train_ensemble,
)


def _model() -> GaussianEnsemble:
    rng = np.random.default_rng(0)
    model = GaussianEnsemble(
        3, 2, hidden_size=8, num_layers=2, ensemble_size=3, num_elites=2, seed=0
    )
    x = rng.normal(size=(30, 3)).astype(np.float32)
    train_ensemble(model, x, x[:, :2] * 2 + 1, epochs=3, seed=0)
    return model


def test_versions_increase_and_latest_is_highest(tmp_path: Path) -> None:
    assert latest_checkpoint(tmp_path) is None and list_checkpoints(tmp_path / "missing") == []
    model = _model()
    first = save_checkpoint(tmp_path, model, {"note": "a"})
    second = save_checkpoint(tmp_path, model)
    assert (first.name, second.name) == ("v1", "v2")
    assert latest_checkpoint(tmp_path) == second
    assert sorted(p.name for p in second.iterdir()) == ["meta.json", "model.pt"]
    # No staging directory is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1", "v2"]
    # Incomplete directories are ignored.
    (tmp_path / "v9").mkdir()
    assert latest_checkpoint(tmp_path) == second


def test_round_trip_reproduces_predictions(tmp_path: Path) -> None:
    model = _model()
    path = save_checkpoint(tmp_path, model, {"features": ["a", "b"]})
    loaded, document = load_checkpoint(path)
    assert document["version"] == 1 and document["meta"] == {"features": ["a", "b"]}
    assert document["config"] == model.config()
    assert torch.equal(loaded.elite_indices, model.elite_indices) and loaded.is_trained
    x = torch.randn(5, 3)
    assert torch.equal(
        loaded.sample(x, deterministic=True).mean, model.sample(x, deterministic=True).mean
    )
    from_root, _ = load_checkpoint(tmp_path)  # a root means its latest version
    assert torch.equal(from_root.head.weight, model.head.weight)


def test_errors_are_checkpoint_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path)
    path = save_checkpoint(tmp_path, _model())
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(CheckpointError, match="format"):
        load_checkpoint(path)
    (path / "meta.json").write_text(json.dumps(meta))
    (path / "model.pt").write_bytes(b"garbage")
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


def test_meta_must_be_json(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path, _model(), {"bad": object()})
    assert list(tmp_path.iterdir()) == []
