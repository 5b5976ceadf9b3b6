"""The one cache interface every backend implements, and its statistics."""

from __future__ import annotations

import abc
import dataclasses
from types import TracebackType
from typing import Any, Self

from .exceptions import CacheClosedError

__all__ = ["CacheStats", "ResultCache"]


@dataclasses.dataclass(slots=True)
class CacheStats:
    """Counters of one cache since it was created.

    ``hits + misses`` is the number of ``get`` calls: a ``get`` that found nothing
    because the backend failed or was skipped is a miss *and* an error or skip.
    """

    #: ``get`` calls that returned a value.
    hits: int = 0
    #: ``get`` calls that returned ``None``, for whatever reason.
    misses: int = 0
    #: Operations that failed against the backend (outage, timeout, corrupt entry).
    errors: int = 0
    #: Operations not attempted because the backend is known to be down.
    skipped: int = 0
    #: ``set`` calls that stored their value.
    sets: int = 0

    @property
    def lookups(self) -> int:
        """Number of ``get`` calls."""
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        """``hits / lookups``, or 0.0 before the first lookup."""
        return self.hits / self.lookups if self.lookups else 0.0

    def copy(self) -> CacheStats:
        """Return an independent snapshot of these counters."""
        return dataclasses.replace(self)


class ResultCache(abc.ABC):
    """An async key/value cache of fix results: ``str`` keys, JSON ``dict`` values.

    Promises shared by every backend:

    * ``get`` returns a new ``dict`` on each call, and ``set`` stores a copy, so
      neither the caller's later changes nor another caller's mutations of a
      returned value ever reach the cache;
    * values round-trip as JSON: non-``dict`` or non-JSON values raise
      :class:`~cache.exceptions.CacheValueError` before anything is stored;
    * ``ttl`` is in seconds; ``None`` means the backend's ``default_ttl`` (which
      may itself be ``None``: no expiry);
    * ``clear`` removes only this cache's entries (its namespace), never others';
    * a backend outage never raises: reads miss, writes are dropped, and the
      failure shows in :attr:`stats` and :attr:`healthy`;
    * after ``close``, operations raise :class:`~cache.exceptions.CacheClosedError`;
      ``close`` itself may be called any number of times.

    Instances are meant for one event loop and are not thread-safe.
    """

    def __init__(self) -> None:
        self._stats = CacheStats()
        self._closed = False

    @abc.abstractmethod
    async def get(self, key: str) -> dict[str, Any] | None:
        """Return a fresh copy of the value stored under ``key``, or ``None``."""

    @abc.abstractmethod
    async def set(self, key: str, value: dict[str, Any], ttl: float | None = None) -> None:
        """Store a copy of ``value`` under ``key`` for ``ttl`` seconds, replacing any old value."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove ``key``; deleting a missing key is not an error."""

    @abc.abstractmethod
    async def clear(self) -> None:
        """Remove every entry of this cache, and nothing outside its namespace."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the cache's resources; idempotent."""

    async def ping(self) -> bool:
        """Return whether the backend answers now. Never raises."""
        return not self._closed

    @property
    def healthy(self) -> bool:
        """Whether the backend is believed to be working (no outage in progress)."""
        return not self._closed

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    @property
    def stats(self) -> CacheStats:
        """A snapshot of this cache's counters."""
        return self._stats.copy()

    def _check_open(self) -> None:
        if self._closed:
            raise CacheClosedError(f"{type(self).__name__} is closed")

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
