"""Ensemble of probabilistic MLPs (PETS-style dynamics model).

Every member is a Gaussian MLP; all members run in one batched matrix product, with
weights stacked as E x in x out. Inputs and targets are standardised inside the
model, so callers pass and receive values in their own units.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, get_args

import torch
from torch import nn

from models.exceptions import ModelNotTrained
from models.types import Propagation

__all__ = ["EnsemblePrediction", "GaussianEnsemble", "Normalizer"]

#: Weight of the penalty that keeps the learned log-variance bounds tight.
LOGVAR_BOUND_PENALTY = 0.01


class EnsemblePrediction(NamedTuple):
    """One propagated prediction for B rows, in target units.

    Attributes:
        sample: B x O, a draw from the predictive Gaussian (the mean when deterministic).
        mean: B x O predictive mean.
        var: B x O predictive variance (aleatoric; plus the spread of member means
            under ``"expectation"`` propagation).
        disagreement: B, variance across elite members of their means, averaged over
            the O outputs, measured in standardised target units (scale-free, so one
            threshold fits every output).
    """

    sample: torch.Tensor
    mean: torch.Tensor
    var: torch.Tensor
    disagreement: torch.Tensor


class Normalizer(nn.Module):
    """Per-feature standardisation with statistics kept as buffers (saved with the model).

    Features with (near) zero spread get unit scale, so constant inputs such as an
    unused one-hot slot stay finite.
    """

    mean: torch.Tensor
    std: torch.Tensor
    fitted: torch.Tensor

    def __init__(self, size: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.register_buffer("mean", torch.zeros(1, size))
        self.register_buffer("std", torch.ones(1, size))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))

    def fit(self, data: torch.Tensor) -> None:
        """data: N x size."""
        data = data.to(self.mean.device, torch.float32)
        mean = data.mean(dim=0, keepdim=True)
        std = data.std(dim=0, keepdim=True, unbiased=False) if data.shape[0] > 1 else None
        self.mean.copy_(mean)
        if std is None:
            self.std.fill_(1.0)
        else:
            self.std.copy_(torch.where(std < self.eps, torch.ones_like(std), std))
        self.fitted.fill_(True)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """x: ... x size -> same shape, standardised."""
        return (x - self.mean) / self.std

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        """x: ... x size, standardised -> same shape, original units."""
        return x * self.std + self.mean


class _EnsembleLinear(nn.Module):
    """E independent affine maps applied in one batched product: E x B x in -> E x B x out."""

    def __init__(self, ensemble_size: int, in_size: int, out_size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(ensemble_size, in_size, out_size))
        self.bias = nn.Parameter(torch.zeros(ensemble_size, 1, out_size))

    def reset_parameters(self, generator: torch.Generator | None) -> None:
        # Truncated normal with std 1 / (2 sqrt(fan_in)), as in PETS.
        std = 1.0 / (2.0 * math.sqrt(self.weight.shape[1]))
        with torch.no_grad():
            nn.init.trunc_normal_(self.weight, std=std, a=-2 * std, b=2 * std, generator=generator)
            self.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class GaussianEnsemble(nn.Module):
    """E probabilistic MLPs that predict a diagonal Gaussian over O outputs.

    Args:
        in_size: input width I (for a dynamics model: state size + action size).
        out_size: output width O (state-delta size, plus one for a learned reward).
        hidden_size: units per hidden layer.
        num_layers: hidden layers per member (each Linear + SiLU), before the output layer.
        ensemble_size: members E.
        num_elites: members used for prediction (the best by validation MSE, chosen by
            :meth:`set_elites`); ``None`` means all.
        propagation: default propagation for :meth:`sample`
            (see :data:`models.types.Propagation`).
        device: torch device of the parameters.
        seed: seeds the weight initialisation (``None``: torch's global generator).
        nll_beta: beta of the beta-NLL loss (Seitzer et al., ICLR 2022): each point's
            NLL is weighted by its predicted variance to the power beta (no gradient
            through the weight). 0 is the plain Gaussian NLL of PETS. Plain NLL lets
            the model "explain away" points it fits badly with a large variance; on
            near-deterministic transitions (problem counts) it stalls at a poor mean
            fit, so the default is 0.5.

    Log-variances are kept between learned soft bounds
    ``min_logvar <= logvar <= max_logvar`` with softplus, as in PETS.
    """

    elite_indices: torch.Tensor

    def __init__(
        self,
        in_size: int,
        out_size: int,
        hidden_size: int = 200,
        num_layers: int = 4,
        ensemble_size: int = 5,
        num_elites: int | None = None,
        propagation: Propagation = "fixed_model",
        device: str | torch.device = "cpu",
        seed: int | None = None,
        nll_beta: float = 0.5,
    ) -> None:
        super().__init__()
        if min(in_size, out_size, hidden_size, num_layers, ensemble_size) < 1:
            raise ValueError("sizes, num_layers and ensemble_size must be positive")
        num_elites = ensemble_size if num_elites is None else num_elites
        if not 1 <= num_elites <= ensemble_size:
            raise ValueError(f"num_elites must be in [1, {ensemble_size}], got {num_elites}")
        if propagation not in get_args(Propagation):
            raise ValueError(f"unknown propagation {propagation!r}")
        if not 0.0 <= nll_beta <= 1.0:
            raise ValueError(f"nll_beta must be in [0, 1], got {nll_beta}")
        self.in_size = in_size
        self.out_size = out_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.ensemble_size = ensemble_size
        self.num_elites = num_elites
        self.propagation: Propagation = propagation
        self.nll_beta = nll_beta

        sizes = [in_size] + [hidden_size] * num_layers
        self.hidden = nn.ModuleList(
            _EnsembleLinear(ensemble_size, a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.head = _EnsembleLinear(ensemble_size, hidden_size, 2 * out_size)
        self.activation = nn.SiLU()
        self.min_logvar = nn.Parameter(torch.full((1, out_size), -10.0))
        self.max_logvar = nn.Parameter(torch.full((1, out_size), 0.5))
        self.input_normalizer = Normalizer(in_size)
        self.target_normalizer = Normalizer(out_size)
        self.register_buffer("elite_indices", torch.arange(num_elites))

        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        for layer in [*self.hidden, self.head]:
            assert isinstance(layer, _EnsembleLinear)
            layer.reset_parameters(generator)
        self.to(device)

    # ------------------------------------------------------------------ properties
    @property
    def device(self) -> torch.device:
        return self.min_logvar.device

    @property
    def is_trained(self) -> bool:
        """True once normalisers were fitted (``train_ensemble`` does it)."""
        return bool(self.input_normalizer.fitted)

    def config(self) -> dict[str, Any]:
        """Constructor keyword arguments that rebuild this architecture."""
        return {
            "in_size": self.in_size,
            "out_size": self.out_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "ensemble_size": self.ensemble_size,
            "num_elites": self.num_elites,
            "propagation": self.propagation,
            "nll_beta": self.nll_beta,
        }

    # ------------------------------------------------------------------ core maths
    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Standardised Gaussian parameters of every member.

        Args:
            inputs: raw inputs, B x I (the same rows for every member) or E x B x I
                (one batch per member).

        Returns:
            ``(mean, logvar)``, each E x B x O, in standardised target units.
        """
        x = self.input_normalizer.normalize(inputs.to(self.device, torch.float32))
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.ensemble_size, -1, -1)
        elif x.dim() != 3 or x.shape[0] != self.ensemble_size:
            raise ValueError(f"inputs must be B x I or E x B x I, got {tuple(inputs.shape)}")
        for layer in self.hidden:
            x = self.activation(layer(x))
        mean, raw_logvar = self.head(x).chunk(2, dim=-1)
        logvar = self.max_logvar - nn.functional.softplus(self.max_logvar - raw_logvar)
        logvar = self.min_logvar + nn.functional.softplus(logvar - self.min_logvar)
        return mean, logvar

    def loss(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """(beta-)Gaussian negative log-likelihood, summed over members.

        Args:
            inputs: B x I or E x B x I.
            targets: raw targets, B x O or E x B x O (matching ``inputs``).

        Returns:
            scalar: sum over members of the mean NLL (up to a constant; each point
            weighted by ``var ** nll_beta``), plus a small penalty on the log-variance
            bounds that keeps them from drifting apart.
        """
        mean, logvar = self.forward(inputs)
        target = self.target_normalizer.normalize(targets.to(self.device, torch.float32))
        nll = (mean - target).pow(2) * torch.exp(-logvar) + logvar
        if self.nll_beta > 0.0:
            nll = nll * torch.exp(self.nll_beta * logvar.detach())
        per_member: torch.Tensor = 0.5 * nll.mean(dim=(-2, -1))
        bounds = self.max_logvar.sum() - self.min_logvar.sum()
        return per_member.sum() + LOGVAR_BOUND_PENALTY * bounds

    @torch.no_grad()
    def eval_score(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean squared error of each member's mean, in standardised target units.

        Args:
            inputs: B x I; targets: B x O (raw).

        Returns:
            E scores (lower is better).
        """
        mean, _ = self.forward(inputs)
        target = self.target_normalizer.normalize(targets.to(self.device, torch.float32))
        scores: torch.Tensor = (mean - target).pow(2).mean(dim=(-2, -1))
        return scores

    def set_elites(self, scores: torch.Tensor) -> None:
        """Keep the ``num_elites`` members with the lowest scores (E,)."""
        if scores.shape != (self.ensemble_size,):
            raise ValueError(f"scores must have shape ({self.ensemble_size},)")
        order = torch.argsort(scores.to(self.device))
        self.elite_indices.copy_(order[: self.num_elites])

    # ------------------------------------------------------------------ prediction
    @torch.no_grad()
    def sample(
        self,
        inputs: torch.Tensor,
        propagation: Propagation | None = None,
        member_indices: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        deterministic: bool = False,
    ) -> EnsemblePrediction:
        """Propagate B rows one step.

        Every member runs on every row (one batched pass), so the disagreement comes
        at no extra cost; propagation then picks which member's output each row keeps.

        Args:
            inputs: raw inputs, B x I.
            propagation: overrides :attr:`propagation` for this call.
            member_indices: B member ids for ``"fixed_model"`` (each row uses its own
                member); default: rows go round-robin to the elites.
            generator: random source for member choice and Gaussian noise (on any
                device; draws are moved to the model's device).
            deterministic: return the mean instead of a draw.

        Returns:
            an :class:`EnsemblePrediction` (B x O tensors, disagreement B).
        """
        if not self.is_trained:
            raise ModelNotTrained("GaussianEnsemble.sample called before train_ensemble")
        mode = self.propagation if propagation is None else propagation
        means, logvars = self.forward(inputs)
        rows = means.shape[1]
        elites = self.elite_indices
        elite_means = means[elites]
        disagreement = elite_means.var(dim=0, unbiased=False).mean(dim=-1)
        if mode == "expectation":
            mean = elite_means.mean(dim=0)
            var = torch.exp(logvars[elites]).mean(dim=0) + elite_means.var(dim=0, unbiased=False)
        else:
            if mode == "random_model":
                source = generator.device if generator is not None else self.device
                picks = torch.randint(len(elites), (rows,), generator=generator, device=source)
                picks = picks.to(self.device)
                chosen = elites[picks]
            elif mode == "fixed_model":
                if member_indices is None:
                    chosen = elites[torch.arange(rows, device=self.device) % len(elites)]
                else:
                    chosen = member_indices.to(self.device, torch.long)
                    if chosen.shape != (rows,):
                        raise ValueError(f"member_indices must have shape ({rows},)")
            else:
                raise ValueError(f"unknown propagation {mode!r}")
            row = torch.arange(rows, device=self.device)
            mean = means[chosen, row]
            var = torch.exp(logvars[chosen, row])
        if deterministic:
            draw = mean
        else:
            source = generator.device if generator is not None else self.device
            noise = torch.randn(mean.shape, generator=generator, device=source).to(self.device)
            draw = mean + var.sqrt() * noise
        scale = self.target_normalizer.std
        return EnsemblePrediction(
            sample=self.target_normalizer.denormalize(draw),
            mean=self.target_normalizer.denormalize(mean),
            var=var * scale.pow(2),
            disagreement=disagreement,
        )
