"""Score handling shared by the optimizers."""

from __future__ import annotations

import torch

__all__ = ["rank_scores"]


def rank_scores(scores: torch.Tensor) -> torch.Tensor:
    """scores P -> float P where NaN became -inf, so NaN is never preferred.

    A candidate whose score is NaN (a diverging model, a failed evaluation) can then
    neither be an elite nor the returned best.
    """
    scores = scores.detach().reshape(-1).float()
    return torch.where(torch.isnan(scores), torch.full_like(scores, float("-inf")), scores)
