"""Two caches in front of each other: a per-process first level before a shared one."""

from __future__ import annotations

from typing import Any

from .base import CacheStats, ResultCache

__all__ = ["TieredCache"]


class TieredCache(ResultCache):
    """A fast, private ``first`` level (usually :class:`~cache.memory.MemoryCache`)
    in front of a shared ``second`` level (usually :class:`~cache.redis_cache.RedisCache`).

    ``get`` asks ``first``, then ``second``, copying a ``second``-level hit into
    ``first``; ``set`` and ``delete`` go to both. A ``first``-level entry can
    outlive a deletion made by *another* process in ``second``; that is safe for
    content-addressed keys, whose value never changes, and is bounded by
    ``first``'s TTL. The tiered cache owns both levels: ``clear`` and ``close``
    apply to both, so ``first`` must not be shared with anything else.

    ``stats`` counts hits (at either level), misses (at both) and sets of the
    tiered cache itself, plus the errors and skips of both levels.
    """

    def __init__(self, first: ResultCache, second: ResultCache) -> None:
        super().__init__()
        self._first = first
        self._second = second

    def __repr__(self) -> str:
        return f"TieredCache({self._first!r}, {self._second!r})"

    @property
    def first(self) -> ResultCache:
        """The level asked first."""
        return self._first

    @property
    def second(self) -> ResultCache:
        """The level behind it."""
        return self._second

    @property
    def healthy(self) -> bool:
        """Whether both levels are healthy."""
        return not self._closed and self._first.healthy and self._second.healthy

    @property
    def stats(self) -> CacheStats:
        """Hits, misses and sets of this cache; errors and skips of both levels."""
        stats = self._stats.copy()
        for level in (self._first.stats, self._second.stats):
            stats.errors += level.errors
            stats.skipped += level.skipped
        return stats

    async def get(self, key: str) -> dict[str, Any] | None:
        """Return the value from ``first``, else from ``second`` (then kept in ``first``)."""
        self._check_open()
        value = await self._first.get(key)
        if value is None:
            value = await self._second.get(key)
            if value is not None:
                await self._first.set(key, value)
        if value is None:
            self._stats.misses += 1
        else:
            self._stats.hits += 1
        return value

    async def set(self, key: str, value: dict[str, Any], ttl: float | None = None) -> None:
        """Store ``value`` in both levels with the same ``ttl``."""
        self._check_open()
        await self._first.set(key, value, ttl)
        await self._second.set(key, value, ttl)
        self._stats.sets += 1

    async def delete(self, key: str) -> None:
        """Remove ``key`` from both levels."""
        self._check_open()
        await self._first.delete(key)
        await self._second.delete(key)

    async def clear(self) -> None:
        """Clear both levels (each within its own namespace)."""
        self._check_open()
        await self._first.clear()
        await self._second.clear()

    async def ping(self) -> bool:
        """Return whether both levels answer now. Never raises."""
        if self._closed:
            return False
        return await self._first.ping() and await self._second.ping()

    async def close(self) -> None:
        """Close both levels; idempotent."""
        self._closed = True
        try:
            await self._first.close()
        finally:
            await self._second.close()
