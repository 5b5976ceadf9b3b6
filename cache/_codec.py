"""How keys, values and TTLs are checked and encoded, shared by every backend.

All backends store the same JSON text, so a value read back is a fresh object
with the same contents whatever the backend, and a value that one backend accepts
is accepted by all of them. Values round-trip the way JSON does: tuples come back
as lists and non-string dict keys (ints, floats, bools, None) as strings.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .exceptions import CacheValueError

__all__ = ["check_key", "check_ttl", "decode_value", "encode_value"]


def check_key(key: object) -> str:
    """Return ``key`` if it is a non-empty ``str``; raise :class:`CacheValueError` otherwise."""
    if not isinstance(key, str) or not key:
        raise CacheValueError(f"cache keys must be non-empty strings, got {key!r}")
    return key


def check_ttl(ttl: float | None, *, name: str = "ttl") -> float | None:
    """Return ``ttl`` if it is ``None`` or a finite number of seconds greater than zero.

    Raises :class:`CacheValueError` for anything else (zero, negative, NaN, infinity,
    non-numbers): "expire immediately" is spelled ``delete``.
    """
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, int | float):
        raise CacheValueError(f"{name} must be a number of seconds or None, got {ttl!r}")
    if not math.isfinite(ttl) or ttl <= 0:
        raise CacheValueError(f"{name} must be finite and greater than 0 seconds, got {ttl!r}")
    return float(ttl)


def encode_value(value: object) -> str:
    """Encode a cache value as compact, strict, ASCII-only JSON text.

    Raises :class:`CacheValueError` when ``value`` is not a ``dict`` or holds
    something strict JSON cannot represent (NaN, infinity, sets, bytes, objects...).
    """
    if not isinstance(value, dict):
        raise CacheValueError(f"cache values must be dicts, got {type(value).__name__}")
    try:
        # ASCII output: lone surrogates (legal in a JSON event) survive every backend.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CacheValueError(f"cache value is not JSON-serialisable: {exc}") from exc


def decode_value(raw: str | bytes) -> dict[str, Any]:
    """Decode text written by :func:`encode_value` into a new ``dict``.

    Raises :class:`CacheValueError` when ``raw`` is not JSON text of an object
    (a corrupt or foreign entry).
    """
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CacheValueError(f"cached entry is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise CacheValueError(f"cached entry is not a JSON object: {type(value).__name__}")
    return value
