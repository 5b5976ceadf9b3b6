"""Fitting a :class:`~models.dynamics.GaussianEnsemble` to transition data."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from models.dynamics import GaussianEnsemble

__all__ = ["TrainingLog", "train_ensemble"]


@dataclass
class TrainingLog:
    """What happened during :func:`train_ensemble`.

    Attributes:
        train_losses: mean training loss (NLL summed over members) per epoch.
        val_scores: validation MSE (standardised units, mean over members) per epoch.
        member_val_scores: final validation MSE of each member (E), after restoring
            the best weights.
        elite_indices: the members chosen as elites (lowest validation MSE first).
        best_epoch: zero-based epoch whose weights were kept.
        epochs_run: epochs actually trained.
        stopped_early: True when patience ran out before ``epochs``.
        num_train: rows used for training; num_val: rows held out (0: the training
            rows were used for validation).
    """

    train_losses: list[float] = field(default_factory=list)
    val_scores: list[float] = field(default_factory=list)
    member_val_scores: list[float] = field(default_factory=list)
    elite_indices: list[int] = field(default_factory=list)
    best_epoch: int = -1
    epochs_run: int = 0
    stopped_early: bool = False
    num_train: int = 0
    num_val: int = 0


def train_ensemble(
    model: GaussianEnsemble,
    inputs: np.ndarray | torch.Tensor,
    targets: np.ndarray | torch.Tensor,
    epochs: int = 100,
    batch_size: int = 32,
    lr: float = 1e-3,
    val_fraction: float = 0.2,
    patience: int = 10,
    seed: int = 0,
    weight_decay: float = 1e-5,
    bootstrap: bool = True,
    min_improvement: float = 0.01,
) -> TrainingLog:
    """Train every member on its own bootstrap sample, with early stopping.

    Fits the model's normalisers on the training rows, trains with Adam on the
    Gaussian NLL, scores all members on the held-out rows after every epoch, keeps the
    weights of the best epoch (mean validation MSE), and picks the elites.

    Args:
        model: the ensemble (trained in place).
        inputs: N x I rows; targets: N x O rows (the model's in/out sizes).
        epochs: maximum number of passes over the data.
        batch_size: rows per member per step.
        lr: Adam learning rate; weight_decay: Adam L2 weight.
        val_fraction: share of rows held out for validation; when that leaves no row,
            the training rows are scored instead.
        patience: epochs without a relative improvement of ``min_improvement`` in the
            validation score before training stops.
        seed: seeds the split, the bootstrap samples and the shuffling.
        bootstrap: sample each member's rows with replacement (otherwise every member
            sees all rows, in its own order).

    Returns:
        a :class:`TrainingLog`.
    """
    x = torch.as_tensor(inputs, dtype=torch.float32).to(model.device)
    y = torch.as_tensor(targets, dtype=torch.float32).to(model.device)
    _check_data(model, x, y)
    if epochs < 1 or batch_size < 1 or patience < 1:
        raise ValueError("epochs, batch_size and patience must be positive")
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")

    generator = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    order = torch.randperm(n, generator=generator).to(model.device)
    n_val = min(int(round(n * val_fraction)), n - 1)
    val_rows, train_rows = order[:n_val], order[n_val:]
    train_x, train_y = x[train_rows], y[train_rows]
    val_x, val_y = (x[val_rows], y[val_rows]) if n_val > 0 else (train_x, train_y)
    n_train = train_x.shape[0]
    ensemble = model.ensemble_size

    model.input_normalizer.fit(train_x)
    model.target_normalizer.fit(train_y)
    if bootstrap:
        member_rows = torch.randint(n_train, (ensemble, n_train), generator=generator)
    else:
        member_rows = torch.arange(n_train).expand(ensemble, -1)
    member_rows = member_rows.to(model.device)

    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    log = TrainingLog(num_train=n_train, num_val=n_val)
    best_score = float("inf")
    best_state = _snapshot(model)
    waited = 0
    for epoch in range(epochs):
        model.train()
        shuffle = torch.argsort(torch.rand(ensemble, n_train, generator=generator), dim=1)
        rows = member_rows.gather(1, shuffle.to(model.device))
        losses = []
        for start in range(0, n_train, batch_size):
            batch = rows[:, start : start + batch_size]  # E x b
            loss = model.loss(train_x[batch], train_y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call,unused-ignore]
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        score = float(model.eval_score(val_x, val_y).mean())
        log.train_losses.append(float(np.mean(losses)))
        log.val_scores.append(score)
        log.epochs_run = epoch + 1
        if epoch == 0 or best_score - score > min_improvement * abs(best_score):
            best_score, best_state, log.best_epoch, waited = score, _snapshot(model), epoch, 0
        else:
            waited += 1
            if waited >= patience:
                log.stopped_early = epoch + 1 < epochs
                break

    model.load_state_dict(best_state)
    model.eval()
    member_scores = model.eval_score(val_x, val_y)
    model.set_elites(member_scores)
    log.member_val_scores = [float(s) for s in member_scores]
    log.elite_indices = [int(i) for i in model.elite_indices]
    return log


def _check_data(model: GaussianEnsemble, x: torch.Tensor, y: torch.Tensor) -> None:
    if x.dim() != 2 or x.shape[1] != model.in_size:
        raise ValueError(f"inputs must be N x {model.in_size}, got {tuple(x.shape)}")
    if y.dim() != 2 or y.shape[1] != model.out_size:
        raise ValueError(f"targets must be N x {model.out_size}, got {tuple(y.shape)}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{x.shape[0]} input rows but {y.shape[0]} target rows")
    if x.shape[0] < 2:
        raise ValueError("need at least 2 rows to train")
    if not (torch.isfinite(x).all() and torch.isfinite(y).all()):
        raise ValueError("inputs and targets must be finite")


def _snapshot(model: GaussianEnsemble) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}
