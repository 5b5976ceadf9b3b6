"""An in-process LRU cache with per-entry TTL: the embedded default and the first level."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ._codec import check_key, check_ttl, decode_value, encode_value
from .base import ResultCache
from .exceptions import CacheConfigError, CacheValueError

__all__ = ["MemoryCache"]


class MemoryCache(ResultCache):
    """A bounded, least-recently-used cache held in this process.

    Every operation is O(1). Holds at most ``max_entries`` entries: storing one
    more evicts the least recently *used* entry (both ``get`` hits and ``set``
    count as use). An entry expires ``ttl`` seconds after it was set, as measured
    by ``clock`` (inject a fake clock in tests); expired entries are never
    returned and are dropped when next touched or evicted. Values are kept as
    JSON text, so cached values cannot be mutated through any reference.

    Each instance is its own namespace: ``clear`` empties this instance only.
    """

    def __init__(
        self,
        max_entries: int = 10_000,
        default_ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create an empty cache.

        Raises :class:`CacheConfigError` when ``max_entries`` is not a positive int
        or ``default_ttl`` is not ``None`` or a positive number of seconds.
        """
        super().__init__()
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise CacheConfigError(f"max_entries must be an int >= 1, got {max_entries!r}")
        try:
            self._default_ttl = check_ttl(default_ttl, name="default_ttl")
        except CacheValueError as exc:
            raise CacheConfigError(str(exc)) from exc
        self._max_entries = max_entries
        self._clock = clock
        # key -> (JSON text, expiry time on `clock` or None); order = recency, oldest first.
        self._entries: OrderedDict[str, tuple[str, float | None]] = OrderedDict()

    @property
    def max_entries(self) -> int:
        """The most entries this cache holds."""
        return self._max_entries

    @property
    def default_ttl(self) -> float | None:
        """Seconds an entry lives when ``set`` gets no ``ttl``; ``None``: forever."""
        return self._default_ttl

    def __len__(self) -> int:
        """Number of entries held, including expired ones not dropped yet."""
        return len(self._entries)

    async def get(self, key: str) -> dict[str, Any] | None:
        """Return a fresh copy of the live value under ``key`` and mark it used, or ``None``."""
        self._check_open()
        check_key(key)
        entry = self._entries.get(key)
        if entry is not None:
            raw, expires_at = entry
            if expires_at is None or self._clock() < expires_at:
                self._entries.move_to_end(key)
                self._stats.hits += 1
                return decode_value(raw)
            del self._entries[key]
        self._stats.misses += 1
        return None

    async def set(self, key: str, value: dict[str, Any], ttl: float | None = None) -> None:
        """Store a copy of ``value`` as the most recently used entry; evict the oldest if full."""
        self._check_open()
        check_key(key)
        raw = encode_value(value)
        ttl = check_ttl(ttl)
        if ttl is None:
            ttl = self._default_ttl
        expires_at = None if ttl is None else self._clock() + ttl
        self._entries[key] = (raw, expires_at)
        self._entries.move_to_end(key)
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        self._stats.sets += 1

    async def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        self._check_open()
        check_key(key)
        self._entries.pop(key, None)

    async def clear(self) -> None:
        """Remove every entry of this instance."""
        self._check_open()
        self._entries.clear()

    async def close(self) -> None:
        """Drop every entry and refuse further use; idempotent."""
        self._entries.clear()
        self._closed = True
