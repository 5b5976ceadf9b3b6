"""Content-addressed cache keys.

A fix result depends only on the file's content, its language, the rule set
version and the fixer options, so that tuple *is* the key: every worker, on every
machine, computes the same key for the same input and shares one Redis entry.

The key scheme is part of the wire contract between workers. Changing the
encoding below changes every key (an instant, harmless cache flush); do it only
together with :data:`KEY_SCHEME`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .exceptions import CacheValueError

__all__ = ["KEY_SCHEME", "canonical_options", "content_hash", "content_key"]

#: Tag hashed into every key; bump it whenever the encoding below changes.
KEY_SCHEME = "fixstream.cache.key/1"


def _utf8(text: str) -> bytes:
    # "surrogatepass" keeps hashing total: a JSON event may carry a lone surrogate
    # ("\ud800"), which strict UTF-8 refuses. Valid text encodes exactly as UTF-8.
    return text.encode("utf-8", "surrogatepass")


def content_hash(content: str) -> str:
    """Return the SHA-256 of ``content`` encoded as UTF-8, as 64 lowercase hex digits.

    Lone surrogates, which UTF-8 cannot encode, are hashed in their
    ``surrogatepass`` form instead of raising.
    """
    return hashlib.sha256(_utf8(content)).hexdigest()


def canonical_options(options: Mapping[str, Any] | None) -> str:
    """Return ``options`` as canonical JSON: sorted keys, no whitespace, strict.

    ``None`` and an empty mapping are the same options (``"{}"``). Two mappings
    with equal contents give the same text whatever their insertion order,
    nested mappings included. Raises :class:`CacheValueError` when the options
    are not a mapping or are not JSON-serialisable.
    """
    if options is None:
        return "{}"
    if not isinstance(options, Mapping):
        raise CacheValueError(f"options must be a mapping or None, got {type(options).__name__}")
    try:
        return json.dumps(
            dict(options),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        raise CacheValueError(f"options are not JSON-serialisable: {exc}") from exc


def content_key(
    content: str,
    *,
    language: str,
    ruleset_version: str,
    options: Mapping[str, Any] | None = None,
) -> str:
    """Return the cache key of a fix result: 64 lowercase hex digits.

    The key is stable (same inputs give the same key in every process, on every
    machine, in every release with the same :data:`KEY_SCHEME`) and changes when
    any one of ``content``, ``language``, ``ruleset_version`` or ``options``
    changes. The order of keys inside ``options`` does not matter, and
    ``options=None`` equals ``options={}``. Fields are length-prefixed, so moving
    text from one field to the next (``("ab", "c")`` vs ``("a", "bc")``) changes
    the key. Raises :class:`CacheValueError` for options that are not JSON.
    """
    for name, field in (("language", language), ("ruleset_version", ruleset_version)):
        if not isinstance(field, str):
            raise CacheValueError(f"{name} must be a str, got {type(field).__name__}")
    if not isinstance(content, str):
        raise CacheValueError(f"content must be a str, got {type(content).__name__}")
    digest = hashlib.sha256()
    for field in (KEY_SCHEME, language, ruleset_version, canonical_options(options), content):
        data = _utf8(field)
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()
