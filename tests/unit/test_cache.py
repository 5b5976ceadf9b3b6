"""Tests of the ``cache`` package.

One suite runs against every backend (memory, Redis, memory-in-front-of-Redis),
as quix-streams does for its state stores. The Redis backends use a real
redis-server: ``FIXSTREAM_TEST_REDIS_URL``, else ``FIXSTREAM_REDIS_URL``, else
``redis://127.0.0.1:6379/0``. Without one the Redis cases are skipped, or fail when
``FIXSTREAM_REQUIRE_SERVICES=1`` (CI). Each test uses its own namespace and
removes its keys. The outage and restart tests need no shared server: they use a
closed port and a redis-server of their own (skipped without the binary).
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import logging
import math
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

import cache
from cache import (
    KEY_SCHEME,
    CacheClosedError,
    CacheConfigError,
    CacheError,
    CacheStats,
    CacheValueError,
    MemoryCache,
    RedisCache,
    ResultCache,
    TieredCache,
    content_hash,
    content_key,
    open_cache,
)
from cache._breaker import CircuitBreaker
from tests.services import REDIS_URL as TEST_REDIS_URL

REDIS_URL = (
    os.environ.get("FIXSTREAM_TEST_REDIS_URL")  # what tests/integration reads
    or os.environ.get("FIXSTREAM_REDIS_URL")
    or TEST_REDIS_URL
)
REQUIRE_SERVICES = os.environ.get("FIXSTREAM_REQUIRE_SERVICES") == "1"
LOGGER = "fixstream.cache"
CACHE_DIR = Path(cache.__file__).parent

_redis_problem: list[str | None] = []


def require_redis() -> str:
    """Return the test Redis URL; skip (or fail under CI) when nothing answers there."""
    if not _redis_problem:
        client = redis.Redis.from_url(
            REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
        )
        try:
            client.ping()
            _redis_problem.append(None)
        except (RedisError, OSError) as exc:
            _redis_problem.append(
                f"Redis does not answer at {REDIS_URL} ({exc}): start it with "
                "`bash deploy/local/redis.sh start` or point FIXSTREAM_REDIS_URL at one"
            )
        finally:
            client.close()
    problem = _redis_problem[0]
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(problem)
        pytest.skip(problem)
    return REDIS_URL


def unique_namespace() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (just released by us)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def wipe_namespace(url: str, namespace: str) -> None:
    """Remove every key a test left under ``namespace`` (whatever its shape)."""
    client = redis.asyncio.Redis.from_url(url, socket_timeout=1.0)
    try:
        names = [name async for name in client.scan_iter(match=f"{namespace}*", count=1000)]
        if names:
            await client.unlink(*names)
    finally:
        await client.aclose()


# --------------------------------------------------------------------------------------
# One suite, every backend
# --------------------------------------------------------------------------------------


@dataclass
class Backend:
    """Builds caches of one kind and moves their time forward."""

    kind: str
    url: str | None
    clock: FakeClock = field(default_factory=FakeClock)
    namespaces: list[str] = field(default_factory=list)
    caches: list[ResultCache] = field(default_factory=list)

    def make(self, *, default_ttl: float | None = None, max_entries: int = 10_000) -> ResultCache:
        """A new, empty cache of this kind with its own namespace."""
        made: ResultCache
        if self.kind == "memory":
            made = MemoryCache(max_entries=max_entries, default_ttl=default_ttl, clock=self.clock)
        else:
            assert self.url is not None
            namespace = unique_namespace()
            self.namespaces.append(namespace)
            second = RedisCache(self.url, namespace=namespace, default_ttl=default_ttl)
            if self.kind == "redis":
                made = second
            else:
                first = MemoryCache(max_entries=max_entries, default_ttl=default_ttl)
                made = TieredCache(first, second)
        self.caches.append(made)
        return made

    async def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass for the caches' TTLs: fake time for memory, real for Redis."""
        if self.kind == "memory":
            self.clock.advance(seconds)
        else:
            await asyncio.sleep(seconds)

    async def cleanup(self) -> None:
        for made in self.caches:
            await made.close()
        if self.url is not None:
            for namespace in self.namespaces:
                await wipe_namespace(self.url, namespace)


