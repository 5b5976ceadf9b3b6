"""Fan-out of one gateway process: N WebSocket subscribers of one repo, fixes from Kafka.

Run (Kafka and Redis from ``bash deploy/local/up.sh``):
``.venv/bin/python tests/bench/bench_gateway_fanout.py [--connections 100,1000,5000]
[--history memory,redis] [--deflate off] [--rate 50000] [--seconds 5]
[--burst-frames 250000] [--payload 1000] [--client-procs 1] [--profile DIR]
[--variant NAME=DIR[,uvloop]]... [--skip-this] [--repeat 1] [--gateway-nice N]
[--gateway-cpus 0,1] [--fleet-nice N] [--fleet-cpus 0,1]``

The machine's cores are shared by the gateway, the subscribers, Kafka and whatever else
runs; ``--gateway-nice -5`` (root) keeps the subscribers from starving the gateway (the
delay measured is then the gateway's, not the scheduler's); the header line says which
niceness and CPUs each side had, and the load average.

For each connection count and history store it starts one ``fixstream gateway`` process
on fresh topics (``FIXSTREAM_REDIS_URL`` set for ``redis``, unset for ``memory``),
connects the subscribers from ``--client-procs`` separate processes (minimal asyncio
WebSocket clients, ``_ws_fleet.py``), and publishes fix records straight to the fixes
topic, each carrying ``produced_at`` and ``seq``:

- ``steady``: ``--rate`` deliveries per second offered (``rate / N`` fixes per second)
  for ``--seconds``; the subscribers read frame by frame (two reads each), so every
  frame gets the kernel stamp of its own segment even when they fall behind;
- ``burst``: ``--burst-frames / N`` fixes produced at once; the subscribers read as much
  as there is (their stamps then say when the last segment of a read arrived).

Columns, per phase: ``deliv/s`` frames received by all clients over the time from the
first fix produced to the last frame read; ``p50 ms``/``p99 ms`` when each frame reached
its client's socket (kernel receive timestamp) minus ``produced_at``: Kafka plus the
gateway; ``read p50/p99`` when the client process read it (adds the client's own time
to get round to thousands of sockets); ``late%`` the share of frames read together with
a later fix's segment, whose kernel stamp is that later segment's (an upper bound: when
the fleet falls behind, their ``p50``/``p99`` overstate the gateway's delay; fixes the
gateway writes together are counted too, though their stamp is right); ``routed p50/p99``
the gateway's histogram of ``produced_at`` to routed (Kafka plus routing, before any
write; bucket bounds);
``gw CPU``, ``cli CPU`` user+system CPU of the gateway and of the client processes
over the phase (100 % = one core; the kernel's loopback work done in softirq is not
in them); ``gw us/fr`` gateway CPU per delivered frame; ``all CPU`` the whole
machine's busy time (200 % = both cores), other users included; ``KiB/conn`` the
gateway's ``VmRSS`` growth per connection once subscribed; ``RSS MiB`` after the phase.

``--profile DIR`` attaches ``py-spy`` to the gateway during each phase and prints where
its wall time went; py-spy slows it, so profiled numbers are not the table's.
``--variant NAME=DIR`` runs each scenario also with the ``streams`` package in DIR
(say, a copy from before a change) and prints median ratios over ``--repeat`` runs;
``NAME=DIR,uvloop`` runs that gateway on uvloop's event loop instead of asyncio's
(``.`` is this checkout; ``--skip-this`` leaves out the default ``this`` variant).
The subscribers use uvloop when it is installed, whatever the gateway's loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from _ws_fleet import raise_nofile, run_fleet

REPO = Path(__file__).resolve().parents[2]
KAFKA = os.environ.get("FIXSTREAM_TEST_KAFKA",
                       f"127.0.0.1:{os.environ.get('FIXSTREAM_KAFKA_PORT', '9092')}")
REDIS_URL = os.environ.get("FIXSTREAM_TEST_REDIS_URL",
                           f"redis://127.0.0.1:{os.environ.get('FIXSTREAM_REDIS_PORT', '6379')}/0")
HOST = "127.0.0.1"
BENCH_REPO = "bench"
STAGES = ("changes", "encoded", "plans", "fixes", "feedback", "dead-letters")


# -- the gateway process --------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _proc_status(pid: int, field_name: str) -> int:
    """A ``/proc/<pid>/status`` field in KiB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise KeyError(field_name)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _place(pid: int, nice: int | None, cpus: set[int] | None) -> None:
    """Give every thread of ``pid`` the niceness ``nice`` and the CPUs ``cpus`` (None: as
    inherited). Linux applies both per thread, so each task of the process is set."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        tid = int(task.name)
        with contextlib.suppress(ProcessLookupError):
            if nice is not None:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
            if cpus is not None:
                os.sched_setaffinity(tid, cpus)


def _busy_cores_seconds() -> float:
    """CPU seconds all cores of the machine spent busy so far (``/proc/stat``)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


