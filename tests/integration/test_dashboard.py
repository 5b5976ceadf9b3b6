"""The dashboard in headless Chromium against a real worker, gateway, Kafka and Redis.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the ``playwright`` Python
package (its bundled driver only; no browser download). Without them the test is skipped,
or fails under ``FIXSTREAM_REQUIRE_SERVICES=1``. The screenshots land in
``test-artifacts/``.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from streams.client import Subscriber

from .conftest import KAFKA, REPO, Stack, change, next_fix, produce

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("FIXSTREAM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts"

TYPO = "let total = 0;\nif (total = = 0) {\n  total = 1;\n}\nexport { total };\n"
EXTRA = {  # more files, so the screenshot shows groups, rules and a cache hit
    "src/cart.js": "let items = [];\nlet count = items.length;\nif (count ! = 0) {\n"
                   "  console.log(count);\n}\nexport { items };\n",
    "src/format.ts": "let unit: string = 'ms';\nexport const format = (n: number) => n + unit;\n",
    "lib/retry.js": "export function retry(n) {\n  let left = n;\n  return left = = 0;\n}\n",
}


def _require_browser() -> Any:
    """Playwright's async API, or skip (fail under FIXSTREAM_REQUIRE_SERVICES=1)."""
    problem = None
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        problem = "the `playwright` package is missing: `.venv/bin/pip install playwright`"
    else:
        if not Path(CHROMIUM).exists():
            problem = (f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` "
                       "(or point FIXSTREAM_CHROMIUM at one)")
    if problem is not None:
        if os.environ.get("FIXSTREAM_REQUIRE_SERVICES") == "1":
            pytest.fail(f"the dashboard test needs a browser: {problem}")
        pytest.skip(problem)
    return async_playwright


async def _feedback_for(consumer: AIOKafkaConsumer, fix_id: str,
                        timeout: float = 20.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for messages in batches.values():
                for message in messages:
                    record = json.loads(message.value)
                    if record.get("fix_id") == fix_id:
                        return record


async def _caught_up(origin: str, timeout: float = 20.0) -> None:
    """Wait for a lag reading of zero taken well after the last fix (the worker commits
    its offsets every second)."""
    async with asyncio.timeout(timeout):
        while True:
            _, text = await asyncio.to_thread(_get, origin + "/api/metrics")
            snapshot = json.loads(text)
            lag, last_fix = snapshot["consumer_lag"], snapshot["worker"]["last_fix_at"]
            if lag["total"] == 0 and last_fix and lag["observed_at"] > last_fix + 1.5:
                return
            await asyncio.sleep(0.25)


def _get(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.headers.get("Content-Type", ""), response.read().decode()


async def test_dashboard_shows_a_live_fix_and_sends_feedback(stack: Stack):
    async_playwright = _require_browser()
    ARTIFACTS.mkdir(exist_ok=True)
    origin = f"http://127.0.0.1:{stack.gateway_port}"
    repo = f"dash-{uuid.uuid4().hex[:6]}"
    change_id = uuid.uuid4().hex
    feedback = AIOKafkaConsumer(stack.topic("feedback"), bootstrap_servers=KAFKA,
                                group_id=f"t-{repo}", auto_offset_reset="earliest")
    await feedback.start()
    problems: list[str] = []
    foreign: list[str] = []
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                       args=CHROMIUM_ARGS, headless=True)
            try:
                page = await browser.new_page(viewport={"width": 1440, "height": 900},
                                              color_scheme="dark")
                page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
                page.on("console", lambda msg: problems.append(f"console: {msg.text}")
                        if msg.type == "error" else None)
                page.on("request", lambda req: None if req.url.startswith(
                    (origin, f"ws://127.0.0.1:{stack.gateway_port}", "data:"))
                    else foreign.append(req.url))
                await page.goto(origin + "/")
                await page.wait_for_selector('body[data-socket="subscribed"]', timeout=15000)

                async with Subscriber(stack.url) as plain:
                    await plain.subscribe(repo)
                    await produce(stack, "changes",
                                  change(repo, "src/app.js", 1, TYPO, id=change_id),
                                  key=f"{repo}:src/app.js")
                    result = await next_fix(plain)
                    reached_plain = time.monotonic()
                    row = f'.fix-row[data-change-id="{change_id}"]'
                    await page.wait_for_selector(row, timeout=1000)
                    shown_after = time.monotonic() - reached_plain
                assert result["change_id"] == change_id
                assert shown_after < 1.0, f"the dashboard showed the fix after {shown_after:.3f} s"

                await page.click(row)
                await page.wait_for_selector(f'.detail-head[data-change-id="{change_id}"]')
                assert "total == 0" in await page.inner_text("#detail .diff")
                accept = '#detail button[data-verdict="accept"][data-rule="no-spaced-equals"]'
                await page.click(accept)
                await page.wait_for_selector(accept + '[aria-pressed="true"]:not(.pending)',
                                             timeout=10000)
                record = await _feedback_for(feedback, change_id)
                assert record["verdict"] == "accept"
                assert record["rule"] == "no-spaced-equals"
                assert (record["repo"], record["path"]) == (repo, "src/app.js")

                # The gateway reads the verdict back from Kafka into its metrics.
                accepted = 'tr[data-rule="no-spaced-equals"] td:nth-child(3)'
                await page.wait_for_function(
                    "s => Number(document.querySelector(s)?.textContent) >= 1", arg=accepted,
                    timeout=10000)

                for revision, (path, content) in enumerate(EXTRA.items(), start=1):
                    await produce(stack, "changes", change(repo, path, revision, content),
                                  key=f"{repo}:{path}")
                await produce(stack, "changes", change(f"{repo}-api", "handlers/user.js", 1,
                                                       TYPO), key=f"{repo}-api:handlers/user.js")
                await page.wait_for_function(
                    "n => document.querySelectorAll('.fix-row').length >= n",
                    arg=len(EXTRA) + 2, timeout=20000)
                await page.click(f'.fix-row[data-repo="{repo}"][data-path="src/cart.js"]')
                await _caught_up(origin)
                await page.wait_for_function(
                    "() => document.getElementById('k-lag').textContent === '0'",
                    timeout=5000)
                await page.wait_for_timeout(1100)  # one more metrics poll, for the charts
                await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
                await page.emulate_media(color_scheme="light")
                await page.wait_for_timeout(1200)
                await page.screenshot(path=str(ARTIFACTS / "dashboard-light.png"),
                                      full_page=True)

                # A reload starts from the gateway's history, not from an empty list.
                await page.reload()
                await page.wait_for_selector('body[data-socket="subscribed"]', timeout=15000)
                await page.wait_for_function(
                    "n => document.querySelectorAll('.fix-row').length >= n",
                    arg=len(EXTRA) + 2, timeout=5000)
                await page.wait_for_selector(row, timeout=1000)
                await page.click(row)
                await page.wait_for_selector(f'.detail-head[data-change-id="{change_id}"]')
                assert "from history" in await page.inner_text("#detail .detail-meta")
            finally:
                await browser.close()
    finally:
        await feedback.stop()
    assert not problems, problems
    assert not foreign, f"the page fetched from elsewhere: {foreign}"

    content_type, text = _get(origin + "/metrics")
    assert content_type.startswith("text/plain; version=0.0.4")
    assert 'fixstream_fixes_total{rule="no-spaced-equals"}' in text
    assert 'fixstream_feedback_total{rule="no-spaced-equals",verdict="accept"} 1' in text
    content_type, text = _get(origin + "/api/metrics")
    snapshot = json.loads(text)
    assert snapshot["fixes"]["results"] >= len(EXTRA) + 2
    assert snapshot["consumer_lag"]["partitions"], "the worker's lag was measured"


def test_assets_are_served_from_the_package_and_nothing_else(stack: Stack):
    origin = f"http://127.0.0.1:{stack.gateway_port}"
    for path, kind in (("/", "text/html"), ("/dashboard", "text/html"),
                       ("/static/dashboard.js", "text/javascript"),
                       ("/static/dashboard.css", "text/css"),
                       ("/static/favicon.svg", "image/svg+xml")):
        content_type, _ = _get(origin + path)
        assert content_type.startswith(kind), (path, content_type)
    for path in ("/static/../settings.py", "/static/%2e%2e/records.py", "/static/.hidden",
                 "/static/nope.js", "/static/dashboard.py", "/nowhere"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            _get(origin + path)
        assert caught.value.code == 404, path