BACKENDS = [
    pytest.param("memory", id="memory"),
    pytest.param("redis", id="redis", marks=pytest.mark.integration),
    pytest.param("tiered", id="tiered", marks=pytest.mark.integration),
]


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    kind: str = request.param
    url = None if kind == "memory" else require_redis()
    made = Backend(kind, url)
    try:
        yield made
    finally:
        await made.cleanup()


@pytest.fixture
def store(backend: Backend) -> ResultCache:
    return backend.make()


VALUE: dict[str, Any] = {
    "change_id": "c-1",
    "edits": [{"range": [[0, 0], [0, 5]], "newText": "const"}],
    "fixed": "const a = 1;\n// naïve ✓ \ud800",
    "reliability": 0.97,
    "count": 3,
    "cache_hit": False,
    "plan": None,
}


async def test_missing_key_is_a_miss(store: ResultCache) -> None:
    assert await store.get("absent") is None


async def test_set_then_get_round_trips(store: ResultCache) -> None:
    await store.set("k", VALUE)
    assert await store.get("k") == VALUE


async def test_values_round_trip_as_json(store: ResultCache) -> None:
    await store.set("k", {"pair": (1, 2), "nested": {"t": ()}})
    assert await store.get("k") == {"pair": [1, 2], "nested": {"t": []}}


async def test_overwrite_replaces_value(store: ResultCache) -> None:
    await store.set("k", {"v": 1})
    await store.set("k", {"v": 2})
    assert await store.get("k") == {"v": 2}


async def test_delete_removes_only_that_key(store: ResultCache) -> None:
    await store.set("a", {"v": 1})
    await store.set("b", {"v": 2})
    await store.delete("a")
    await store.delete("never-set")
    assert await store.get("a") is None
    assert await store.get("b") == {"v": 2}


async def test_ttl_expires_entry(backend: Backend) -> None:
    store = backend.make()
    await store.set("short", {"v": 1}, ttl=0.2)
    await store.set("long", {"v": 2}, ttl=30)
    await store.set("forever", {"v": 3})
    assert await store.get("short") == {"v": 1}
    await backend.advance(0.3)
    assert await store.get("short") is None
    assert await store.get("long") == {"v": 2}
    assert await store.get("forever") == {"v": 3}


async def test_default_ttl_applies_unless_ttl_given(backend: Backend) -> None:
    store = backend.make(default_ttl=0.2)
    await store.set("default", {"v": 1})
    await store.set("explicit", {"v": 2}, ttl=30)
    await backend.advance(0.3)
    assert await store.get("default") is None
    assert await store.get("explicit") == {"v": 2}


async def test_overwrite_resets_ttl(backend: Backend) -> None:
    store = backend.make()
    await store.set("k", {"v": 1}, ttl=0.2)
    await store.set("k", {"v": 2}, ttl=30)
    await backend.advance(0.3)
    assert await store.get("k") == {"v": 2}


async def test_clear_only_touches_own_namespace(backend: Backend) -> None:
    mine, theirs = backend.make(), backend.make()
    await mine.set("k", {"v": 1})
    await mine.set("k2", {"v": 2})
    await theirs.set("k", {"v": "theirs"})
    await mine.clear()
    assert await mine.get("k") is None
    assert await mine.get("k2") is None
    assert await theirs.get("k") == {"v": "theirs"}
    await mine.set("k", {"v": 3})  # still usable after clear
    assert await mine.get("k") == {"v": 3}


async def test_stats_count_hits_misses_and_sets(store: ResultCache) -> None:
    assert store.stats == CacheStats()
    await store.get("k")
    await store.set("k", {"v": 1})
    await store.set("k", {"v": 2})
    await store.get("k")
    await store.get("k")
    await store.get("other")
    stats = store.stats
    assert (stats.hits, stats.misses, stats.sets, stats.errors, stats.skipped) == (2, 2, 2, 0, 0)
    assert stats.lookups == 4
    assert stats.hit_ratio == 0.5
    stats.hits = 99  # a snapshot: changing it changes nothing
    assert store.stats.hits == 2


