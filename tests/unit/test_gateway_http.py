import json

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Request

from streams.gateway.auth import issue_token
from streams.gateway.http import PROMETHEUS_CONTENT_TYPE, needs_access, respond, static_asset
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.server import GatewayServer
from streams.settings import Settings

KEY = "http-test-key-0123456789"


def get(path: str, **headers: str):
    metrics = GatewayMetrics(lambda: 100.0)
    metrics.observe_fix({"change_id": "x", "repo": "r", "path": "a.js",
                         "applied": [{"rule": "prefer-const"}], "timings_ms": {"total": 2.0}})
    return respond(Request(path, Headers(headers)), metrics,
                   lambda: {"status": "ok", "clients": 0, "published": 1})


def test_websocket_upgrades_go_on_to_the_handshake():
    assert get("/", Upgrade="websocket", Connection="Upgrade") is None
    assert get("/anything", Upgrade="WebSocket") is None


@pytest.mark.parametrize("path", ["/", "/dashboard", "/dashboard/", "/?token=abc"])
def test_the_dashboard_page(path):
    response = get(path)
    assert response is not None and response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"/static/dashboard.js" in response.body
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert int(response.headers["Content-Length"]) == len(response.body)


@pytest.mark.parametrize(("name", "content_type"), [
    ("dashboard.js", "text/javascript; charset=utf-8"),
    ("dashboard.css", "text/css; charset=utf-8"),
    ("favicon.svg", "image/svg+xml"),
])
def test_assets_with_their_content_types(name, content_type):
    response = get(f"/static/{name}")
    assert response is not None and response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["../settings.py", "..%2fsettings.py", "%2e%2e/records.py",
                                  ".hidden.js", "sub/dashboard.js", "nope.js", "dashboard",
                                  "dashboard.py", "", "..", "a..js"])
def test_nothing_outside_the_asset_folder(name):
    assert static_asset(name) is None
    response = get(f"/static/{name}")
    assert response is not None and response.status_code == 404


def test_no_external_references_in_the_page():
    for name in ("dashboard.html", "dashboard.js", "dashboard.css"):
        found = static_asset(name)
        assert found is not None
        text = found[0].decode()
        assert "http://" not in text and "https://" not in text, name
        assert "@import" not in text and "//cdn" not in text, name


def test_metrics_json_and_prometheus():
    response = get("/api/metrics")
    assert response is not None and response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body)["rules"][0]["rule"] == "prefer-const"
    response = get("/metrics")
    assert response is not None and response.headers["Content-Type"] == PROMETHEUS_CONTENT_TYPE
    assert b'fixstream_fixes_total{rule="prefer-const"} 1' in response.body


def test_health_and_unknown_paths():
    response = get("/healthz")
    assert response is not None and json.loads(response.body)["status"] == "ok"
    response = get("/nowhere")
    assert response is not None and response.status_code == 404


# -- who may read the numbers: /metrics and /api/* ---------------------------------------------
class _Peer:
    """What the server reads of a connection during the HTTP part of the handshake."""

    def __init__(self, host: str) -> None:
        self.remote_address = (host, 40000)


def _server(key: str | None) -> GatewayServer:
    return GatewayServer(Settings(redis_url=None, gateway_token_key=key))  # type: ignore[arg-type]


def _status(server: GatewayServer, host: str, path: str, **headers: str) -> int:
    response = server._http(_Peer(host), Request(path, Headers(headers)))  # type: ignore[arg-type]
    assert response is not None
    return response.status_code


@pytest.mark.parametrize("path", ["/metrics", "/api/metrics"])
def test_numbers_need_a_token_off_loopback_when_a_key_is_set(path):
    server = _server(KEY)
    good = issue_token(KEY, read=["web"], ttl_s=60)
    assert _status(server, "127.0.0.1", path) == 200, "loopback scrapes need nothing"
    assert _status(server, "::1", path) == 200
    response = server._http(_Peer("10.1.2.3"), Request(path, Headers()))  # type: ignore[arg-type]
    assert response is not None and response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _status(server, "10.1.2.3", path, Authorization=f"Bearer {good}") == 200
    assert _status(server, "10.1.2.3", f"{path}?token={good}") == 200
    forged = issue_token("another-key", read=["*"])
    assert _status(server, "10.1.2.3", path, Authorization=f"Bearer {forged}") == 401
    expired = issue_token(KEY, read=["*"], ttl_s=-60)
    assert _status(server, "10.1.2.3", path, Authorization=f"Bearer {expired}") == 401


def test_without_a_key_the_numbers_answer_loopback_only():
    server = _server(None)
    assert _status(server, "127.0.0.1", "/metrics") == 200
    assert _status(server, "10.1.2.3", "/metrics") == 403
    assert _status(server, "10.1.2.3", "/api/metrics") == 403


@pytest.mark.parametrize("path", ["/", "/static/dashboard.js", "/healthz"])
def test_the_page_its_assets_and_health_stay_open(path):
    assert _status(_server(KEY), "10.1.2.3", path) == 200


def test_needs_access():
    assert needs_access("/metrics") and needs_access("/api/metrics") and needs_access("/api/x")
    assert not needs_access("/") and not needs_access("/static/dashboard.js")
    assert not needs_access("/healthz") and not needs_access("/metricsx")
