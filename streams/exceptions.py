"""Errors of the streaming layer, each with a message that says what to do."""

from __future__ import annotations

__all__ = ["FixstreamError", "InvalidEvent", "BrokerUnavailable", "EmbeddedBrokerError"]


class FixstreamError(Exception):
    """Base class of every error raised by ``streams``."""


class InvalidEvent(FixstreamError):
    """An event that cannot be processed; it goes to the dead-letter topic with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BrokerUnavailable(FixstreamError):
    """Kafka does not answer at the configured address."""


class EmbeddedBrokerError(FixstreamError):
    """The embedded (Tansu) broker could not be started."""