async def test_values_are_isolated_copies(store: ResultCache) -> None:
    value: dict[str, Any] = {"edits": [{"line": 1}], "meta": {"rule": "semi"}}
    await store.set("k", value)
    value["edits"].append({"line": 2})
    value["meta"]["rule"] = "changed"
    got = await store.get("k")
    assert got == {"edits": [{"line": 1}], "meta": {"rule": "semi"}}
    assert got is not None
    got["edits"].clear()
    got["meta"]["rule"] = "mutated"
    assert await store.get("k") == {"edits": [{"line": 1}], "meta": {"rule": "semi"}}


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param([1, 2], id="list"),
        pytest.param("text", id="str"),
        pytest.param(None, id="none"),
        pytest.param({"x": float("nan")}, id="nan"),
        pytest.param({"x": math.inf}, id="inf"),
        pytest.param({"x": {1, 2}}, id="set"),
        pytest.param({"x": b"bytes"}, id="bytes"),
        pytest.param({"x": object()}, id="object"),
    ],
)
async def test_rejects_values_that_are_not_json_objects(store: ResultCache, bad: Any) -> None:
    with pytest.raises(CacheValueError):
        await store.set("k", bad)
    assert await store.get("k") is None
    assert store.stats.sets == 0


async def test_rejects_bad_keys_and_ttls(store: ResultCache) -> None:
    for key in ("", None, 7):
        with pytest.raises(CacheValueError):
            await store.get(key)  # type: ignore[arg-type]
        with pytest.raises(CacheValueError):
            await store.set(key, {"v": 1})  # type: ignore[arg-type]
    for ttl in (0, -1, math.nan, math.inf, "5", True):
        with pytest.raises(CacheValueError):
            await store.set("k", {"v": 1}, ttl=ttl)  # type: ignore[arg-type]
    assert await store.get("k") is None
    assert isinstance(CacheValueError("x"), CacheError)


async def test_closed_cache_refuses_use(backend: Backend) -> None:
    async with backend.make() as store:
        await store.set("k", {"v": 1})
        assert await store.ping()
        assert store.healthy
    assert store.closed
    assert not store.healthy
    assert not await store.ping()
    operations: list[Callable[[], Awaitable[Any]]] = [
        lambda: store.get("k"),
        lambda: store.set("k", {"v": 1}),
        lambda: store.delete("k"),
        lambda: store.clear(),
    ]
    for operation in operations:
        with pytest.raises(CacheClosedError):
            await operation()
    await store.close()  # idempotent
    with pytest.raises(CacheClosedError):
        async with store:
            pass


async def test_content_keys_address_results(store: ResultCache) -> None:
    key = content_key("let a = 1", language="javascript", ruleset_version="r1")
    await store.set(key, {"fixed": "const a = 1;"})
    same = content_key("let a = 1", language="javascript", ruleset_version="r1", options={})
    assert await store.get(same) == {"fixed": "const a = 1;"}
    assert (
        await store.get(content_key("let a = 1", language="javascript", ruleset_version="r2"))
        is None
    )


# --------------------------------------------------------------------------------------
# Memory backend
# --------------------------------------------------------------------------------------


async def test_memory_evicts_least_recently_used() -> None:
    store = MemoryCache(max_entries=3)
    for key in "abc":
        await store.set(key, {"k": key})
    assert await store.get("a") is not None  # a is now the most recent; b the least
    await store.set("d", {"k": "d"})
    assert len(store) == 3
    assert await store.get("b") is None
    for key in "acd":
        assert await store.get(key) == {"k": key}


async def test_memory_set_refreshes_recency() -> None:
    store = MemoryCache(max_entries=2)
    await store.set("a", {"v": 1})
    await store.set("b", {"v": 2})
    await store.set("a", {"v": 3})  # overwrite counts as use: b is now the oldest
    await store.set("c", {"v": 4})
    assert await store.get("b") is None
    assert await store.get("a") == {"v": 3}
    assert await store.get("c") == {"v": 4}


async def test_memory_drops_expired_entries_when_touched() -> None:
    clock = FakeClock()
    store = MemoryCache(clock=clock)
    await store.set("k", {"v": 1}, ttl=1)
    clock.advance(0.999)
    assert await store.get("k") == {"v": 1}
    clock.advance(0.001)  # expiry is exclusive: gone exactly at set time + ttl
    assert await store.get("k") is None
    assert len(store) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_entries": 0},
        {"max_entries": 2.5},
        {"max_entries": True},
        {"default_ttl": 0},
        {"default_ttl": -3},
    ],
)
def test_memory_rejects_bad_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(CacheConfigError):
        MemoryCache(**kwargs)


# --------------------------------------------------------------------------------------
# Redis backend (a real server)
# --------------------------------------------------------------------------------------


