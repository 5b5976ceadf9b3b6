"""Errors raised by :mod:`models`.

Every error that crosses out of this package is a :class:`ModelError`, so callers
(the stream workers) can catch one type and fall back to the safe plan.
"""

from __future__ import annotations

__all__ = [
    "CheckpointError",
    "ModelError",
    "ModelNotAvailable",
    "ModelNotTrained",
    "ReplayBufferError",
]


class ModelError(Exception):
    """Base class of every error raised by :mod:`models`."""


class ModelNotAvailable(ModelError):
    """The requested encoder (or the bundled default) cannot be found locally."""


class ModelNotTrained(ModelError):
    """A model was used for prediction before it was fitted to any data."""


class CheckpointError(ModelError):
    """A checkpoint directory is missing, incomplete or of an unknown format."""


class ReplayBufferError(ModelError):
    """A replay buffer file is unreadable or does not match the buffer's layout."""
