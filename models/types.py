"""Types shared by :mod:`models` and :mod:`planning`.

Shape conventions used in every docstring of both packages:

- ``E``: ensemble members, ``B``: batch rows, ``P``: candidate sequences (population),
  ``N``: particles per sequence, ``H``: planning horizon,
- ``S``: observation (state) size, ``A``: action size (one-hot width for discrete
  actions), ``K``: number of discrete actions, ``D``: embedding size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeAlias

import torch

__all__ = [
    "Propagation",
    "RewardFn",
    "TerminationFn",
]

#: How a batch of rows is pushed through the ensemble during a rollout.
#:
#: - ``"fixed_model"``: each row (particle) keeps one member for the whole rollout;
#: - ``"random_model"``: each row draws a member at random at every step;
#: - ``"expectation"``: the moment-matched mixture of all elite members.
Propagation: TypeAlias = Literal["fixed_model", "random_model", "expectation"]

#: ``reward_fn(obs (B x S), actions (B x A, or B ids), next_obs (B x S)) -> rewards (B,)``.
RewardFn: TypeAlias = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]

#: ``termination_fn(obs (B x S), actions (B x A, or B ids), next_obs (B x S)) -> done (B,)``.
TerminationFn: TypeAlias = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