@pytest.fixture
async def redis_store() -> AsyncIterator[RedisCache]:
    url = require_redis()
    namespace = unique_namespace()
    store = RedisCache(url, namespace=namespace)
    try:
        yield store
    finally:
        await store.close()
        await wipe_namespace(url, namespace)


@pytest.fixture
async def raw_redis() -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(require_redis(), socket_timeout=1.0)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.mark.integration
async def test_redis_key_layout_and_ttl(
    redis_store: RedisCache, raw_redis: redis.asyncio.Redis
) -> None:
    ns = redis_store.namespace
    assert redis_store.redis_key("abc") == f"{ns}:result:abc"
    await redis_store.set("abc", {"v": 1}, ttl=5)
    await redis_store.set("dflt", {"v": 2})
    assert await raw_redis.get(f"{ns}:result:abc") == b'{"v":1}'
    assert 0 < await raw_redis.pttl(f"{ns}:result:abc") <= 5000
    assert 3_000_000 < await raw_redis.pttl(f"{ns}:result:dflt") <= 3_600_000


@pytest.mark.integration
async def test_redis_get_is_one_round_trip(
    redis_store: RedisCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    await redis_store.set("k", {"v": 1})
    client = redis_store._client
    commands: list[Any] = []
    original = client.execute_command

    async def counting(*args: Any, **options: Any) -> Any:
        commands.append(args[0])
        return await original(*args, **options)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(client, "execute_command", counting)
    assert await redis_store.get("k") == {"v": 1}
    assert await redis_store.get("missing") is None
    await redis_store.set("k", {"v": 2})
    assert commands == ["GET", "GET", "SET"]


@pytest.mark.integration
async def test_redis_clear_leaves_foreign_keys(
    redis_store: RedisCache, raw_redis: redis.asyncio.Redis
) -> None:
    ns = redis_store.namespace
    foreign = [f"{ns}:other:k", f"{ns}x:result:k", f"{ns}-y:result:k", f"x{ns}:result:k"]
    for name in foreign:
        await raw_redis.set(name, "keep", px=60_000)
    try:
        for i in range(1500):  # more than one SCAN/UNLINK batch
            await raw_redis.set(f"{ns}:result:{i}", "{}", px=60_000)
        await redis_store.clear()
        assert [name async for name in raw_redis.scan_iter(match=f"{ns}:result:*")] == []
        for name in foreign:
            assert await raw_redis.get(name) == b"keep"
    finally:
        await raw_redis.delete(*foreign)


@pytest.mark.integration
async def test_redis_corrupt_entry_is_a_miss(
    redis_store: RedisCache, raw_redis: redis.asyncio.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    await raw_redis.set(redis_store.redis_key("bad"), b"\xffnot json", px=60_000)
    await raw_redis.set(redis_store.redis_key("list"), b"[1,2]", px=60_000)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert await redis_store.get("bad") is None
        assert await redis_store.get("list") is None
    stats = redis_store.stats
    assert (stats.errors, stats.misses) == (2, 2)
    assert redis_store.healthy  # bad data is not an outage
    assert len([r for r in caplog.records if r.name == LOGGER]) == 2


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("http://127.0.0.1:6379", {}),
        ("redis://127.0.0.1:6379/notadb", {}),
        ("redis://127.0.0.1:6379/0", {"namespace": "a:b"}),
        ("redis://127.0.0.1:6379/0", {"namespace": "a*"}),
        ("redis://127.0.0.1:6379/0", {"namespace": ""}),
        ("redis://127.0.0.1:6379/0", {"default_ttl": 0}),
        ("redis://127.0.0.1:6379/0", {"socket_timeout": -1}),
        ("redis://127.0.0.1:6379/0", {"retry_after": -1}),
    ],
)
def test_redis_rejects_bad_settings(url: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(CacheConfigError):
        RedisCache(url, **kwargs)


def test_redis_url_password_is_redacted() -> None:
    store = RedisCache("redis://user:s3cret@127.0.0.1:6379/0")
    assert "s3cret" not in store.url
    assert "s3cret" not in repr(store)
    assert store.url == "redis://user:***@127.0.0.1:6379/0"


# --------------------------------------------------------------------------------------
# Outage: a dead Redis costs nothing and never raises
# --------------------------------------------------------------------------------------


def cache_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


async def test_redis_outage_never_raises_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisCache(f"redis://127.0.0.1:{free_port()}/0", namespace="outage", retry_after=60)
    caplog.set_level(logging.INFO, logger=LOGGER)
    started = time.perf_counter()
    for i in range(50):
        assert await store.get(f"k{i}") is None
        await store.set(f"k{i}", {"v": i})
        await store.delete(f"k{i}")
        await store.clear()
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"200 calls against a dead Redis took {elapsed:.2f}s"
    stats = store.stats
    assert (stats.errors, stats.skipped, stats.misses, stats.hits, stats.sets) == (1, 199, 50, 0, 0)
    assert not store.healthy
    assert len(cache_warnings(caplog)) == 1
    assert "running without it" in cache_warnings(caplog)[0].getMessage()
    await store.close()


async def test_redis_breaker_skips_calls_until_retry_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    store = RedisCache(
        f"redis://127.0.0.1:{free_port()}/0", namespace="outage", retry_after=5, clock=clock
    )
    caplog.set_level(logging.INFO, logger=LOGGER)
    assert store.healthy  # optimistic until proven otherwise
    assert await store.get("k") is None
    assert (store.stats.errors, store.stats.skipped) == (1, 0)
    for _ in range(3):
        assert await store.get("k") is None
    clock.advance(4.9)
    await store.set("k", {"v": 1})
    assert (store.stats.errors, store.stats.skipped) == (1, 4)
    clock.advance(0.1)  # retry_after has passed: exactly one probe goes out
    assert await store.get("k") is None
    assert await store.get("k") is None
    assert (store.stats.errors, store.stats.skipped) == (2, 5)
    assert not await store.ping()  # ping always tries, and fails
    assert store.stats.errors == 3
    assert len(cache_warnings(caplog)) == 1
    await store.close()


async def test_tiered_cache_survives_redis_outage(caplog: pytest.LogCaptureFixture) -> None:
    dead = RedisCache(f"redis://127.0.0.1:{free_port()}/0", namespace="outage", retry_after=60)
    store = TieredCache(MemoryCache(), dead)
    caplog.set_level(logging.INFO, logger=LOGGER)
    await store.set("k", {"v": 1})
    assert await store.get("k") == {"v": 1}  # served by the first level
    assert await store.get("other") is None
    assert not store.healthy
    assert not await store.ping()
    stats = store.stats
    assert (stats.hits, stats.misses, stats.sets) == (1, 1, 1)
    assert stats.errors >= 1
    assert len(cache_warnings(caplog)) == 1
    await store.close()


@pytest.mark.integration
async def test_tiered_workers_share_through_redis() -> None:
    url = require_redis()
    namespace = unique_namespace()
    worker_a = TieredCache(MemoryCache(), RedisCache(url, namespace=namespace))
    worker_b = TieredCache(MemoryCache(), RedisCache(url, namespace=namespace))
    try:
        await worker_a.set("k", {"v": 1})
        assert await worker_b.first.get("k") is None
        assert await worker_b.get("k") == {"v": 1}  # from Redis...
        assert await worker_b.first.get("k") == {"v": 1}  # ...and now kept locally
        await worker_b.delete("k")
        assert await worker_b.get("k") is None
    finally:
        await worker_a.close()
        await worker_b.close()
        await wipe_namespace(url, namespace)


class RedisServer:
    """A throw-away redis-server of our own, on a spare port, that tests can stop."""

    def __init__(self, binary: str, port: int) -> None:
        self.binary = binary
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.asyncio.Redis(
            port=self.port, socket_timeout=0.2, retry=AsyncRetry(NoBackoff(), 0)
        )
        try:
            for _ in range(100):
                try:
                    if await client.ping():
                        return
                except (RedisError, OSError):
                    await asyncio.sleep(0.02)
            raise RuntimeError(f"redis-server did not start on port {self.port}")
        finally:
            await client.aclose()

    async def shutdown(self) -> None:
        assert self.process is not None
        cli = shutil.which("redis-cli")
        if cli is not None:
            subprocess.run(
                [cli, "-p", str(self.port), "shutdown", "nosave"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=5,
                check=False,
            )
        else:
            self.process.terminate()
        for _ in range(250):
            if self.process.poll() is not None:
                return
            await asyncio.sleep(0.02)
        raise RuntimeError("redis-server did not stop")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def spare_redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server binary not installed (apt-get install redis-server)")
    server = RedisServer(binary, free_port())
    try:
        yield server
    finally:
        server.kill()


@pytest.mark.integration
async def test_redis_recovers_after_restart(
    spare_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = spare_redis_server
    await server.start()
    clock = FakeClock()
    store = RedisCache(
        f"redis://127.0.0.1:{server.port}/0", namespace="recovery", retry_after=5, clock=clock
    )
    caplog.set_level(logging.INFO, logger=LOGGER)
    await store.set("k", {"v": 1})
    assert await store.get("k") == {"v": 1}

    await server.shutdown()
    assert await store.get("k") is None
    await store.set("k", {"v": 2})
    assert not store.healthy
    assert len(cache_warnings(caplog)) == 1

    await server.start()
    assert await store.get("k") is None  # breaker still open: not even tried
    assert store.stats.skipped == 2
    clock.advance(5)
    await store.set("k", {"v": 3})  # the probe reconnects
    assert store.healthy
    assert await store.get("k") == {"v": 3}
    recovered = [r for r in caplog.records if r.name == LOGGER and "is back" in r.getMessage()]
    assert len(recovered) == 1
    assert len(cache_warnings(caplog)) == 1
    await store.close()


@pytest.mark.integration
async def test_redis_restart_between_calls_is_not_an_outage(
    spare_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Pooled connections the server closed while idle (restart, idle timeout, proxy)
    # must be replaced silently, not reported as an outage that disables the cache.
    server = spare_redis_server
    await server.start()
    store = RedisCache(f"redis://127.0.0.1:{server.port}/0", namespace="restart")
    caplog.set_level(logging.INFO, logger=LOGGER)
    await store.set("k", {"v": 1})
    await server.shutdown()
    await server.start()
    assert await store.get("k") is None  # nosave: the data is gone, the cache is not
    await store.set("k", {"v": 2})
    assert await store.get("k") == {"v": 2}
    assert store.healthy
    assert store.stats.errors == 0
    assert cache_warnings(caplog) == []
    await store.close()


# --------------------------------------------------------------------------------------
# The breaker on its own
# --------------------------------------------------------------------------------------


def test_breaker_lets_one_probe_through_per_period() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(retry_after=2, clock=clock)
    assert breaker.closed and breaker.allow() and breaker.allow()
    assert breaker.record_failure() is True  # a new outage
    assert breaker.record_failure() is False  # the same outage
    assert not breaker.closed
    assert not breaker.allow()
    clock.advance(2)
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # others wait, even if the probe never reports back
    clock.advance(2)
    assert breaker.allow()
    clock.advance(0.5)
    assert breaker.record_success() == pytest.approx(4.5)
    assert breaker.closed and breaker.allow()
    assert breaker.record_success() is None


# --------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------

BASE = {"language": "javascript", "ruleset_version": "2024.1", "options": {"fix": True}}


def test_content_key_is_pinned() -> None:
    # Every worker and every release must agree on keys: this value must never change
    # unless KEY_SCHEME does.
    key = content_key(
        "const a = 1;\n",
        language="javascript",
        ruleset_version="2024.1",
        options={"passes": 10, "fix": True},
    )
    assert key == "cae54e21e207934723670c85a9b857e947d8ea3812a982542bd671b75612d55f"
    digest = hashlib.sha256()
    fields = [KEY_SCHEME, "javascript", "2024.1", '{"fix":true,"passes":10}', "const a = 1;\n"]
    for text in fields:
        data = text.encode()
        digest.update(len(data).to_bytes(8, "big") + data)
    assert key == digest.hexdigest()


def test_content_hash_is_sha256_of_utf8() -> None:
    text = "const s = 'naïve ✓';\n"
    assert content_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert len(content_hash("\ud800")) == 64  # lone surrogates hash, never raise


@pytest.mark.parametrize(
    "change",
    [
        {"content": "const a = 2;\n"},
        {"language": "typescript"},
        {"ruleset_version": "2024.2"},
        {"options": {"fix": False}},
        {"options": {"fix": True, "passes": 1}},
        {"options": None},
    ],
)
def test_every_field_changes_the_key(change: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"content": "const a = 1;\n", **BASE}
    changed = {**fields, **change}
    assert content_key(**fields) != content_key(**changed)


def test_key_fields_are_length_prefixed() -> None:
    assert content_key("c", language="ab", ruleset_version="c") != content_key(
        "c", language="a", ruleset_version="bc"
    )
    assert content_key("x", language="", ruleset_version="ab") != content_key(
        "ab", language="", ruleset_version="x"
    )


def test_options_order_and_none_do_not_matter() -> None:
    one = content_key(
        "x", language="js", ruleset_version="1", options={"a": 1, "b": {"c": 2, "d": 3}}
    )
    two = content_key(
        "x", language="js", ruleset_version="1", options={"b": {"d": 3, "c": 2}, "a": 1}
    )
    assert one == two
    assert content_key("x", language="js", ruleset_version="1", options=None) == content_key(
        "x", language="js", ruleset_version="1", options={}
    )


@pytest.mark.parametrize("options", [{"x": {1, 2}}, {"x": float("nan")}, ["not", "a", "mapping"]])
def test_unusable_options_raise(options: Any) -> None:
    with pytest.raises(CacheValueError):
        content_key("x", language="js", ruleset_version="1", options=options)


def test_non_string_fields_raise() -> None:
    with pytest.raises(CacheValueError):
        content_key(b"x", language="js", ruleset_version="1")  # type: ignore[arg-type]
    with pytest.raises(CacheValueError):
        content_key("x", language="js", ruleset_version=1)  # type: ignore[arg-type]


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)


@settings(max_examples=60, deadline=None)
@given(
    options=st.dictionaries(st.text(max_size=5), json_scalars, max_size=6),
    seed=st.randoms(use_true_random=False),
)
def test_options_order_never_matters(options: dict[str, Any], seed: Any) -> None:
    items = list(options.items())
    seed.shuffle(items)
    assert content_key("x", language="js", ruleset_version="1", options=dict(items)) == content_key(
        "x", language="js", ruleset_version="1", options=options
    )


@settings(max_examples=60, deadline=None)
@given(
    first=st.tuples(st.text(max_size=8), st.text(max_size=4), st.text(max_size=4)),
    second=st.tuples(st.text(max_size=8), st.text(max_size=4), st.text(max_size=4)),
)
def test_distinct_inputs_give_distinct_keys(
    first: tuple[str, str, str], second: tuple[str, str, str]
) -> None:
    def key(fields: tuple[str, str, str]) -> str:
        return content_key(fields[0], language=fields[1], ruleset_version=fields[2])

    assert (key(first) == key(second)) == (first == second)


# --------------------------------------------------------------------------------------
# Package surface
# --------------------------------------------------------------------------------------


def test_public_api_is_explicit() -> None:
    namespace: dict[str, Any] = {}
    exec("from cache import *", namespace)
    exported = {name for name in namespace if not name.startswith("__")}
    assert exported == set(cache.__all__)
    for name in cache.__all__:
        assert getattr(cache, name) is not None


def test_cache_does_not_import_streams() -> None:
    for path in CACHE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] != "streams", f"{path.name} imports {module}"


async def test_open_cache_builds_the_backend_a_url_names() -> None:
    # The stream passes one set of settings whatever the URL; every backend takes it.
    common: dict[str, Any] = {"namespace": "n1", "default_ttl": 60.0, "max_entries": 5}
    for url in (None, "", "memory://"):
        memory = open_cache(url, **common)
        assert isinstance(memory, MemoryCache)
        assert (memory.max_entries, memory.default_ttl) == (5, 60.0)
    assert isinstance(open_cache(None), MemoryCache)

    tiered = open_cache("redis://127.0.0.1:6379/0", **common, retry_after=1, socket_timeout=0.1)
    assert isinstance(tiered, TieredCache)
    assert isinstance(tiered.first, MemoryCache)
    assert (tiered.first.max_entries, tiered.first.default_ttl) == (5, 60.0)
    assert isinstance(tiered.second, RedisCache)
    assert (tiered.second.namespace, tiered.second.default_ttl) == ("n1", 60.0)

    plain = open_cache("redis://127.0.0.1:6379/0", max_entries=0)
    assert isinstance(plain, RedisCache)

    for made in (tiered, plain):
        await made.close()
    for bad_url in ("http://example.com", "memcached://x"):
        with pytest.raises(CacheConfigError):
            open_cache(bad_url)
    with pytest.raises(CacheConfigError):
        open_cache("redis://127.0.0.1:6379/0", max_entries=-1)
    with pytest.raises(CacheConfigError):
        open_cache(None, max_entries=0)


def test_error_hierarchy() -> None:
    for error in (CacheConfigError, CacheValueError, CacheClosedError):
        assert issubclass(error, CacheError)
    assert issubclass(CacheConfigError, ValueError)
    assert issubclass(CacheValueError, TypeError)
