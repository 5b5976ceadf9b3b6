"""A circuit breaker as plain logic: no I/O, no logging, an injectable clock."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["CircuitBreaker"]


class CircuitBreaker:
    """Decides whether to call a backend that may be down.

    While *closed* (healthy) every call is allowed. The first failure *opens* it:
    calls are refused for ``retry_after`` seconds, then exactly one call (the
    probe) is let through per ``retry_after`` period until one succeeds, which
    closes it again. So a dead backend costs one failed call per period, however
    many callers there are, and even if a probe is cancelled.
    """

    def __init__(self, retry_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._retry_after = retry_after
        self._clock = clock
        self._opened_at: float | None = None  # None while closed
        self._next_probe_at = 0.0

    @property
    def closed(self) -> bool:
        """Whether the backend is believed healthy."""
        return self._opened_at is None

    def allow(self) -> bool:
        """Return whether a call may go to the backend now (claims the probe if it is due)."""
        if self._opened_at is None:
            return True
        now = self._clock()
        if now < self._next_probe_at:
            return False
        self._next_probe_at = now + self._retry_after
        return True

    def record_failure(self) -> bool:
        """Note a failed call; return True when it opened the breaker (a new outage)."""
        now = self._clock()
        self._next_probe_at = now + self._retry_after
        if self._opened_at is not None:
            return False
        self._opened_at = now
        return True

    def record_success(self) -> float | None:
        """Note a successful call; return the outage's length in seconds if it just ended."""
        if self._opened_at is None:
            return None
        downtime = self._clock() - self._opened_at
        self._opened_at = None
        return downtime
