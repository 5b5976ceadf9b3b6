import json

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Request

from streams.gateway.http import PROMETHEUS_CONTENT_TYPE, respond, static_asset
from streams.gateway.metrics import GatewayMetrics


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