#: ``fixstream gateway`` on the named event loop (the policy decides what asyncio.run uses).
_GATEWAY_MAIN = {
    loop: ("import asyncio, runpy, sys\n"
           f"{policy}\n"
           "sys.argv = ['fixstream', 'gateway']\n"
           "runpy.run_module('streams.cli', run_name='__main__', alter_sys=True)\n")
    for loop, policy in (
        ("asyncio", "asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())"),
        ("uvloop", "import uvloop; asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())"))
}


class Gateway:
    """``fixstream gateway`` on its own topics, port and Redis namespace."""

    def __init__(self, history: str, queue_size: int, logs: Path, source: Path = REPO,
                 loop: str = "asyncio", nice: int | None = None,
                 cpus: set[int] | None = None) -> None:
        tag = uuid.uuid4().hex[:8]
        self.nice = nice
        self.cpus = cpus
        self.source = source  # the folder holding the `streams` package to run
        self.loop = loop
        self.prefix = f"fxbench{tag}"
        self.port = _free_port()
        self.env = {**os.environ,
                    "FIXSTREAM_KAFKA_BROKERS": f"kafka://{KAFKA}",
                    "FIXSTREAM_TOPIC_PREFIX": self.prefix,
                    "FIXSTREAM_APP_ID": f"fixstream-bench-{tag}",
                    "FIXSTREAM_CACHE_NAMESPACE": self.prefix,
                    "FIXSTREAM_GATEWAY_HOST": HOST,
                    "FIXSTREAM_GATEWAY_PORT": str(self.port),
                    "FIXSTREAM_GATEWAY_QUEUE_SIZE": str(queue_size),
                    "FIXSTREAM_LOG_LEVEL": "warning"}
        self.env.pop("FIXSTREAM_REDIS_URL", None)
        if history == "redis":
            self.env["FIXSTREAM_REDIS_URL"] = REDIS_URL
        self.log_path = logs / f"gateway-{tag}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-c", _GATEWAY_MAIN[self.loop]],
                                            env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, cwd=self.source)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gateway exited:\n" + self.log())
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/healthz", timeout=1):
                    _place(self.pid, self.nice, self.cpus)  # every thread has started by now
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gateway not ready:\n" + self.log())

    def routing_histogram(self) -> dict[float, int]:
        """The gateway's cumulative histogram of ``produced_at`` → routed (le → count)."""
        with urllib.request.urlopen(f"http://{HOST}:{self.port}/metrics", timeout=10) as reply:
            text = reply.read().decode()
        buckets: dict[float, int] = {}
        for line in text.splitlines():
            if line.startswith("fixstream_delivery_latency_seconds_bucket{"):
                bound = line.split('le="', 1)[1].split('"', 1)[0]
                buckets[float(bound)] = int(float(line.rsplit(" ", 1)[1]))
        return buckets

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    async def remove_state(self) -> None:
        """Delete this run's topics and Redis keys."""
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA, request_timeout_ms=10000)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            mine = [f"{self.prefix}.{stage}" for stage in STAGES
                    if f"{self.prefix}.{stage}" in existing]
            if mine:
                await admin.delete_topics(mine)
        finally:
            await admin.close()
        if "FIXSTREAM_REDIS_URL" in self.env:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(f"{self.prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()


# -- the subscribers --------------------------------------------------------------------------
class Fleet:
    """Subscriber processes (``_ws_fleet.run_fleet``), driven over pipes."""

    def __init__(self, port: int, connections: int, processes: int, deflate: bool,
                 nice: int | None = None, cpus: set[int] | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        counts = [connections // processes + (i < connections % processes)
                  for i in range(processes)]
        self.pipes: list[Connection] = []
        self.processes: list[Any] = []
        for count in counts:
            ours, theirs = context.Pipe()
            process = context.Process(target=run_fleet, daemon=True,
                                      args=(theirs, HOST, port, count, BENCH_REPO, deflate))
            process.start()
            _place(process.pid, nice, cpus)
            self.pipes.append(ours)
            self.processes.append(process)

    async def _ask_all(self, command: str | None, timeout: float) -> list[Any]:
        def ask(pipe: Connection) -> Any:
            if command is not None:
                pipe.send(command)
            if not pipe.poll(timeout):
                raise TimeoutError(f"no answer to {command or 'connect'} in {timeout:g} s")
            return pipe.recv()

        return list(await asyncio.gather(*(asyncio.to_thread(ask, p) for p in self.pipes)))

    async def ready(self, timeout: float) -> int:
        return sum(answer[1] for answer in await self._ask_all(None, timeout))

    async def count(self) -> int:
        return sum(await self._ask_all("count", 30))

    async def reset(self) -> None:
        await self._ask_all("reset", 30)

    async def reads(self, exact: bool) -> None:
        """Frame by frame (each its own kernel stamp) or in large reads (cheaper)."""
        await self._ask_all("exact" if exact else "batch", 30)

    async def stats(self) -> dict[str, Any]:
        merged: dict[str, Any] = {"frames": 0, "arrival": array("d"), "read": array("d"),
                                  "last_at": 0.0, "disorder": 0, "shared": 0,
                                  "closes": Counter(),
                                  "cpu_s": 0.0}
        for part in await self._ask_all("stats", 60):
            merged["frames"] += part["frames"]
            merged["arrival"].frombytes(part["arrival"])
            merged["read"].frombytes(part["read"])
            merged["last_at"] = max(merged["last_at"], part["last_at"])
            merged["disorder"] += part["disorder"]
            merged["shared"] += part["shared"]
            merged["closes"].update(part["closes"])
            merged["cpu_s"] += part["cpu_s"]
        return merged

    async def wait_for(self, frames: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        got = await self.count()
        while got < frames and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            got = await self.count()
        return got

    async def close(self) -> None:
        try:
            await self._ask_all("quit", 30)
        except (TimeoutError, OSError, EOFError):
            pass
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()


# -- the publisher ----------------------------------------------------------------------------
class Publisher:
    """Fix records straight to the gateway's fixes topic; one key, so one partition, in order."""

    def __init__(self, topic: str, payload: int) -> None:
        self.topic = topic
        self.pad = "x" * payload
        self.seq = 0
        self.producer: Any = None

    async def start(self) -> None:
        from aiokafka import AIOKafkaProducer

        # Large batches: at thousands of fixes per second, 16 KiB batches (one request in
        # flight per partition) would make the publisher the bottleneck.
        self.producer = AIOKafkaProducer(bootstrap_servers=KAFKA, linger_ms=0,
                                         max_batch_size=1 << 20, max_request_size=8 << 20)
        await self.producer.start()

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()

    def record(self) -> bytes:
        """A FixResult-shaped record; ``produced_at`` then ``seq`` first (the fleet reads them)."""
        self.seq += 1
        return json.dumps({
            "produced_at": time.time(), "seq": self.seq, "change_id": uuid.uuid4().hex,
            "repo": BENCH_REPO, "path": f"src/file{self.seq % 100}.js", "revision": self.seq,
            "language": "javascript", "edits": [], "fixed_content": self.pad, "applied": [],
            "remaining": [], "plan": {"source": "greedy", "rules": []},
            "timings_ms": {"total": 1.0}, "cache_hit": False,
        }, separators=(",", ":")).encode()

    async def send(self) -> float:
        """Produce one record (no wait for the broker's ack); its ``produced_at``."""
        at = time.time()
        await self.producer.send(self.topic, value=self.record(), key=BENCH_REPO.encode())
        return at

    async def steady(self, fixes_per_s: float, count: int) -> float:
        """``count`` records at ``fixes_per_s``; when the first was produced."""
        start = time.monotonic()
        first = 0.0
        for i in range(count):
            delay = start + i / fixes_per_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            at = await self.send()
            first = first or at
        await self.producer.flush()
        return first

    async def burst(self, count: int) -> float:
        first = time.time()
        for _ in range(count):
            await self.send()
        await self.producer.flush()
        return first


# -- profiling ----------------------------------------------------------------------------------
#: Where a sample's time goes: the innermost frame matching one of these wins. A pattern is
#: (qualified function name or "*", a piece of the file path); py-spy names methods
#: ``Class.method`` and nested code ``Class.method.<locals>.<listcomp>``.
CATEGORIES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("idle (waiting in select)", (("EpollSelector.select", "selectors.py"),)),
    ("socket write (transport.write: send syscall, loopback TCP)",
     (("_SelectorSocketTransport.write", "selector_events.py"),
      ("_SelectorSocketTransport.writelines", "selector_events.py"))),
    ("permessage-deflate (compress per client)", (("*", "permessage_deflate.py"),)),
    ("websockets frame encoding (send_text, serialize)",
     (("*", "websockets/protocol.py"), ("*", "websockets/frames.py"))),
    ("websockets send()/broadcast() bookkeeping (context manager, drain)",
     (("*", "websockets/asyncio/connection.py"), ("*", "contextlib.py"))),
    ("encoding frames once (_encode)", (("GatewayServer._encode", "gateway/server.py"),)),
    # On uvloop transport.write is C code, so its send() time lands in the caller here.
    ("per-client delivery loop (_deliver, _flush, take)",
     (("GatewayServer._deliver", "gateway/server.py"),
      ("GatewayServer._write", "gateway/server.py"), ("GatewayServer._flush", "gateway/server.py"),
      ("GatewayCore.take", "gateway/core.py"), ("GatewayCore.take_round", "gateway/core.py"))),
    ("routing: GatewayCore.publish (match and frame once per subscription group)",
     (("GatewayCore.publish", "gateway/core.py"), ("*", "gateway/globs.py"))),
    ("waking writer tasks (Event.set)", (("Event.set", "asyncio/locks.py"),)),
    ("history append", (("*", "gateway/history.py"), ("GatewayServer._position", "server.py"),
                        ("GatewayServer._positions", "server.py"), ("*", "redis/"))),
    ("JSON parse of the fix + metrics", (("loads", "json/"), ("*", "gateway/metrics.py"))),
    ("Kafka consumer (aiokafka)", (("*", "aiokafka/"), ("*", "kafka/"))),
    ("routing loop (_consume, _publish)", (("GatewayServer._route", "gateway/server.py"),
                                           ("GatewayServer._publish", "gateway/server.py"),
                                           ("GatewayServer._consume", "gateway/server.py"))),
    ("event loop, task switching", (("*", "asyncio/"),)),
)


def _frame_parts(frame: str) -> tuple[str, str]:
    name, _, where = frame.rpartition(" (")
    return name, where.rstrip(")")


def _named(name: str, pattern: str) -> bool:
    return pattern == "*" or name == pattern or name.startswith(pattern + ".<locals>")


def _category(stack: list[str]) -> str:
    for name, file in (_frame_parts(f) for f in reversed(stack)):  # innermost first
        for label, patterns in CATEGORIES:
            if any(_named(name, p_name) and p_file in file for p_name, p_file in patterns):
                return label
    return "other"


def summarize_profile(path: Path, top: int = 12) -> str:
    """Share of samples per category, and the busiest leaf functions, from py-spy raw output
    (``record --idle --nolineno --format raw``)."""
    categories: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text:
            continue
        count = int(count_text)
        stack = stack_text.split(";")
        if stack and stack[0].startswith("process "):
            stack = stack[1:]
        if stack and stack[0].startswith("thread "):
            stack = stack[1:]
        total += count
        categories[_category(stack)] += count
        leaves[stack[-1] if stack else "?"] += count
    if not total:
        return "  (no samples)"
    lines = [f"  {total} samples of wall time (py-spy --idle; runnable-but-descheduled "
             "counts as busy)"]
    lines += [f"  {100 * n / total:5.1f} %  {label}" for label, n in categories.most_common()]
    lines.append("  busiest functions (self time):")
    lines += [f"  {100 * n / total:5.1f} %  {leaf}" for leaf, n in leaves.most_common(top)]
    return "\n".join(lines)


class Profiler:
    """``py-spy record`` attached to the gateway for the length of a ``with`` block."""

    def __init__(self, py_spy: str, pid: int, out: Path) -> None:
        self.command = [py_spy, "record", "--pid", str(pid), "--nolineno", "--format", "raw",
                        "--rate", "250", "--idle", "-o", str(out)]
        self.out = out
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Profiler:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # attached
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- one scenario -----------------------------------------------------------------------------
@dataclass
class Row:
    variant: str
    connections: int
    history: str
    deflate: bool
    phase: str
    fixes: int
    expected: int
    frames: int = 0
    delivered_per_s: float = 0.0
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    read_p50_ms: float = float("nan")
    read_p99_ms: float = float("nan")
    routed_p50_ms: float = float("nan")
    routed_p99_ms: float = float("nan")
    gateway_cpu: float = 0.0
    gateway_us_per_frame: float = float("nan")
    client_cpu: float = 0.0
    machine_cores: float = 0.0
    rss_per_conn_kib: float = float("nan")
    rss_mib: float = float("nan")
    disorder: int = 0
    shared: int = 0
    closes: dict[int, int] = field(default_factory=dict)
    profile: str = ""


def _bucket_quantile(before: dict[float, int], after: dict[float, int], q: float) -> float:
    """Upper bound (ms) of the histogram bucket holding quantile ``q`` of what was added."""
    total = after.get(float("inf"), 0) - before.get(float("inf"), 0)
    for bound in sorted(after):
        if total and after[bound] - before.get(bound, 0) >= q * total:
            return bound * 1000
    return float("nan")


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


@dataclass
class Options:
    rate: float
    seconds: float
    burst_frames: int
    payload: int
    client_procs: int
    deflate: bool
    profile: Path | None
    py_spy: str | None
    variant: str = "this"
    source: Path = REPO
    loop: str = "asyncio"
    gateway_nice: int | None = None
    gateway_cpus: set[int] | None = None
    fleet_nice: int | None = None
    fleet_cpus: set[int] | None = None


async def _phase(row: Row, gateway: Gateway, fleet: Fleet, publish: Any, options: Options,
                 wait_s: float) -> None:
    await fleet.reset()
    routed0 = gateway.routing_histogram()
    cpu0, wall0 = _cpu_seconds(gateway.pid), time.monotonic()
    machine0 = _busy_cores_seconds()
    profiler = None
    if options.profile is not None and options.py_spy:
        out = options.profile / (f"{row.variant}-{row.connections}-{row.history}-"
                                 f"{'deflate' if row.deflate else 'plain'}-{row.phase}.txt")
        profiler = Profiler(options.py_spy, gateway.pid, out)
    with profiler or contextlib.nullcontext():
        first = await publish()
        await fleet.wait_for(row.expected, wait_s)
    wall = time.monotonic() - wall0
    gateway_cpu_s = _cpu_seconds(gateway.pid) - cpu0
    row.gateway_cpu = gateway_cpu_s / wall
    row.machine_cores = (_busy_cores_seconds() - machine0) / wall
    stats = await fleet.stats()
    row.client_cpu = stats["cpu_s"] / wall
    routed = gateway.routing_histogram()
    row.routed_p50_ms = _bucket_quantile(routed0, routed, 0.50)
    row.routed_p99_ms = _bucket_quantile(routed0, routed, 0.99)
    row.frames = stats["frames"]
    if row.frames:
        row.gateway_us_per_frame = gateway_cpu_s / row.frames * 1e6
    if row.frames and stats["last_at"] > first:
        row.delivered_per_s = row.frames / (stats["last_at"] - first)
    arrival = sorted(stats["arrival"])
    row.p50_ms = _percentile(arrival, 0.50) * 1000
    row.p99_ms = _percentile(arrival, 0.99) * 1000
    read = sorted(stats["read"])
    row.read_p50_ms = _percentile(read, 0.50) * 1000
    row.read_p99_ms = _percentile(read, 0.99) * 1000
    row.disorder = stats["disorder"]
    row.shared = stats["shared"]
    row.closes = dict(stats["closes"])
    row.rss_mib = _proc_status(gateway.pid, "VmRSS") / 1024
    if profiler is not None:
        row.profile = summarize_profile(profiler.out)


async def scenario(connections: int, history: str, options: Options, logs: Path) -> list[Row]:
    burst = max(1, options.burst_frames // connections)
    fixes_per_s = options.rate / connections
    steady = max(1, round(fixes_per_s * options.seconds))
    gateway = Gateway(history, queue_size=max(1000, 2 * burst), logs=logs,
                      source=options.source, loop=options.loop, nice=options.gateway_nice,
                      cpus=options.gateway_cpus)
    publisher = Publisher(f"{gateway.prefix}.fixes", options.payload)
    fleet: Fleet | None = None
    rows: list[Row] = []
    try:
        gateway.start()
        await publisher.start()
        await publisher.burst(3)  # warm the consumer and the history store
        await asyncio.sleep(1.0)
        rss_before = _proc_status(gateway.pid, "VmRSS")
        fleet = Fleet(gateway.port, connections, min(options.client_procs, connections),
                      options.deflate, nice=options.fleet_nice, cpus=options.fleet_cpus)
        subscribed = await fleet.ready(timeout=180)
        if subscribed < connections:
            raise RuntimeError(f"only {subscribed} of {connections} subscribed:\n{gateway.log()}")
        await asyncio.sleep(1.0)
        rss_per_conn = (_proc_status(gateway.pid, "VmRSS") - rss_before) / connections
        await publisher.burst(2)  # warm-up deliveries
        await fleet.wait_for(2 * connections, 30)

        def new_row(phase: str, fixes: int) -> Row:
            return Row(options.variant, connections, history, options.deflate, phase, fixes,
                       fixes * connections, rss_per_conn_kib=rss_per_conn)

        row = new_row("steady", steady)
        await fleet.reads(exact=True)
        await _phase(row, gateway, fleet, lambda: publisher.steady(fixes_per_s, steady),
                     options, wait_s=options.seconds + 60)
        rows.append(row)
        row = new_row("burst", burst)
        await fleet.reads(exact=False)
        await _phase(row, gateway, fleet, lambda: publisher.burst(burst), options,
                     wait_s=120)
        rows.append(row)
        return rows
    finally:
        if fleet is not None:
            await fleet.close()
        await publisher.stop()
        gateway.stop()
        await gateway.remove_state()


# -- the table ----------------------------------------------------------------------------------
HEADER = (f"{'gw':<8} {'conns':>6} {'history':<7} {'deflate':<7} {'phase':<6} {'fixes':>6} "
          f"{'frames':>9} {'deliv/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'late%':>5} "
          f"{'read p50/p99':>13} "
          f"{'routed p50/p99':>14} "
          f"{'gw CPU':>7} {'gw us/fr':>8} "
          f"{'cli CPU':>7} {'all CPU':>7} {'KiB/conn':>8} {'RSS MiB':>8}  notes")


def format_row(row: Row) -> str:
    notes = []
    if row.frames < row.expected:
        notes.append(f"MISSING {row.expected - row.frames}")
    if row.disorder:
        notes.append(f"OUT OF ORDER {row.disorder}")
    if row.closes:
        notes.append("closed " + ", ".join(f"{code}x{n}" for code, n in row.closes.items()))
    deflate = "on" if row.deflate else "off"
    return (f"{row.variant:<8} {row.connections:>6} {row.history:<7} {deflate:<7} "
            f"{row.phase:<6} {row.fixes:>6} {row.frames:>9} {row.delivered_per_s:>9.0f} "
            f"{row.p50_ms:>8.1f} {row.p99_ms:>8.1f} "
            f"{100 * row.shared / max(1, row.frames):>5.1f} "
            f"{f'{row.read_p50_ms:.0f}/{row.read_p99_ms:.0f}':>13} "
            f"{f'<={row.routed_p50_ms:g}/<={row.routed_p99_ms:g}':>14} "
            f"{100 * row.gateway_cpu:>6.0f}% {row.gateway_us_per_frame:>8.1f} "
            f"{100 * row.client_cpu:>6.0f}% {100 * row.machine_cores:>6.0f}% "
            f"{row.rss_per_conn_kib:>8.1f} {row.rss_mib:>8.0f}"
            f"  {'; '.join(notes)}")


def format_ratio(bases: list[Row], others: list[Row]) -> str:
    """Median over repeats of other / base: delivered/s (higher is better), latencies,
    gateway CPU per frame, memory per connection."""
    def ratio(metric: str) -> str:
        values = sorted(getattr(o, metric) / getattr(b, metric)
                        for b, o in zip(bases, others, strict=True)
                        if getattr(b, metric) and getattr(o, metric) == getattr(o, metric))
        return f"{statistics.median(values):.2f}x" if values else "-"

    first = others[0]
    return (f"{first.variant}/{bases[0].variant:<6} {first.connections:>6} {first.phase:<6} "
            f"(median of {len(bases)}) deliv/s {ratio('delivered_per_s')}, "
            f"p50 {ratio('p50_ms')}, p99 {ratio('p99_ms')}, "
            f"gw CPU per frame {ratio('gateway_us_per_frame')}, "
            f"KiB/conn {ratio('rss_per_conn_kib')}, RSS {ratio('rss_mib')}")


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def _variant(text: str) -> tuple[str, Path, str]:
    name, sep, rest = text.partition("=")
    folder, _, loop = rest.partition(",")
    folder = folder or "."
    if not sep or not (Path(folder) / "streams").is_dir() or loop not in ("", "uvloop"):
        raise argparse.ArgumentTypeError("NAME=DIR[,uvloop], where DIR holds a `streams` "
                                         "package")
    return name, Path(folder).resolve(), loop or "asyncio"


def _words(text: str, allowed: Iterable[str]) -> list[str]:
    words = [part for part in text.split(",") if part]
    unknown = set(words) - set(allowed)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(sorted(unknown))}")
    return words


async def main_async(args: argparse.Namespace) -> None:
    logs = Path(tempfile.mkdtemp(prefix="fixstream-bench-"))
    variants = [*args.variant, *([] if args.skip_this else [("this", REPO, "asyncio")])]
    for deflate in args.deflate:
        for history in args.history:
            for connections in args.connections:
                runs: list[dict[str, list[Row]]] = []
                for _ in range(args.repeat):
                    by_variant: dict[str, list[Row]] = {}
                    for variant, source, loop in variants:
                        options = Options(
                            rate=args.rate, seconds=args.seconds,
                            burst_frames=args.burst_frames, payload=args.payload,
                            client_procs=args.client_procs, deflate=deflate == "on",
                            profile=args.profile, py_spy=args.py_spy, variant=variant,
                            source=source, loop=loop, gateway_nice=args.gateway_nice,
                            gateway_cpus=args.gateway_cpus, fleet_nice=args.fleet_nice,
                            fleet_cpus=args.fleet_cpus)
                        rows = await scenario(connections, history, options, logs)
                        by_variant[variant] = rows
                        for row in rows:
                            print(format_row(row), flush=True)
                            if row.profile:
                                print(row.profile, flush=True)
                    runs.append(by_variant)
                base = variants[0][0]
                for variant, _, _ in variants[1:]:
                    for phase in range(len(runs[0][base])):
                        print(format_ratio([r[base][phase] for r in runs],
                                           [r[variant][phase] for r in runs]), flush=True)
    shutil.rmtree(logs, ignore_errors=True)


def _shown(nice: int | None, cpus: set[int] | None) -> str:
    placed = "inherited" if nice is None else str(nice)
    return placed if cpus is None else f"{placed} on CPUs {sorted(cpus)}"


def _fleet_loop() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=_numbers, default=[100, 1000, 5000])
    parser.add_argument("--history", type=lambda t: _words(t, ("memory", "redis")),
                        default=["memory", "redis"])
    parser.add_argument("--deflate", type=lambda t: _words(t, ("off", "on")), default=["off"],
                        help="offer permessage-deflate, as browsers do (off, on or off,on)")
    parser.add_argument("--rate", type=float, default=50_000,
                        help="deliveries per second offered in the steady phase")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--burst-frames", type=int, default=250_000,
                        help="deliveries in the burst (burst-frames / N fixes at once)")
    parser.add_argument("--payload", type=int, default=1000,
                        help="bytes of fixed_content in each fix")
    parser.add_argument("--client-procs", type=int, default=1)
    parser.add_argument("--profile", type=Path, default=None,
                        help="folder for py-spy samples of the gateway (slows it)")
    parser.add_argument("--py-spy", default=shutil.which("py-spy"))
    parser.add_argument("--variant", type=_variant, action="append", default=[],
                        metavar="NAME=DIR",
                        help="also run every scenario with the gateway of DIR (a folder holding "
                             "another `streams` package) and print ratios to the first variant; "
                             "repeatable")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of every scenario per variant, alternating")
    parser.add_argument("--gateway-nice", type=int, default=None,
                        help="niceness of the gateway process (default: inherited; below the "
                             "current one needs root)")
    parser.add_argument("--gateway-cpus", type=lambda t: set(_numbers(t)), default=None,
                        metavar="0,1", help="pin the gateway to these CPUs")
    parser.add_argument("--fleet-nice", type=int, default=None,
                        help="niceness of the subscriber processes (default: inherited)")
    parser.add_argument("--fleet-cpus", type=lambda t: set(_numbers(t)), default=None,
                        metavar="0,1", help="pin the subscriber processes to these CPUs")
    parser.add_argument("--skip-this", action="store_true",
                        help="run only the --variant gateways, not this checkout's")
    args = parser.parse_args()
    if args.profile is not None:
        if not args.py_spy:
            parser.error("--profile needs py-spy (pip install py-spy; or --py-spy PATH)")
        args.profile.mkdir(parents=True, exist_ok=True)
    limit = raise_nofile(max(args.connections) * 2 + 1024)  # inherited by the gateway
    busy0 = _busy_cores_seconds()
    time.sleep(1.0)
    background = _busy_cores_seconds() - busy0
    print(f"open-file limit {limit}; {os.cpu_count()} CPUs, {background:.2f} busy before the run; "
          f"payload {args.payload} B; "
          f"{args.client_procs} client process(es) on {_fleet_loop()}; kafka {KAFKA}; "
          f"niceness: bench {os.getpriority(os.PRIO_PROCESS, 0)}, "
          f"gateway {_shown(args.gateway_nice, args.gateway_cpus)}, "
          f"fleet {_shown(args.fleet_nice, args.fleet_cpus)}; "
          f"load average {os.getloadavg()[0]:.2f}",
          flush=True)
    print(HEADER, flush=True)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
