"""Fixtures that run fixstream against the real Kafka broker and Redis server.

Both are started by ``deploy/local`` (``.ci/run`` does it). When one does not answer,
the integration tests fail under ``FIXSTREAM_REQUIRE_SERVICES=1`` (CI) and are skipped
otherwise, with the command that starts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.services import KAFKA, REDIS_URL, REQUIRE_SERVICES

REPO = Path(__file__).resolve().parents[2]

__all__ = ["KAFKA", "REDIS_URL", "Stack", "change", "next_fix", "produce"]


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _require(name: str, host: str, port: int, start: str) -> None:
    if _answers(host, port):
        return
    message = f"{name} does not answer on {host}:{port}; start it with `{start}`"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def services() -> None:
    host, port = KAFKA.rsplit(":", 1)
    _require("Kafka", host, int(port), "bash deploy/local/kafka.sh start")
    redis = urlparse(REDIS_URL)
    _require("Redis", redis.hostname or "127.0.0.1", redis.port or 6379,
             "bash deploy/local/redis.sh start")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


WORKER_READY = "[^Worker]: Ready"  # what Faust logs once the worker runs


class Stack:
    """A worker and a gateway process on isolated topics, Redis namespace and ports."""

    def __init__(self, tmp: Path, **overrides: str) -> None:
        tag = uuid.uuid4().hex[:8]
        self.prefix = f"fxt{tag}"
        self.namespace = f"fxt{tag}"
        self.gateway_port = _free_port()
        self.env = {
            **os.environ,
            "FIXSTREAM_KAFKA_BROKERS": f"kafka://{KAFKA}",
            "FIXSTREAM_TOPIC_PREFIX": self.prefix,
            "FIXSTREAM_APP_ID": f"fixstream-test-{tag}",
            "FIXSTREAM_REDIS_URL": REDIS_URL,
            "FIXSTREAM_CACHE_NAMESPACE": self.namespace,
            "FIXSTREAM_GATEWAY_PORT": str(self.gateway_port),
            "FIXSTREAM_DATA_DIR": str(tmp / "data"),
            "FIXSTREAM_LOG_LEVEL": "info",
            **overrides,
        }
        self.logs = tmp
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.gateway_port}"

    def topic(self, stage: str) -> str:
        return f"{self.prefix}.{stage}"

    def spawn(self, command: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{command}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, "-m", "streams.cli", command],
                                   env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=REPO)
        self.processes.append(process)
        return process

    def log(self, command: str) -> str:
        return (self.logs / f"{command}.log").read_text(errors="replace")

    def start(self, worker: bool = True) -> None:
        process = self.spawn("worker") if worker else None
        gateway = self.spawn("gateway")
        deadline = time.monotonic() + 60
        while True:
            if gateway.poll() is not None:
                raise RuntimeError("gateway exited:\n" + self.log("gateway"))
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.gateway_port}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gateway not ready:\n" + self.log("gateway")) from None
                time.sleep(0.2)
        if process is not None:
            self.wait_for_worker(process)

    def wait_for_worker(self, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
        """Until Faust says the worker is ready: a cold start (imports, topic creation,
        the first rebalance) on a loaded machine can take longer than a test waits
        for its first fix."""
        deadline = time.monotonic() + seconds
        while WORKER_READY not in self.log("worker"):
            if process.poll() is not None:
                raise RuntimeError("worker exited:\n" + self.log("worker"))
            if time.monotonic() > deadline:
                raise RuntimeError("worker not ready:\n" + self.log("worker")[-4000:])
            time.sleep(0.2)

    @contextlib.contextmanager
    def running(self) -> Iterator[Stack]:
        """The stack started; stopped, with its logs printed, on the way out."""
        self.start()
        try:
            yield self
        finally:
            self.stop()
            self.print_logs()

    def print_logs(self) -> None:
        for log in sorted(self.logs.glob("*.log")):
            print(f"----- {log.stem} log -----\n{log.read_text(errors='replace')[-4000:]}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def stack(services: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(tmp_path_factory.mktemp("stack"), FIXSTREAM_MAX_CONTENT_BYTES="20000")
    with stack.running():
        yield stack


async def produce(stack: Stack, stage: str, value: bytes, key: str = "k") -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=KAFKA)
    await producer.start()
    try:
        await producer.send_and_wait(stack.topic(stage), value=value, key=key.encode())
    finally:
        await producer.stop()


def change(repo: str, path: str, revision: int, content: str, **extra: object) -> bytes:
    return json.dumps({"schema_version": 1, "id": uuid.uuid4().hex, "repo": repo,
                       "path": path, "revision": revision, "content": content,
                       **extra}).encode()


async def next_fix(sub, timeout: float = 60.0) -> dict:
    async with asyncio.timeout(timeout):
        async for frame in sub.fixes():
            return frame["result"]
    raise AssertionError("subscription ended")
