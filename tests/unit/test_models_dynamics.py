"""GaussianEnsemble: batched members, bounded log-variance, fit and uncertainty."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models import GaussianEnsemble, ModelNotTrained, train_ensemble


@pytest.fixture(scope="module")
def sine_model() -> GaussianEnsemble:
    """An ensemble fitted to y = sin(x) + N(0, 0.05^2) on x in [-2, 2]."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2.0, 2.0, size=(600, 1)).astype(np.float32)
    y = (np.sin(x) + 0.05 * rng.standard_normal(x.shape)).astype(np.float32)
    model = GaussianEnsemble(
        1, 1, hidden_size=32, num_layers=2, ensemble_size=5, num_elites=4, seed=0
    )
    train_ensemble(model, x, y, epochs=300, batch_size=64, lr=3e-3, patience=20, seed=0)
    return model


def test_forward_shapes_broadcast_and_per_member() -> None:
    model = GaussianEnsemble(3, 2, hidden_size=8, num_layers=2, ensemble_size=4, seed=0)
    mean, logvar = model(torch.randn(7, 3))
    assert mean.shape == logvar.shape == (4, 7, 2)
    mean, logvar = model(torch.randn(4, 5, 3))
    assert mean.shape == (4, 5, 2)
    with pytest.raises(ValueError):
        model(torch.randn(3, 5, 3))


def test_members_are_independent_networks() -> None:
    """One batched pass equals running each member alone on its own batch."""
    model = GaussianEnsemble(3, 2, hidden_size=8, num_layers=2, ensemble_size=3, seed=1)
    x = torch.randn(3, 4, 3)
    batched, _ = model(x)
    assert not torch.allclose(batched[0], batched[1])
    # Changing member 1's input changes only member 1's output.
    x2 = x.clone()
    x2[1] += 1.0
    changed, _ = model(x2)
    assert torch.equal(changed[0], batched[0]) and torch.equal(changed[2], batched[2])
    assert not torch.allclose(changed[1], batched[1])


def test_logvar_stays_within_soft_bounds() -> None:
    model = GaussianEnsemble(2, 3, hidden_size=8, num_layers=1, ensemble_size=2, seed=0)
    with torch.no_grad():
        model.head.weight.mul_(1e4)
    _, logvar = model(torch.randn(50, 2) * 100)
    # The two softplus bounds are soft: allow float rounding at the saturated ends.
    assert bool((logvar <= model.max_logvar + 1e-3).all())
    assert bool((logvar >= model.min_logvar - 1e-3).all())


def test_seed_makes_initialisation_reproducible() -> None:
    a = GaussianEnsemble(3, 2, hidden_size=8, seed=5)
    b = GaussianEnsemble(3, 2, hidden_size=8, seed=5)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_loss_is_finite_scalar_with_gradients() -> None:
    model = GaussianEnsemble(2, 1, hidden_size=8, num_layers=2, ensemble_size=3, seed=0)
    loss = model.loss(torch.randn(10, 2), torch.randn(10, 1))
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    assert model.max_logvar.grad is not None and model.head.weight.grad is not None


def test_sample_before_training_raises() -> None:
    model = GaussianEnsemble(2, 1, hidden_size=8, ensemble_size=2)
    with pytest.raises(ModelNotTrained):
        model.sample(torch.zeros(1, 2))


def test_constructor_validation() -> None:
    with pytest.raises(ValueError):
        GaussianEnsemble(2, 1, ensemble_size=3, num_elites=4)
    with pytest.raises(ValueError):
        GaussianEnsemble(2, 1, propagation="bogus")  # type: ignore[arg-type]


def test_fits_noisy_sine_in_distribution(sine_model: GaussianEnsemble) -> None:
    x = torch.linspace(-2.0, 2.0, 101).unsqueeze(1)
    prediction = sine_model.sample(x, propagation="expectation", deterministic=True)
    mse = float(((prediction.mean - torch.sin(x)) ** 2).mean())
    assert mse < 0.005  # noise variance is 0.0025; observed ~2e-4
    # Aleatoric variance is learned near the true noise level (0.0025).
    assert 0.0005 < float(prediction.var.mean()) < 0.02


def test_disagreement_grows_away_from_data(sine_model: GaussianEnsemble) -> None:
    inside = sine_model.sample(torch.linspace(-1.5, 1.5, 31).unsqueeze(1), deterministic=True)
    outside = sine_model.sample(torch.tensor([[-6.0], [6.0]]), deterministic=True)
    assert inside.disagreement.shape == (31,) and outside.disagreement.shape == (2,)
    assert float(outside.disagreement.min()) > 10 * float(inside.disagreement.mean())


@pytest.mark.parametrize("propagation", ["fixed_model", "random_model", "expectation"])
def test_sample_shapes_and_determinism(sine_model: GaussianEnsemble, propagation: str) -> None:
    x = torch.linspace(-1.0, 1.0, 9).unsqueeze(1)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    a = sine_model.sample(x, propagation=propagation, generator=g1)  # type: ignore[arg-type]
    b = sine_model.sample(x, propagation=propagation, generator=g2)  # type: ignore[arg-type]
    assert a.sample.shape == a.mean.shape == a.var.shape == (9, 1)
    assert torch.equal(a.sample, b.sample)
    assert bool((a.var > 0).all())


def test_fixed_model_uses_the_given_members(sine_model: GaussianEnsemble) -> None:
    x = torch.full((2, 1), 5.0)  # far from data: members disagree
    members = sine_model.elite_indices[:2]
    mixed = sine_model.sample(x, member_indices=members, deterministic=True).mean
    means, _ = sine_model(x)
    expected = sine_model.target_normalizer.denormalize(means[members, torch.arange(2)])
    assert torch.allclose(mixed, expected)
    with pytest.raises(ValueError):
        sine_model.sample(x, member_indices=members[:1])


def test_elites_are_the_lowest_scores() -> None:
    model = GaussianEnsemble(1, 1, hidden_size=4, ensemble_size=5, num_elites=2)
    model.set_elites(torch.tensor([0.5, 0.1, 0.9, 0.05, 0.3]))
    assert model.elite_indices.tolist() == [3, 1]


@pytest.mark.parametrize("beta", [0.0, 0.5])
def test_loss_matches_the_beta_nll_formula(beta: float) -> None:
    model = GaussianEnsemble(2, 3, hidden_size=8, ensemble_size=2, seed=0, nll_beta=beta)
    x, y = torch.randn(6, 2), torch.randn(6, 3)
    model.input_normalizer.fit(x)
    model.target_normalizer.fit(y)
    mean, logvar = model(x)
    target = model.target_normalizer.normalize(y)
    nll = ((mean - target) ** 2 * torch.exp(-logvar) + logvar) * torch.exp(logvar) ** beta
    penalty = 0.01 * (model.max_logvar.sum() - model.min_logvar.sum())
    expected = 0.5 * nll.mean(dim=(1, 2)).sum() + penalty
    assert torch.allclose(model.loss(x, y), expected, rtol=1e-5)
    with pytest.raises(ValueError):
        GaussianEnsemble(2, 3, nll_beta=1.5)
