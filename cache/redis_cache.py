"""The Redis backend: a shared result cache that degrades to "no cache" on outage.

Named ``redis_cache`` so that it never shadows the ``redis`` package.
"""

from __future__ import annotations

import enum
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

try:  # redis-py >= 7
    from redis.maint_notifications import MaintNotificationsConfig
except ImportError:  # pragma: no cover - older redis-py has no such feature
    MaintNotificationsConfig = None  # type: ignore[assignment,misc]

from ._breaker import CircuitBreaker
from ._codec import check_key, check_ttl, decode_value, encode_value
from .base import ResultCache
from .exceptions import CacheConfigError, CacheValueError

__all__ = ["DEFAULT_REDIS_URL", "RedisCache"]

logger = logging.getLogger("fixstream.cache")

#: Where :class:`RedisCache` looks when given no URL.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

_NAMESPACE = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
_SCAN_BATCH = 1000
# Everything a failing or unreachable server can raise through redis-py. asyncio's
# TimeoutError is the builtin one (an OSError subclass) on Python 3.11+.
_BACKEND_ERRORS = (RedisError, OSError)

_T = TypeVar("_T")


class _Unavailable(enum.Enum):
    """Result of a backend call that failed or was skipped by the breaker."""

    TOKEN = enum.auto()


_UNAVAILABLE = _Unavailable.TOKEN


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``, for logs and reprs."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
        netloc = f"{user}:***@{host}{port}"
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unparseable redis URL>"


def _check_db_path(url: str) -> None:
    # redis-py silently uses db 0 for a path like "/cache"; refuse it instead.
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise CacheConfigError(f"invalid Redis URL: {exc}") from exc
    db = parts.path.strip("/")
    if parts.scheme in ("redis", "rediss") and db and not db.isdigit():
        raise CacheConfigError(
            f"invalid Redis URL {redact_url(url)!r}: the path must be a database number, "
            "as in redis://host:6379/0"
        )


