"""The gateway against real Kafka and Redis: filters, resume, tokens, slow clients."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import uuid
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaProducer
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from streams.client import Subscriber
from streams.gateway.auth import issue_token

from .conftest import KAFKA, Stack

pytestmark = pytest.mark.integration

KEY = "integration-test-key"


@pytest.fixture(scope="module")
def gateway(services: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A gateway alone (fixes are produced straight to its topic), small queues and history."""
    stack = Stack(tmp_path_factory.mktemp("gateway"), FIXSTREAM_GATEWAY_QUEUE_SIZE="20",
                  FIXSTREAM_GATEWAY_HISTORY_SIZE="6")
    stack.start(worker=False)
    try:
        yield stack
    finally:
        stack.stop()
        stack.print_logs()


@pytest.fixture(scope="module")
def secured(services: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(tmp_path_factory.mktemp("secured"), FIXSTREAM_GATEWAY_TOKEN_KEY=KEY)
    stack.start(worker=False)
    try:
        yield stack
    finally:
        stack.stop()
        stack.print_logs()


def fix_record(repo: str, path: str, pad: int = 0) -> bytes:
    return json.dumps({"change_id": uuid.uuid4().hex, "repo": repo, "path": path,
                       "revision": 1, "fixed_content": "x" * pad, "applied": []}).encode()


async def publish(stack: Stack, records: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, linger_ms=5,
                                max_request_size=4 << 20)
    await producer.start()
    try:
        for key, value in records:
            await producer.send(stack.topic("fixes"), value=value, key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def frames(sub: Subscriber, n: int, timeout: float = 30.0) -> list[dict]:
    out: list[dict] = []
    async with asyncio.timeout(timeout):
        async for frame in sub.fixes():
            out.append(frame)
            if len(out) == n:
                return out
    raise AssertionError("subscription ended")


async def test_two_subscribers_with_different_filters_get_exactly_theirs(gateway: Stack):
    repo = f"f-{uuid.uuid4().hex[:6]}"
    async with Subscriber(gateway.url) as src, Subscriber(gateway.url) as tests:
        await src.subscribe(repo, ["src/**"])
        await tests.subscribe(repo, ["test/*.js"])
        paths = ["src/a.js", "test/a.js", "src/deep/b.js", "docs/x.js", "test/b.js"]
        # One key: one partition, so the fixes arrive in this order.
        await publish(gateway, [(repo, fix_record(repo, p)) for p in paths])
        got_src = [f["result"]["path"] for f in await frames(src, 2)]
        got_tests = [f["result"]["path"] for f in await frames(tests, 2)]
        assert got_src == ["src/a.js", "src/deep/b.js"]
        assert got_tests == ["test/a.js", "test/b.js"]
        with pytest.raises(TimeoutError):
            await frames(src, 1, timeout=1.5)


async def test_a_client_that_resumes_gets_every_missed_fix_once_in_order(gateway: Stack):
    repo = f"r-{uuid.uuid4().hex[:6]}"
    async with Subscriber(gateway.url) as watcher:
        await watcher.subscribe(repo)
        async with Subscriber(gateway.url) as client:
            await client.subscribe(repo)
            await publish(gateway, [(repo, fix_record(repo, "a.js"))])
            [first] = await frames(client, 1)
        last_seen = first["position"]
        await frames(watcher, 1)
        missed = [fix_record(repo, f"m{i}.js") for i in range(3)]
        await publish(gateway, [(repo, record) for record in missed])
        await frames(watcher, 3)  # the gateway has routed them

        async with Subscriber(gateway.url) as client:
            reply = await client.request({"type": "subscribe", "repo": repo,
                                          "since": last_seen})
            assert reply["type"] == "ack" and reply["resumed"] is True
            assert reply["replayed"] == 3
            await publish(gateway, [(repo, fix_record(repo, "live.js"))])
            got = await frames(client, 4)
            assert [f["result"]["path"] for f in got] == ["m0.js", "m1.js", "m2.js", "live.js"]
            positions = [f["position"] for f in got]
            assert len(set(positions)) == 4
            with pytest.raises(TimeoutError):
                await frames(client, 1, timeout=1.5)

        # Far behind: the history (6 per repo) no longer covers it; told plainly.
        await publish(gateway, [(repo, fix_record(repo, f"n{i}.js")) for i in range(8)])
        await frames(watcher, 9)
        async with Subscriber(gateway.url) as client:
            reply = await client.request({"type": "subscribe", "repo": repo,
                                          "since": last_seen})
            assert reply["type"] == "ack" and reply["resumed"] is False
            assert "no longer in the history" in reply["reason"]


async def test_subscribing_with_recent_sends_the_last_fixes_after_the_ack(gateway: Stack):
    repo = f"h-{uuid.uuid4().hex[:6]}"
    async with Subscriber(gateway.url) as watcher:
        await watcher.subscribe(repo)
        await publish(gateway, [(repo, fix_record(repo, f"p{i}.js")) for i in range(4)])
        await frames(watcher, 4)  # routed, so in the history

        async with Subscriber(gateway.url) as client:
            await client.connection.send(json.dumps({"type": "subscribe", "repo": repo,
                                                     "recent": 3}))
            ack = json.loads(await client.connection.recv())
            assert ack["type"] == "ack" and ack["recent"] == 3, "the ack comes first"
            await publish(gateway, [(repo, fix_record(repo, "live.js"))])
            got = await frames(client, 4)
            assert [f["result"]["path"] for f in got] == ["p1.js", "p2.js", "p3.js", "live.js"]
            assert [f.get("replayed", False) for f in got] == [True, True, True, False]
            with pytest.raises(TimeoutError):
                await frames(client, 1, timeout=1.0)
        await frames(watcher, 1)

        # Every repo, as the dashboard asks on load: the newest fixes of any repo.
        async with Subscriber(gateway.url) as dashboard:
            reply = await dashboard.request({"type": "subscribe", "repo": "*", "recent": 2})
            assert reply["type"] == "ack" and reply["recent"] == 2
            got = await frames(dashboard, 2)
            assert [f["result"]["path"] for f in got] == ["p3.js", "live.js"]

        async with Subscriber(gateway.url) as client:
            for bad in ({"recent": -1}, {"recent": "3"}, {"recent": 2, "since": "1-0"}):
                reply = await client.request({"type": "subscribe", "repo": repo, **bad})
                assert reply["type"] == "error" and reply["code"] == "bad_request", bad


def _masked_text_frame(text: str) -> bytes:
    payload = text.encode()
    mask = os.urandom(4)
    assert len(payload) < 126
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + body


def _open_stalled_client(url: str, repo: str) -> socket.socket:
    """A WebSocket client with a tiny receive buffer that subscribes and then never reads."""
    host, port = url.removeprefix("ws://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    sock.sendall(_masked_text_frame(json.dumps({"type": "subscribe", "repo": repo})))
    return sock


async def test_a_slow_client_is_dropped_while_a_fast_one_keeps_up(gateway: Stack):
    repo = f"s-{uuid.uuid4().hex[:6]}"
    count = 120
    async with Subscriber(gateway.url) as fast:
        await fast.subscribe(repo)
        slow = _open_stalled_client(gateway.url, repo)
        try:
            await asyncio.sleep(0.3)  # let the subscription land
            await publish(gateway, [(repo, fix_record(repo, f"{i}.js", pad=100_000))
                                    for i in range(count)])
            got = await frames(fast, count, timeout=60)
            assert len({f["result"]["change_id"] for f in got}) == count
            # The slow client was closed: once we read, the stream ends with a close frame
            # carrying 1013 and the reason.
            slow.settimeout(30)
            tail = b""
            while chunk := slow.recv(1 << 20):
                tail += chunk
            close = tail.rfind(b"\x88")
            assert close != -1, "a close frame was sent"
            assert b"too slow" in tail[close:]
            assert tail[close + 2:close + 4] == (1013).to_bytes(2, "big")
        finally:
            slow.close()


async def test_tokens_scope_clients_to_their_repos(secured: Stack):
    repo = f"t-{uuid.uuid4().hex[:6]}"
    with pytest.raises(InvalidStatus) as info:
        async with connect(secured.url):
            pass
    assert info.value.response.status_code == 401

    forged = issue_token("not-the-key", read=["*"], write=["*"])
    expired = issue_token(KEY, read=[repo], ttl_s=-60)
    for bad in (forged, expired, "garbage"):
        with pytest.raises(InvalidStatus):
            async with connect(f"{secured.url}/?token={bad}"):
                pass

    token = issue_token(KEY, read=[repo], write=[repo])
    async with Subscriber(f"{secured.url}/?token={token}") as sub:
        denied = await sub.request({"type": "subscribe", "repo": "someone-else"})
        assert denied["type"] == "error" and denied["code"] == "forbidden"
        every = await sub.request({"type": "subscribe", "repo": "*"})
        assert every["code"] == "forbidden"
        write = await sub.request({"type": "change", "change": {
            "repo": "someone-else", "path": "a.js", "revision": 1, "content": ""}})
        assert write["code"] == "forbidden"
        await sub.subscribe(repo)
        await publish(secured, [("k", fix_record("someone-else", "a.js")),
                                (repo, fix_record(repo, "mine.js"))])
        [frame] = await frames(sub, 1)
        assert frame["result"]["repo"] == repo
