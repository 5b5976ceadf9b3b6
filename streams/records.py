"""Versioned event schemas, as JSON on the wire.

``CodeChange`` enters on ``fixstream.changes``, ``FixResult`` leaves on ``fixstream.fixes``,
``Feedback`` arrives on ``fixstream.feedback``; ``EncodedChange`` and ``PlannedChange``
travel between the stages. Every record carries ``schema_version``: a reader rejects a
version it does not know rather than guess, and the event goes to the dead-letter topic.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .exceptions import InvalidEvent

__all__ = [
    "SCHEMA_VERSION",
    "CodeChange",
    "EncodedChange",
    "PlannedChange",
    "Plan",
    "FixResult",
    "Feedback",
    "DeadLetter",
    "parse_change",
    "parse_record",
    "change_key",
]

SCHEMA_VERSION = 1

RuleSelection = list[str] | dict[str, Any] | None


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: int = SCHEMA_VERSION

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(
                f"unsupported schema_version {value}: this worker reads version {SCHEMA_VERSION}"
            )
        return value

    def to_bytes(self) -> bytes:
        """The record as compact UTF-8 JSON."""
        return self.model_dump_json(exclude_none=False).encode()


class CodeChange(_Record):
    """One revision of one file, as an editor, change feed or CI job publishes it."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1, max_length=200)
    repo: str = Field(min_length=1, max_length=500)
    path: str = Field(min_length=1, max_length=4096)
    revision: int = Field(ge=0)
    language: str | None = None
    content: str
    rules: RuleSelection = None
    client: str | None = None
    timestamp: float = Field(default_factory=time.time)

    @property
    def key(self) -> str:
        return change_key(self.repo, self.path)


class Plan(BaseModel):
    """Which rules to apply, in order, and who decided it."""

    model_config = ConfigDict(frozen=True)

    source: Literal["model", "greedy", "cache"]
    rules: list[str]
    uncertainty: float | None = None
    reason: str | None = None
    #: What the planner had of the change's embedding: ``used`` (it was ready in
    #: time), ``late`` (the encoder had not finished: planned without it), ``off``
    #: (no encoder), ``failed``, ``ignored`` (ready, but the planner's state has no
    #: slot for it); None from workers that predate the encoder.
    embedding: str | None = None


class EncodedChange(_Record):
    """A change with its state features (and embedding, when one was ready in time)."""

    change: CodeChange
    features: dict[str, float]
    problems: dict[str, int]
    embedding: list[float] | None = None
    #: Why ``embedding`` is what it is (see :attr:`Plan.embedding`).
    embedding_status: str | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)


class PlannedChange(_Record):
    """An encoded change with the plan the fix stage executes (and the embedding the
    plan was made with, which execution and its recorded transitions use too)."""

    change: CodeChange
    features: dict[str, float]
    problems: dict[str, int]
    plan: Plan
    embedding: list[float] | None = None
    timings_ms: dict[str, float] = Field(default_factory=dict)


class FixResult(_Record):
    """The outcome of fixing one change: what a subscriber receives."""

    change_id: str
    repo: str
    path: str
    revision: int
    language: str
    content_hash: str
    ruleset_version: str
    edits: list[dict[str, Any]]
    fixed_content: str
    applied: list[dict[str, Any]]
    remaining: list[dict[str, Any]]
    plan: Plan
    timings_ms: dict[str, float]
    cache_hit: bool = False
    client: str | None = None
    produced_at: float = Field(default_factory=time.time)

    @property
    def changed(self) -> bool:
        return bool(self.edits)


class Feedback(_Record):
    """A subscriber's verdict on one applied fix."""

    fix_id: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    verdict: Literal["accept", "reject"]
    repo: str | None = None
    path: str | None = None
    client: str | None = None
    timestamp: float = Field(default_factory=time.time)


class DeadLetter(_Record):
    """An event that could not be processed, kept whole with the reason."""

    reason: str
    stage: str
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    payload_b64: str
    failed_at: float = Field(default_factory=time.time)

    @classmethod
    def for_payload(cls, payload: bytes | None, reason: str, **where: Any) -> DeadLetter:
        return cls(
            reason=reason, payload_b64=base64.b64encode(payload or b"").decode(), **where
        )

    @property
    def payload(self) -> bytes:
        return base64.b64decode(self.payload_b64)


R = TypeVar("R", bound=_Record)


def change_key(repo: str, path: str) -> str:
    """The partitioning key: every revision of one file lands on one partition, in order."""
    return f"{repo}:{path}"


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "event"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def parse_record(payload: bytes | str, model: type[R], *, max_bytes: int) -> R:
    """Decode and validate one record, or raise :class:`InvalidEvent` with a clear reason."""
    if isinstance(payload, bytes):
        if len(payload) > max_bytes:
            raise InvalidEvent(f"event is {len(payload)} bytes, over the limit of {max_bytes}")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEvent(f"event is not valid UTF-8 (byte {exc.start})") from None
    else:
        text = payload
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEvent(f"event is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise InvalidEvent(f"event must be a JSON object, got {type(data).__name__}")
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise InvalidEvent(
            f"unsupported schema_version {version!r}: this worker reads version {SCHEMA_VERSION}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidEvent(f"invalid {model.__name__}: {_describe(exc)}") from None


def parse_change(payload: bytes | str, *, max_content_bytes: int) -> CodeChange:
    """A validated :class:`CodeChange`; content over ``max_content_bytes`` is rejected."""
    # Allow room for the envelope and JSON escaping around the content itself.
    change = parse_record(payload, CodeChange, max_bytes=max_content_bytes * 6 + 65536)
    try:
        size = len(change.content.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidEvent("content is not valid Unicode (an unpaired surrogate)") from None
    if size > max_content_bytes:
        raise InvalidEvent(
            f"content is {size} bytes, over the limit of {max_content_bytes} "
            "(raise FIXSTREAM_MAX_CONTENT_BYTES to accept larger files)"
        )
    return change
