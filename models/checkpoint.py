"""Versioned checkpoints of a :class:`~models.dynamics.GaussianEnsemble`.

Layout::

    <root>/v1/model.pt     state dict (weights, normalisers, elites)
    <root>/v1/meta.json    format, version, creation time, architecture, caller metadata
    <root>/v2/...

A version directory appears complete or not at all: it is written under a temporary
name and renamed, so a worker polling ``latest_checkpoint`` never loads half a file.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from models.dynamics import GaussianEnsemble
from models.exceptions import CheckpointError

__all__ = [
    "CHECKPOINT_FORMAT",
    "latest_checkpoint",
    "list_checkpoints",
    "load_checkpoint",
    "save_checkpoint",
]

CHECKPOINT_FORMAT = 1
_VERSION_DIR = re.compile(r"^v(\d+)$")
_WEIGHTS = "model.pt"
_META = "meta.json"


def list_checkpoints(root: str | os.PathLike[str]) -> list[Path]:
    """Complete version directories under ``root``, oldest (lowest N) first."""
    base = Path(root)
    if not base.is_dir():
        return []
    found = []
    for child in base.iterdir():
        match = _VERSION_DIR.match(child.name)
        if match and (child / _META).is_file() and (child / _WEIGHTS).is_file():
            found.append((int(match.group(1)), child))
    return [path for _, path in sorted(found)]


def latest_checkpoint(root: str | os.PathLike[str]) -> Path | None:
    """The highest complete version directory under ``root``, or None."""
    versions = list_checkpoints(root)
    return versions[-1] if versions else None


def save_checkpoint(
    root: str | os.PathLike[str],
    model: GaussianEnsemble,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``model`` as the next version ``<root>/v<N+1>`` and return that directory.

    ``meta`` (JSON-serialisable: e.g. training log figures, feature layout) is stored
    under the ``"meta"`` key of ``meta.json``.
    """
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    user_meta = dict(meta or {})
    json.dumps(user_meta)  # fail before writing anything if meta is not JSON
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=base))
    try:
        torch.save(model.state_dict(), staging / _WEIGHTS)
        for _ in range(100):  # another writer may take the same number: try the next
            version = _next_version(base)
            document = {
                "format": CHECKPOINT_FORMAT,
                "version": version,
                "created": time.time(),
                "model_class": type(model).__name__,
                "config": model.config(),
                "meta": user_meta,
            }
            (staging / _META).write_text(json.dumps(document, indent=2, sort_keys=True))
            target = base / f"v{version}"
            try:
                staging.rename(target)
            except OSError:
                if target.exists():
                    continue
                raise
            return target
        raise CheckpointError(f"could not claim a new version directory under {base}")
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def load_checkpoint(
    path: str | os.PathLike[str], map_location: str | torch.device = "cpu"
) -> tuple[GaussianEnsemble, dict[str, Any]]:
    """Rebuild the model saved in a version directory (or the latest under a root).

    Returns:
        ``(model, meta_document)`` where ``meta_document`` is the whole ``meta.json``
        (``version``, ``config``, ``meta``, ...). The model is in eval mode on
        ``map_location``.
    """
    directory = Path(path)
    if not (directory / _META).is_file():
        latest = latest_checkpoint(directory)
        if latest is None:
            raise CheckpointError(f"no checkpoint in {directory}: train a model first")
        directory = latest
    try:
        document = json.loads((directory / _META).read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"unreadable {directory / _META}: {exc}") from exc
    if document.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"{directory} has checkpoint format {document.get('format')!r}; this version "
            f"reads format {CHECKPOINT_FORMAT}"
        )
    if document.get("model_class") != GaussianEnsemble.__name__:
        raise CheckpointError(f"{directory} holds a {document.get('model_class')!r}")
    try:
        model = GaussianEnsemble(**document["config"], device=map_location)
        state = torch.load(directory / _WEIGHTS, map_location=map_location, weights_only=True)
        model.load_state_dict(state)
    except (
        OSError,
        EOFError,
        RuntimeError,
        KeyError,
        TypeError,
        ValueError,
        pickle.UnpicklingError,
    ) as exc:
        raise CheckpointError(f"cannot load the model in {directory}: {exc}") from exc
    model.eval()
    return model, document


def _next_version(base: Path) -> int:
    numbers = [
        int(match.group(1))
        for child in base.iterdir()
        if (match := _VERSION_DIR.match(child.name)) is not None
    ]
    return max(numbers, default=0) + 1
