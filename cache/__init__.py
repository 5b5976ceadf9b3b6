"""Result cache: one async interface, an in-memory and a Redis backend.

Keys are content-addressed (:func:`content_key`): the same file content,
language, rule set version and options give the same key on every worker, so
a result computed once is reused everywhere. Redis is the shared production
store; :class:`MemoryCache` is the embedded default and the per-process first
level in front of Redis. A Redis outage degrades to "no cache", never to an
error in the stream.

Typical use::

    cache = open_cache(settings.redis_url, namespace="fixstream", default_ttl=3600)
    async with cache:
        key = content_key(text, language="typescript", ruleset_version=RULESET)
        result = await cache.get(key)
        if result is None:
            result = compute(...)
            await cache.set(key, result)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .base import CacheStats, ResultCache
from .exceptions import CacheClosedError, CacheConfigError, CacheError, CacheValueError
from .keys import KEY_SCHEME, canonical_options, content_hash, content_key
from .memory import MemoryCache
from .redis_cache import DEFAULT_REDIS_URL, RedisCache
from .tiered import TieredCache

__all__ = [
    "DEFAULT_REDIS_URL",
    "KEY_SCHEME",
    "CacheClosedError",
    "CacheConfigError",
    "CacheError",
    "CacheStats",
    "CacheValueError",
    "MemoryCache",
    "RedisCache",
    "ResultCache",
    "TieredCache",
    "canonical_options",
    "content_hash",
    "content_key",
    "open_cache",
]

_MEMORY_URLS = frozenset({"", "memory:", "memory://"})
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def open_cache(
    url: str | None,
    *,
    namespace: str = "fixstream",
    default_ttl: float | None = 3600.0,
    max_entries: int = 10_000,
    socket_timeout: float = 0.5,
    retry_after: float = 5.0,
    max_connections: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ResultCache:
    """Build the cache a URL names, from one set of settings that fits every backend.

    * ``None``, ``""`` or ``"memory://"``: a :class:`MemoryCache` of ``max_entries``
      entries. The Redis-only settings (``namespace``, ``socket_timeout``,
      ``retry_after``, ``max_connections``) are ignored: an in-process cache is
      private to its instance.
    * ``"redis://host:port/db"`` (also ``rediss://``, ``unix://``): a
      :class:`TieredCache` of a :class:`MemoryCache` of ``max_entries`` entries
      (the per-process first level) in front of a :class:`RedisCache` in
      ``namespace``; both levels use ``default_ttl``. ``max_entries=0`` gives the
      :class:`RedisCache` alone.

    ``clock`` times TTLs of the in-memory cache and the Redis outage breaker.
    Nothing is connected here: Redis is reached on first use, and an unreachable
    Redis degrades to the first level (see :class:`RedisCache`), so building the
    cache never fails because Redis is down. To use Redis only "when one
    answers", ``await cache.ping()`` and fall back to ``open_cache(None)``.
    Raises :class:`CacheConfigError` for an unknown URL scheme or invalid settings.
    """
    if url is None or url.strip() in _MEMORY_URLS:
        return MemoryCache(max_entries=max_entries, default_ttl=default_ttl, clock=clock)
    if url.startswith(_REDIS_SCHEMES):
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 0:
            raise CacheConfigError(f"max_entries must be an int >= 0, got {max_entries!r}")
        second = RedisCache(
            url,
            namespace=namespace,
            default_ttl=default_ttl,
            socket_timeout=socket_timeout,
            retry_after=retry_after,
            max_connections=max_connections,
            clock=clock,
        )
        if max_entries == 0:
            return second
        first = MemoryCache(max_entries=max_entries, default_ttl=default_ttl, clock=clock)
        return TieredCache(first, second)
    scheme = url.split("://", 1)[0] if "://" in url else url
    raise CacheConfigError(
        f"unsupported cache URL scheme {scheme!r}: use memory:// or redis://host:port/db"
    )
