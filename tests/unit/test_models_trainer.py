"""train_ensemble: bootstrap, validation, early stopping, elites."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models import GaussianEnsemble, train_ensemble


def _linear_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 3.0).astype(np.float32)
    return x, y


def test_early_stopping_restores_best_epoch() -> None:
    x, y = _linear_data(200)
    model = GaussianEnsemble(3, 1, hidden_size=16, num_layers=2, ensemble_size=3, seed=0)
    log = train_ensemble(model, x, y, epochs=500, batch_size=32, lr=1e-2, patience=3, seed=0)
    assert log.stopped_early and log.epochs_run < 500
    assert log.epochs_run == log.best_epoch + 1 + 3
    assert len(log.train_losses) == len(log.val_scores) == log.epochs_run
    # The kept weights are those of the best epoch.
    assert np.mean(log.member_val_scores) == pytest.approx(log.val_scores[log.best_epoch], rel=1e-5)
    assert log.num_train == 160 and log.num_val == 40


def test_training_reduces_validation_error_and_picks_elites() -> None:
    x, y = _linear_data(300)
    model = GaussianEnsemble(
        3, 1, hidden_size=16, num_layers=2, ensemble_size=4, num_elites=2, seed=0
    )
    log = train_ensemble(model, x, y, epochs=60, batch_size=32, lr=1e-2, patience=60, seed=0)
    assert log.val_scores[log.best_epoch] < 0.1 * log.val_scores[0]
    assert not log.stopped_early and log.epochs_run == 60
    scores = log.member_val_scores
    assert log.elite_indices == sorted(range(4), key=lambda i: scores[i])[:2]
    assert model.elite_indices.tolist() == log.elite_indices
    assert model.is_trained


def test_same_seed_same_result() -> None:
    x, y = _linear_data(100)
    logs = []
    for _ in range(2):
        model = GaussianEnsemble(3, 1, hidden_size=8, num_layers=2, ensemble_size=2, seed=1)
        logs.append(train_ensemble(model, x, y, epochs=5, seed=7))
    assert logs[0].train_losses == logs[1].train_losses


def test_members_train_on_their_own_batches() -> None:
    x, y = _linear_data(60)
    plain = GaussianEnsemble(3, 1, hidden_size=8, ensemble_size=2, seed=0)
    # Start both members from identical weights: only the data order/bootstrap differs.
    with torch.no_grad():
        for parameter in plain.parameters():
            if parameter.dim() == 3:
                parameter[1] = parameter[0]
    train_ensemble(plain, x, y, epochs=3, bootstrap=True, seed=0)
    assert not torch.allclose(plain.head.weight[0], plain.head.weight[1])


def test_tiny_dataset_validates_on_training_rows() -> None:
    x, y = _linear_data(3)
    model = GaussianEnsemble(3, 1, hidden_size=4, ensemble_size=2, seed=0)
    log = train_ensemble(model, x, y, epochs=2, val_fraction=0.1, seed=0)
    assert log.num_val == 0 and log.num_train == 3


@pytest.mark.parametrize(
    ("inputs", "targets"),
    [
        (np.zeros((10, 2), np.float32), np.zeros((10, 1), np.float32)),  # wrong in size
        (np.zeros((10, 3), np.float32), np.zeros((9, 1), np.float32)),  # row mismatch
        (np.full((10, 3), np.nan, np.float32), np.zeros((10, 1), np.float32)),  # NaN
    ],
)
def test_bad_data_is_rejected(inputs: np.ndarray, targets: np.ndarray) -> None:
    model = GaussianEnsemble(3, 1, hidden_size=4, ensemble_size=2)
    with pytest.raises(ValueError):
        train_ensemble(model, inputs, targets, epochs=1)
