"""The model and planning parts on a CUDA device: same behaviour as on the CPU.

Skipped where torch sees no CUDA device (CI); run on a GPU machine with
``python -m pytest tests/unit/test_cuda.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models import CodeEncoder, GaussianEnsemble, ModelEnv, train_ensemble
from models.model_env import training_data
from planning import CategoricalCEMOptimizer, CEMOptimizer, TrajectoryOptimizer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

CUDA = torch.device("cuda")


def _point_mass_model(device: torch.device | str) -> GaussianEnsemble:
    """Ensemble of the point mass ``next = obs + action``, reward ``-|next|^2``."""
    rng = np.random.default_rng(1)
    obs = rng.uniform(-2, 2, size=(800, 2)).astype(np.float32)
    act = rng.uniform(-1, 1, size=(800, 2)).astype(np.float32)
    nxt = obs + act
    inputs, targets = training_data(obs, act, nxt, -(nxt**2).sum(axis=1))
    model = GaussianEnsemble(4, 3, hidden_size=64, num_layers=2, ensemble_size=4, seed=0,
                             device=device)
    train_ensemble(model, inputs, targets, epochs=150, batch_size=64, lr=3e-3, patience=15,
                   seed=0)
    return model


def test_ensemble_fits_and_disagrees_away_from_data_on_cuda() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(600, 1)).astype(np.float32)
    y = (np.sin(3 * x) + 0.05 * rng.normal(size=x.shape)).astype(np.float32)
    model = GaussianEnsemble(1, 1, hidden_size=64, num_layers=2, ensemble_size=5, seed=0,
                             device=CUDA)
    train_ensemble(model, x, y, epochs=200, batch_size=64, lr=3e-3, patience=20, seed=0)
    assert model.device.type == "cuda"
    grid = torch.linspace(-0.9, 0.9, 50, device=CUDA).unsqueeze(1)
    prediction = model.sample(grid, propagation="expectation", deterministic=True)
    assert prediction.mean.device.type == "cuda"
    error = (prediction.mean.squeeze(1) - torch.sin(3 * grid.squeeze(1))).pow(2).mean()
    assert float(error) < 0.01
    far = model.sample(torch.tensor([[4.0]], device=CUDA), propagation="expectation")
    assert float(far.disagreement[0]) > 10 * float(prediction.disagreement.mean())


def test_model_env_gives_the_cpu_results_on_cuda() -> None:
    model = _point_mass_model("cpu")
    twin = GaussianEnsemble(**model.config(), device=CUDA)
    twin.load_state_dict(model.state_dict())
    sequences = torch.rand(64, 5, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    start = np.array([1.0, -0.5], np.float32)
    results = []
    for m in (model, twin):
        env = ModelEnv(m, deterministic=True, seed=0)
        results.append(env.evaluate_action_sequences(sequences, start, num_particles=4))
    cpu, gpu = results
    assert gpu.returns.device.type == "cuda"
    # TF32 matmuls may be on: agreement to float tolerance, not bit for bit.
    assert torch.allclose(cpu.returns, gpu.returns.cpu(), rtol=1e-3, atol=1e-3)
    assert torch.allclose(cpu.disagreement, gpu.disagreement.cpu(), rtol=1e-2, atol=1e-4)


def test_cem_drives_the_point_mass_home_on_cuda() -> None:
    env = ModelEnv(_point_mass_model(CUDA), seed=0)
    planner = TrajectoryOptimizer(
        CEMOptimizer(5, 0.1, 500, [-1.0, -1.0], [1.0, 1.0], alpha=0.1, seed=0, device=CUDA),
        action_size=2,
        planning_horizon=3,
    )
    state = np.array([1.5, -1.2], np.float32)
    for _ in range(3):
        action = planner.optimize(env.objective(state, num_particles=4))[0].cpu().numpy()
        state = state + action
    assert float(np.abs(state).max()) < 0.3


def test_categorical_cem_finds_the_best_sequence_on_cuda() -> None:
    target = torch.tensor([2, 0, 3, 1, 1, 2], device=CUDA)
    optimizer = CategoricalCEMOptimizer(num_iterations=10, elite_ratio=0.1, population_size=400,
                                        num_actions=4, alpha=0.1, min_prob=0.01, seed=0,
                                        device=CUDA)

    def matches(population: torch.Tensor) -> torch.Tensor:
        assert population.device.type == "cuda"
        return (population == target).float().sum(dim=1)

    plan, probs = optimizer.optimize(matches, horizon=6)
    assert plan.tolist() == target.tolist()
    assert probs.shape == (6, 4)


def test_encoder_half_precision_on_cuda(tmp_path: Path) -> None:
    from transformers import BertConfig, BertModel, BertTokenizer

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "const", "let", "var", "=", ";",
             "a", "b", "function", "return", "(", ")", "{", "}", "if", "1", "2"]
    (tmp_path / "vocab.txt").write_text("\n".join(words) + "\n")
    config = BertConfig(vocab_size=len(words), hidden_size=64, num_hidden_layers=2,
                        num_attention_heads=4, intermediate_size=128,
                        max_position_embeddings=64)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(tmp_path)
    BertTokenizer(vocab=str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    texts = ["const a = 1;", "let b = 2;", "function a ( ) { return b ; }", "if ( a ) { }"]
    reference = CodeEncoder(tmp_path, max_length=32, device="cpu").encode(texts)
    for dtype in ("float32", "float16", "bfloat16"):
        encoder = CodeEncoder(tmp_path, max_length=32, device="cuda", dtype=dtype)
        assert next(encoder.model.parameters()).device.type == "cuda"
        vectors = encoder.encode(texts)
        assert vectors.dtype == np.float32
        cosine = (vectors * reference).sum(axis=1)
        assert float(cosine.min()) > (0.999 if dtype == "float32" else 0.98), dtype