class RedisCache(ResultCache):
    """A :class:`~cache.base.ResultCache` stored in Redis, shared by every worker.

    Entries live under ``"{namespace}:result:{key}"`` as JSON text with a TTL set
    by the same ``SET ... PX`` command that writes them, so a ``get`` is exactly
    one round trip (``GET``) and a ``set`` exactly one (``SET``).

    **Outages never raise.** Any Redis or socket error (refused connection,
    timeout after ``socket_timeout`` seconds, server error) makes the operation
    a no-op: ``get`` returns ``None``, ``set``/``delete``/``clear`` do nothing.
    The first failure of an outage logs one warning on ``fixstream.cache``;
    after it, calls are skipped without touching the network for
    ``retry_after`` seconds, then one call per ``retry_after`` probes the server.
    The first success logs the recovery once. Failures count in
    ``stats.errors``, skipped calls in ``stats.skipped``.

    Connections are opened lazily on first use, so constructing a ``RedisCache``
    never blocks or fails because the server is down; call :meth:`ping` to check.
    """

    def __init__(
        self,
        url: str = DEFAULT_REDIS_URL,
        *,
        namespace: str = "fixstream",
        default_ttl: float | None = 3600,
        socket_timeout: float = 0.5,
        retry_after: float = 5.0,
        max_connections: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create a cache on the Redis server at ``url`` (``redis://``, ``rediss://``, ``unix://``).

        ``socket_timeout`` bounds both connecting and each reply; ``clock`` times
        the breaker (inject a fake one in tests). Raises :class:`CacheConfigError`
        for a malformed URL, a namespace outside ``[A-Za-z0-9_.-]{1,100}`` or a
        non-positive TTL, timeout or negative ``retry_after``.
        """
        super().__init__()
        if not isinstance(namespace, str) or not _NAMESPACE.fullmatch(namespace):
            raise CacheConfigError(
                f"namespace must be 1-100 characters from [A-Za-z0-9_.-], got {namespace!r}"
            )
        try:
            self._default_ttl = check_ttl(default_ttl, name="default_ttl")
            timeout = check_ttl(socket_timeout, name="socket_timeout")
        except CacheValueError as exc:
            raise CacheConfigError(str(exc)) from exc
        if isinstance(retry_after, bool) or not isinstance(retry_after, int | float):
            raise CacheConfigError(f"retry_after must be a number of seconds, got {retry_after!r}")
        if not math.isfinite(retry_after) or retry_after < 0:
            raise CacheConfigError(f"retry_after must be finite and >= 0, got {retry_after!r}")
        self._url = redact_url(url)
        _check_db_path(url)
        self._namespace = namespace
        self._prefix = f"{namespace}:result:"
        self._retry_after = float(retry_after)
        self._breaker = CircuitBreaker(self._retry_after, clock)
        options: dict[str, Any] = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            # No client-side retries: the breaker decides when to try again, and
            # redis-py's default backoff would stall the stream for seconds.
            "retry": Retry(NoBackoff(), 0),
            "max_connections": max_connections,
        }
        if MaintNotificationsConfig is not None:
            # With maintenance notifications on (redis-py's "auto" default under
            # RESP3) the pool stops discarding connections the server closed, so
            # the first command after a Redis restart would fail.
            options["maint_notifications_config"] = MaintNotificationsConfig(enabled=False)
        try:
            self._client: redis.asyncio.Redis = redis.asyncio.Redis.from_url(url, **options)
        except (ValueError, TypeError) as exc:
            raise CacheConfigError(
                f"invalid Redis URL {self._url!r}: {exc}; expected redis://host:port/db"
            ) from exc

    def __repr__(self) -> str:
        return f"RedisCache({self._url!r}, namespace={self._namespace!r})"

    @property
    def url(self) -> str:
        """The server URL, password redacted."""
        return self._url

    @property
    def namespace(self) -> str:
        """The namespace this cache's keys live in."""
        return self._namespace

    @property
    def default_ttl(self) -> float | None:
        """Seconds an entry lives when ``set`` gets no ``ttl``; ``None``: forever."""
        return self._default_ttl

    @property
    def healthy(self) -> bool:
        """False while an outage is in progress (since the last failure, until a success)."""
        return not self._closed and self._breaker.closed

    def redis_key(self, key: str) -> str:
        """Return the Redis key under which ``key`` is stored."""
        return self._prefix + check_key(key)

    async def get(self, key: str) -> dict[str, Any] | None:
        """Return a fresh copy of the value under ``key``; ``None`` on a miss or an outage."""
        self._check_open()
        name = self.redis_key(key)
        raw = await self._guarded(lambda: self._client.get(name))
        if raw is _UNAVAILABLE or raw is None:
            self._stats.misses += 1
            return None
        try:
            value = decode_value(raw)
        except CacheValueError as exc:
            self._stats.errors += 1
            self._stats.misses += 1
            logger.warning("Ignoring corrupt cache entry %s on %s: %s", name, self._url, exc)
            return None
        self._stats.hits += 1
        return value

    async def set(self, key: str, value: dict[str, Any], ttl: float | None = None) -> None:
        """Store a copy of ``value`` under ``key`` for ``ttl`` seconds; dropped on an outage."""
        self._check_open()
        name = self.redis_key(key)
        raw = encode_value(value)
        ttl = check_ttl(ttl)
        if ttl is None:
            ttl = self._default_ttl
        # Whole milliseconds, rounded up so a short TTL never becomes "no expiry".
        px = None if ttl is None else max(1, math.ceil(ttl * 1000))
        if await self._guarded(lambda: self._client.set(name, raw, px=px)) is not _UNAVAILABLE:
            self._stats.sets += 1

    async def delete(self, key: str) -> None:
        """Remove ``key``; does nothing on an outage."""
        self._check_open()
        name = self.redis_key(key)
        await self._guarded(lambda: self._client.unlink(name))

    async def clear(self) -> None:
        """Remove every key of this namespace (SCAN + UNLINK); does nothing on an outage.

        Keys outside ``"{namespace}:result:*"`` are never touched. Not atomic:
        entries written while it runs may survive.
        """
        self._check_open()
        await self._guarded(self._clear_namespace)

    async def _clear_namespace(self) -> int:
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self._prefix) + "*"
        removed = 0
        batch: list[bytes] = []
        async for name in self._client.scan_iter(match=pattern, count=_SCAN_BATCH):
            batch.append(name)
            if len(batch) >= _SCAN_BATCH:
                removed += await self._client.unlink(*batch)
                batch.clear()
        if batch:
            removed += await self._client.unlink(*batch)
        return removed

    async def ping(self) -> bool:
        """Return whether the server answers ``PING`` now, bypassing the breaker.

        A success ends an outage; a failure starts one. Never raises; False once closed.
        """
        if self._closed:
            return False
        try:
            await self._client.ping()
        except _BACKEND_ERRORS as exc:
            self._record_failure(exc)
            return False
        self._record_success()
        return True

    async def close(self) -> None:
        """Close the connection pool; idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._client.aclose()
        except _BACKEND_ERRORS as exc:  # closing a broken socket: nothing left to do
            logger.debug("Error while closing Redis cache at %s: %r", self._url, exc)

    async def _guarded(self, call: Callable[[], Awaitable[_T]]) -> _T | _Unavailable:
        """Run ``call`` unless the breaker says Redis is down; never raise a backend error."""
        if not self._breaker.allow():
            self._stats.skipped += 1
            return _UNAVAILABLE
        try:
            result = await call()
        except _BACKEND_ERRORS as exc:
            self._record_failure(exc)
            return _UNAVAILABLE
        self._record_success()
        return result

    def _record_failure(self, exc: BaseException) -> None:
        self._stats.errors += 1
        if self._breaker.record_failure():
            logger.warning(
                "Redis cache at %s failed (%s: %s); running without it, retrying every %gs",
                self._url,
                type(exc).__name__,
                exc,
                self._retry_after,
            )
        else:
            logger.debug("Redis cache at %s still failing: %r", self._url, exc)

    def _record_success(self) -> None:
        downtime = self._breaker.record_success()
        if downtime is not None:
            logger.info(
                "Redis cache at %s is back after %.1fs; using it again", self._url, downtime
            )
