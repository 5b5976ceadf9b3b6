"""Thousands of minimal WebSocket subscribers in one process, for load tests of the gateway.

The gateway's own client (:class:`streams.client.Subscriber`, on websockets) spends tens
of microseconds of Python per received frame; a load generator built on it, sharing the
machine's cores with the gateway, would mostly measure itself. These subscribers speak
just enough RFC 6455 on raw non-blocking sockets: the opening handshake (optionally
offering permessage-deflate, as browsers and websockets' client do), masked client
frames, unmasked server frames, pings answered, close codes counted.

Each fix frame gets two latencies from the ``produced_at`` that the publisher puts first
in the result: when it reached the client's socket (the kernel's receive timestamp) and
when this process read it. With thousands of sockets per process the second includes
the time this process takes to get round to the socket. A ``seq`` follows
``produced_at`` and must increase per connection (the gateway's per-client order).

:func:`run_fleet` is a process entry point driven over a :mod:`multiprocessing` pipe;
stdlib only, so it starts fast under ``spawn``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import resource
import socket
import struct
import time
import zlib
from array import array
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["raise_nofile", "run_fleet"]

_DEFLATE_TAIL = b"\x00\x00\xff\xff"
_PRODUCED = b'"produced_at":'
_FIX = b'{"type":"fix"'
_OP_TEXT, _OP_CLOSE, _OP_PING, _OP_PONG = 0x1, 0x8, 0x9, 0xA
_SO_TIMESTAMPNS = 35  # Linux; the socket module does not name it


def raise_nofile(wanted: int) -> int:
    """Raise this process's open-file limit towards ``wanted`` (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One masked client frame (RFC 6455 section 5.3), payload under 64 KiB."""
    mask = os.urandom(4)
    size = len(payload)
    header = bytes([0x80 | opcode])
    header += bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + size.to_bytes(2, "big")
    keystream = (mask * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(
        size, "big")
    return header + mask + masked


class _Fleet:
    """What every subscriber of this process received since the last reset."""

    def __init__(self) -> None:
        self.subscribers: list[_Subscriber] = []
        self.exact = False  # read frame by frame, so each gets its own kernel stamp
        self.reset()

    def reset(self) -> None:
        self.frames = 0
        self.arrival = array("d")  # socket arrival (kernel timestamp) minus produced_at
        self.read = array("d")  # read by this process minus produced_at
        self.last_at = 0.0
        self.disorder = 0
        self.shared = 0  # fix frames stamped with a later segment's arrival (see _readable)
        self.closes: Counter[int] = Counter()
        self.cpu_at_reset = _cpu_seconds()

    def snapshot(self) -> dict[str, Any]:
        return {"frames": self.frames, "arrival": self.arrival.tobytes(),
                "read": self.read.tobytes(), "last_at": self.last_at,
                "disorder": self.disorder, "shared": self.shared,
                "closes": dict(self.closes),
                "cpu_s": _cpu_seconds() - self.cpu_at_reset}


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class _Subscriber:
    """One connection on a raw non-blocking socket: handshake, subscribe, count fixes.

    Reads with ``recvmsg`` and ``SO_TIMESTAMPNS``, so each read also says when its last
    segment reached the socket: the gateway's delivery time, apart from how long this
    process took to get to the socket among thousands.
    """

    def __init__(self, fleet: _Fleet, loop: asyncio.AbstractEventLoop) -> None:
        self.fleet = fleet
        self.loop = loop
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        self.buffer = bytearray()
        self.open = False
        self.closed = False
        self.subscribe = b""
        self.inflater: Any = None
        self.fresh_context = False
        self.last_seq = -1
        self.ready: asyncio.Future[bool] = loop.create_future()

    async def start(self, host: str, port: int, request: bytes, subscribe: bytes) -> bool:
        """Connect, shake hands and subscribe; whether the gateway acknowledged."""
        self.subscribe = subscribe
        await self.loop.sock_connect(self.sock, (host, port))
        self.sock.send(request)  # a few hundred bytes into an empty socket buffer
        self.loop.add_reader(self.sock.fileno(), self._readable)
        return await self.ready

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(ValueError, OSError):
                self.loop.remove_reader(self.sock.fileno())
            self.sock.close()
        if not self.ready.done():
            self.ready.set_result(False)

    def _readable(self) -> None:
        try:
            if self.open and self.fleet.exact:
                data, ancillary = self._read_frame()
            else:
                data, ancillary, _, _ = self.sock.recvmsg(1 << 18, 64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        if not data:
            self.close()
            return
        now = time.time()
        arrived = now
        for level, kind, value in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                seconds, nanoseconds = struct.unpack("qq", value[:16])
                arrived = seconds + nanoseconds * 1e-9
        buffer = self.buffer
        if data is not buffer:
            buffer += data
        if not self.open and not self._handshake():
            return
        pos, size = 0, len(buffer)
        fixes = self.fleet.frames
        while size - pos >= 2:
            length, head = buffer[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buffer[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buffer[pos + 2:pos + 10], "big"), 10
            end = pos + head + length
            if end > size:
                break
            if buffer[pos] == 0x81 and buffer.startswith(_FIX, pos + head):
                self._fix(buffer, pos + head, end, arrived, now)  # read in place, no copy
            else:
                self._frame(buffer[pos], bytes(buffer[pos + head:end]), arrived, now)
            if self.closed:
                return
            pos = end
        if pos:
            del buffer[:pos]
        # A read that spans several segments gets the arrival of the last one only: fixes
        # of different writes read together (this process lagging) are stamped late. The
        # gateway writes several fixes at once when it has several ready (then the stamp
        # is right), so this is an upper bound of the frames stamped late.
        fixes = self.fleet.frames - fixes
        if fixes > 1:
            self.fleet.shared += fixes - 1

    def _read_frame(self) -> tuple[bytes | bytearray, list[Any]]:
        """Read up to the end of the next frame and no further (into ``self.buffer``,
        which is returned): the header, then the rest. A read that spans segments gets
        the kernel stamp of the last one, so a frame read with the next fix's segment
        would be stamped late; this way each frame gets the stamp of its own segment,
        whenever this process gets round to it, at the price of two reads per frame."""
        buffer = self.buffer
        ancillary: list[Any] = []
        for _ in range(2):
            want = _missing(buffer)
            try:
                data, stamp, _, _ = self.sock.recvmsg(want, 64)
            except (BlockingIOError, InterruptedError):
                if ancillary:
                    break
                raise
            if not data:
                if ancillary:
                    break
                return b"", []
            buffer += data
            ancillary = stamp or ancillary
            if len(data) < want or not _missing(buffer):
                break
        return buffer, ancillary

    def _send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):  # control frames only; the bench reads the rest
            self.sock.send(data)

    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buffer[:end]).lower()
        del self.buffer[:end + 4]
        if not head.startswith(b"http/1.1 101"):
            self.close()
            return False
        self.open = True
        if b"permessage-deflate" in head:
            self.inflater = zlib.decompressobj(-15)
            self.fresh_context = b"server_no_context_takeover" in head
        self._send(self.subscribe)
        return True

    def _frame(self, first: int, payload: bytes, arrived: float, now: float) -> None:
        opcode = first & 0x0F
        if opcode == _OP_TEXT:
            if first & 0x40:  # RSV1: compressed with permessage-deflate
                payload = self.inflater.decompress(payload + _DEFLATE_TAIL)
                if self.fresh_context:
                    self.inflater = zlib.decompressobj(-15)
            if payload.startswith(_FIX):
                self._fix(payload, 0, len(payload), arrived, now)
                return
            message = json.loads(payload)
            if message.get("type") in ("ack", "error") and not self.ready.done():
                self.ready.set_result(message["type"] == "ack")
        elif opcode == _OP_PING:
            self._send(client_frame(_OP_PONG, payload))
        elif opcode == _OP_CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.fleet.closes[code] += 1
            self.close()

    def _fix(self, data: bytes | bytearray, begin: int, end: int, arrived: float,
             now: float) -> None:
        """A fix frame in ``data[begin:end]``: only ``produced_at`` and ``seq`` are read."""
        start = data.find(_PRODUCED, begin, end) + len(_PRODUCED)
        comma = data.find(b",", start, end)
        produced = float(data[start:comma])
        seq = int(data[comma + 7:data.find(b",", comma + 1, end)])  # ,"seq":N,
        fleet = self.fleet
        if seq <= self.last_seq:
            fleet.disorder += 1
        self.last_seq = seq
        fleet.frames += 1
        fleet.arrival.append(arrived - produced)
        fleet.read.append(now - produced)
        fleet.last_at = now


def _missing(buffer: bytearray) -> int:
    """Bytes still to read to end the frame that ``buffer`` starts (4 for an empty one: a
    fix frame's header, or a small control frame)."""
    size = len(buffer)
    if size < 2:
        return 4 - size
    length = buffer[1] & 0x7F
    head = 2 if length < 126 else 4 if length == 126 else 10
    if size < head:
        return head - size
    if length >= 126:
        length = int.from_bytes(buffer[2:head], "big")
    return max(1, head + length - size)


def _request(host: str, port: int, deflate: bool) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    extension = ("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                 if deflate else "")
    return (f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n{extension}\r\n").encode()


async def _open(fleet: _Fleet, host: str, port: int, count: int, repo: str, deflate: bool,
                concurrency: int) -> int:
    """Connect and subscribe ``count`` subscribers; the number that got their ack."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)
    subscribe = client_frame(_OP_TEXT, json.dumps({"type": "subscribe", "repo": repo}).encode())

    async def one() -> bool:
        async with gate:
            subscriber = _Subscriber(fleet, loop)
            fleet.subscribers.append(subscriber)
            try:
                async with asyncio.timeout(60):
                    return await subscriber.start(host, port, _request(host, port, deflate),
                                                  subscribe)
            except (OSError, TimeoutError):
                subscriber.close()
                return False

    results = await asyncio.gather(*(one() for _ in range(count)))
    return sum(results)


async def _serve(pipe: Connection, host: str, port: int, count: int, repo: str,
                 deflate: bool, concurrency: int) -> None:
    fleet = _Fleet()
    subscribed = await _open(fleet, host, port, count, repo, deflate, concurrency)
    pipe.send(("ready", subscribed))
    loop = asyncio.get_running_loop()
    while True:
        # A blocking read in a thread: add_reader would make the pipe non-blocking (uvloop
        # does), and then sending a large snapshot back could fail half-way.
        command = await loop.run_in_executor(None, pipe.recv)
        if command == "count":
            pipe.send(fleet.frames)
        elif command in ("exact", "batch"):
            fleet.exact = command == "exact"
            pipe.send(True)
        elif command == "reset":
            fleet.reset()
            pipe.send(True)
        elif command == "stats":
            pipe.send(fleet.snapshot())
        elif command == "quit":
            for subscriber in fleet.subscribers:
                subscriber.close()
            pipe.send(True)
            return


def run_fleet(pipe: Connection, host: str, port: int, count: int, repo: str,
              deflate: bool = False, concurrency: int = 64) -> None:
    """Process entry: open ``count`` subscribers of ``repo``, then answer the pipe's
    commands (``count``, ``reset``, ``stats``, ``exact`` or ``batch`` reads, ``quit``)
    until ``quit``."""
    raise_nofile(count + 256)
    try:  # the cheaper loop leaves more of the shared cores to the gateway under test
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(_serve(pipe, host, port, count, repo, deflate, concurrency))
