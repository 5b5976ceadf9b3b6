"""Plain HTTP on the gateway's port: health, the dashboard, its assets and the metrics.

The WebSocket server hands every handshake request to :func:`respond` first; it answers
ordinary GET requests and lets WebSocket upgrades through (``None``), so the dashboard, its
API and its socket share one address. Assets ship in the package (``streams/static``) and
are read with :mod:`importlib.resources`: no build step, nothing fetched at run time.
"""

from __future__ import annotations

import http
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from .metrics import GatewayMetrics

__all__ = ["CONTENT_TYPES", "PROMETHEUS_CONTENT_TYPE", "needs_access", "refused", "respond",
           "static_asset"]

#: Content types of the assets the gateway serves; other extensions are not served.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# One flat folder: a name is letters, digits, '.', '_' and '-', never starting with a dot.
_ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

# The page loads only its own assets and talks only to its own origin (HTTP and WebSocket).
_DASHBOARD_POLICY = ("default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                     "style-src 'self'; script-src 'self'; base-uri 'none'; "
                     "frame-ancestors 'none'; form-action 'none'")


def static_asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and content type of ``streams/static/<name>``, or None (also for any
    name that could leave the folder)."""
    if not _ASSET_NAME.fullmatch(name) or ".." in name:
        return None
    suffix = name[name.rfind("."):] if "." in name else ""
    content_type = CONTENT_TYPES.get(suffix)
    if content_type is None:
        return None
    asset = resources.files("streams").joinpath("static").joinpath(name)
    if not asset.is_file():
        return None
    return asset.read_bytes(), content_type


def needs_access(path: str) -> bool:
    """Whether ``path`` serves the gateway's numbers (``/metrics``, ``/api/*``): from other
    hosts than loopback those need a token (the page and its assets carry no data)."""
    return path == "/metrics" or path.startswith("/api/")


def refused(status: http.HTTPStatus, message: str) -> Response:
    """A JSON refusal; 401 asks for a bearer token."""
    body = json.dumps({"error": status.phrase.lower(), "message": message}).encode()
    extra = ({"WWW-Authenticate": 'Bearer realm="fixstream"'}
             if status == http.HTTPStatus.UNAUTHORIZED else None)
    return _reply(status, body, "application/json", extra)


def respond(request: Request, metrics: GatewayMetrics,
            health: Callable[[], dict[str, Any]]) -> Response | None:
    """The answer to a plain GET, or None to go on with a WebSocket handshake."""
    if "websocket" in request.headers.get("Upgrade", "").lower():
        return None
    path = request.path.split("?", 1)[0]
    if path == "/healthz":
        return _json(health())
    if path in ("/", "/dashboard", "/dashboard/"):
        page = static_asset("dashboard.html")
        if page is None:
            return _text(http.HTTPStatus.NOT_FOUND, "the dashboard is not installed\n")
        return _reply(http.HTTPStatus.OK, page[0], page[1], {
            "Content-Security-Policy": _DASHBOARD_POLICY,
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        })
    if path.startswith("/static/"):
        found = static_asset(path[len("/static/"):])
        if found is None:
            return _text(http.HTTPStatus.NOT_FOUND, "no such asset\n")
        return _reply(http.HTTPStatus.OK, found[0], found[1], {"Cache-Control": "no-cache"})
    if path == "/api/metrics":
        return _json(metrics.snapshot())
    if path == "/metrics":
        return _reply(http.HTTPStatus.OK, metrics.prometheus().encode(),
                      PROMETHEUS_CONTENT_TYPE)
    if path == "/favicon.ico":
        icon = static_asset("favicon.svg")
        if icon is not None:
            return _reply(http.HTTPStatus.OK, icon[0], icon[1])
    return _text(http.HTTPStatus.NOT_FOUND,
                 "not found: the gateway serves /, /static/*, /api/metrics, /metrics, "
                 "/healthz and WebSocket connections\n")


def _json(payload: Any) -> Response:
    return _reply(http.HTTPStatus.OK, json.dumps(payload, separators=(",", ":")).encode(),
                  "application/json")


def _text(status: http.HTTPStatus, text: str) -> Response:
    return _reply(status, text.encode(), "text/plain; charset=utf-8")


def _reply(status: http.HTTPStatus, body: bytes, content_type: str,
           extra: dict[str, str] | None = None) -> Response:
    headers = Headers({
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    })
    for name, value in (extra or {}).items():
        if name in headers:
            del headers[name]
        headers[name] = value
    return Response(status.value, status.phrase, headers, body)
