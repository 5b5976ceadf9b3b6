"""Errors raised by the ``cache`` package.

Every error the package raises derives from :class:`CacheError`, so a caller can
catch one type. An unreachable Redis is *not* an error here: the Redis backend
degrades to "no cache" and reports the outage through its stats and the
``fixstream.cache`` logger instead of raising.
"""

from __future__ import annotations

__all__ = [
    "CacheClosedError",
    "CacheConfigError",
    "CacheError",
    "CacheValueError",
]


class CacheError(Exception):
    """Base class of every error raised by the ``cache`` package."""


class CacheConfigError(CacheError, ValueError):
    """A cache was configured with an unusable URL, namespace, size or TTL."""


class CacheValueError(CacheError, TypeError):
    """A key, value, TTL or options mapping cannot be used.

    Values must be ``dict`` objects that encode as strict JSON (JSON types only,
    no NaN or infinity); keys must be non-empty strings.
    """


class CacheClosedError(CacheError, RuntimeError):
    """An operation was attempted on a cache after :meth:`close` was called."""
