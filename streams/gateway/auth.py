"""Signed access tokens for the gateway (JWT, HMAC-SHA2).

A token names the repos its holder may read (receive fixes of) and write (submit changes
for). Repo entries are globs: ``"web"``, ``"team-*"``, ``"*"`` for all. The gateway checks
the signature, the algorithm, ``exp`` and ``nbf``; anything else is refused.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["ALGORITHMS", "TokenError", "Grant", "LOOPBACK_GRANT", "issue_token",
           "verify_token", "is_loopback", "request_token"]

ALGORITHMS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


class TokenError(Exception):
    """A token that is missing, malformed, forged, expired or not yet valid."""


@dataclass(frozen=True, slots=True)
class Grant:
    """What one client may do: read and write repo globs, and who it is."""

    read: tuple[str, ...]
    write: tuple[str, ...]
    subject: str | None = None
    expires_at: float | None = None

    def can_read(self, repo: str) -> bool:
        return _allowed(self.read, repo)

    def can_write(self, repo: str) -> bool:
        return _allowed(self.write, repo)


#: Without a configured key the gateway serves loopback clients only, with full rights.
LOOPBACK_GRANT = Grant(read=("*",), write=("*",), subject="loopback")


def _allowed(globs: Iterable[str], repo: str) -> bool:
    # "*" in a token covers a "*" (every repo) subscription; other globs only real repos.
    return any(g == "*" or (repo != "*" and fnmatch.fnmatchcase(repo, g)) for g in globs)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise TokenError("token is not base64url") from None


def issue_token(key: str | bytes, *, read: Iterable[str], write: Iterable[str] = (),
                subject: str | None = None, ttl_s: float | None = 3600.0,
                algorithm: str = "HS256", now: float | None = None) -> str:
    """A signed token granting ``read`` and ``write`` repo globs for ``ttl_s`` seconds."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported algorithm {algorithm!r}; use one of {list(ALGORITHMS)}")
    issued = time.time() if now is None else now
    claims: dict[str, Any] = {"iat": int(issued), "read": list(read), "write": list(write)}
    if subject is not None:
        claims["sub"] = subject
    if ttl_s is not None:
        claims["exp"] = int(issued + ttl_s)
    header = _b64(json.dumps({"alg": algorithm, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    secret = key.encode() if isinstance(key, str) else key
    signature = hmac.new(secret, signing_input, ALGORITHMS[algorithm]).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def verify_token(token: str, key: str | bytes, *, algorithms: Iterable[str] = ("HS256",),
                 now: float | None = None, leeway_s: float = 5.0) -> Grant:
    """The grant a valid token carries; :class:`TokenError` for anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("token must have three dot-separated parts")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TokenError("token header or claims are not JSON") from None
    if not isinstance(header, Mapping) or not isinstance(claims, Mapping):
        raise TokenError("token header and claims must be JSON objects")
    algorithm = header.get("alg")
    allowed = tuple(algorithms)
    if algorithm not in allowed or algorithm not in ALGORITHMS:
        raise TokenError(f"token algorithm {algorithm!r} is not accepted (allowed: {allowed})")
    secret = key.encode() if isinstance(key, str) else key
    expected = hmac.new(secret, f"{parts[0]}.{parts[1]}".encode(),
                        ALGORITHMS[algorithm]).digest()
    if not hmac.compare_digest(expected, _unb64(parts[2])):
        raise TokenError("token signature does not match")
    current = time.time() if now is None else now
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if exp is not None and (not isinstance(exp, int | float) or current > exp + leeway_s):
        raise TokenError("token has expired")
    if nbf is not None and (not isinstance(nbf, int | float) or current < nbf - leeway_s):
        raise TokenError("token is not valid yet")
    read, write = claims.get("read", []), claims.get("write", [])
    if not _str_list(read) or not _str_list(write):
        raise TokenError("token claims `read` and `write` must be lists of repo globs")
    subject = claims.get("sub")
    return Grant(read=tuple(read), write=tuple(write),
                 subject=subject if isinstance(subject, str) else None,
                 expires_at=float(exp) if isinstance(exp, int | float) else None)


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses."""
    if not host:
        return False
    host = host.removeprefix("::ffff:")
    return host == "::1" or host.startswith("127.") or host == "localhost"


def request_token(authorization: str | None, target: str) -> str | None:
    """The token of an HTTP request: ``Authorization: Bearer <token>``, else the ``token``
    query parameter of ``target`` (browsers cannot set headers on a WebSocket)."""
    header = authorization or ""
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    tokens = parse_qs(urlsplit(target).query).get("token")
    return tokens[0] if tokens and tokens[0] else None
