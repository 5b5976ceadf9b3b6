"""The gateway's JSON protocol (version 1): parsing client messages, rendering replies.

The README documents it and :data:`PROTOCOL_SCHEMA` is its machine-readable summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PROTOCOL_VERSION",
    "ERROR_CODES",
    "CLIENT_TYPES",
    "ProtocolError",
    "ClientMessage",
    "parse_client_message",
    "render",
    "error_frame",
]

PROTOCOL_VERSION = 1

#: Message types a client may send.
CLIENT_TYPES = ("subscribe", "unsubscribe", "change", "feedback", "ping")

#: Error codes of ``error`` frames and what they mean.
ERROR_CODES = {
    "bad_json": "the message is not a JSON object",
    "too_large": "the message is over the gateway's size limit",
    "unknown_type": "the `type` is not one the gateway knows",
    "bad_request": "a field is missing or has the wrong type",
    "invalid_event": "the submitted change or feedback does not validate",
    "too_many_subscriptions": "the client has reached its subscription limit",
    "unknown_subscription": "no such subscription on this connection",
    "forbidden": "the client's token does not cover that repo",
    "unavailable": "Kafka did not accept the event; retry later",
    "internal": "an unexpected error in the gateway",
}


class ProtocolError(Exception):
    """A client message the gateway cannot act on; answered with an ``error`` frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ClientMessage:
    type: str
    id: str | None
    body: dict[str, Any]


def parse_client_message(text: str | bytes, max_bytes: int) -> ClientMessage:
    """Validate the envelope of one client message (its body is checked per type)."""
    if len(text) > max_bytes:
        raise ProtocolError("too_large", f"message is {len(text)} bytes, limit {max_bytes}")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError("bad_json", f"message is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_json", "message must be a JSON object")
    request_id = data.get("id")
    if request_id is not None and not isinstance(request_id, str | int):
        raise ProtocolError("bad_request", "`id` must be a string or a number")
    kind = data.get("type")
    if kind not in CLIENT_TYPES:
        raise ProtocolError("unknown_type",
                            f"unknown message type {kind!r}; expected one of {CLIENT_TYPES}")
    return ClientMessage(kind, None if request_id is None else str(request_id), data)


def render(kind: str, request_id: str | None = None, **fields: Any) -> str:
    """A server frame as JSON text."""
    frame: dict[str, Any] = {"type": kind}
    if request_id is not None:
        frame["id"] = request_id
    frame.update(fields)
    return json.dumps(frame, separators=(",", ":"))


def error_frame(error: ProtocolError, request_id: str | None = None) -> str:
    return render("error", request_id, code=error.code, message=error.message)


PROTOCOL_SCHEMA: dict[str, Any] = {
    "version": PROTOCOL_VERSION,
    "client": {
        "subscribe": {"repo": "string (`*`: every repo)", "paths": "list of globs (optional)",
                      "since": "position to resume after (optional)",
                      "recent": "number of the newest fixes in the history to send first "
                                "(optional; not with `since`)"},
        "unsubscribe": {"subscription": "string"},
        "change": {"change": "CodeChange"},
        "feedback": {"feedback": "Feedback"},
        "ping": {},
    },
    "server": {
        "welcome": {"protocol": "int", "client": "string"},
        "ack": {"id": "request id", "subscription|change_id|fix_id": "string"},
        "fix": {"position": "string", "subscriptions": "list", "result": "FixResult",
                "replayed": "true when sent from the history (optional)"},
        "pong": {"id": "request id"},
        "error": {"code": list(ERROR_CODES), "message": "string"},
    },
}
