"""The server's delivery shell with stand-in connections: what gets written, and how often."""

from __future__ import annotations

import asyncio
import json
import zlib

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import State
from websockets.server import ServerProtocol

from streams.gateway.server import GatewayServer
from streams.gateway.server import _Connection as _GatewayConnection
from streams.settings import Settings


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)


class _Protocol:
    def __init__(self, extensions: list[object] | None = None) -> None:
        self.state = State.OPEN
        self.extensions = extensions or []


class _Connection:
    """The parts of a websockets ServerConnection that delivery touches."""

    def __init__(self) -> None:
        self.transport = _Transport()
        self.protocol = _Protocol()
        self.paused = False
        self._drained = asyncio.Event()
        self._drained.set()

    def pause(self) -> None:
        self.paused = True
        self._drained.clear()

    def resume(self) -> None:
        self.paused = False
        self._drained.set()

    async def drain(self) -> None:
        await self._drained.wait()


def _server(**settings: object) -> GatewayServer:
    return GatewayServer(Settings(redis_url=None, **settings))  # type: ignore[arg-type]


def _connect(server: GatewayServer, repo: str = "r",
             extensions: list[object] | None = None) -> tuple[str, _Connection]:
    """A subscribed client, attached once its extensions are known (as after a handshake)."""
    client_id = server.core.connect()
    server.core.subscribe(client_id, repo)
    connection = _Connection()
    connection.protocol = _Protocol(extensions)
    server._attach(client_id, connection)  # type: ignore[arg-type]
    return client_id, connection


def _publish(server: GatewayServer, n: int, repo: str = "r") -> None:
    text = json.dumps({"repo": repo, "path": "a.js", "change_id": f"id{n}"})
    server._publish(repo, "a.js", f"id{n}", text, json.loads(text), f"{n}-0")


def _frames(data: bytes) -> list[dict]:
    """Unmasked server text frames, back to back, decoded."""
    out, pos = [], 0
    while pos < len(data):
        assert data[pos] == 0x81, "FIN + text"
        length, pos = data[pos + 1], pos + 2
        if length == 126:
            length, pos = int.from_bytes(data[pos:pos + 2], "big"), pos + 2
        out.append(json.loads(data[pos:pos + length]))
        pos += length
    return out


async def test_every_client_gets_the_same_bytes_in_one_write_per_round():
    server = _server()
    (_, ca), (_, cb) = _connect(server), _connect(server)
    for n in range(3):
        _publish(server, n)
    server._deliver()
    assert len(ca.transport.writes) == len(cb.transport.writes) == 1, "three fixes, one write"
    assert ca.transport.writes[0] is cb.transport.writes[0], "encoded once, shared"
    frames = _frames(ca.transport.writes[0])
    assert [f["position"] for f in frames] == ["0-0", "1-0", "2-0"]
    assert all(f["subscriptions"] == ["s1"] for f in frames)


async def test_a_client_past_the_write_limit_is_flushed_when_its_socket_drains():
    server = _server()
    (_, cf), (slow, cs) = _connect(server), _connect(server)
    cs.pause()
    _publish(server, 1)
    server._deliver()
    assert len(cf.transport.writes) == 1 and cs.transport.writes == []
    _publish(server, 2)
    server._deliver()  # still paused: queued, not written, no second flusher
    assert len(server._flushers) == 1 and server.core.pending(slow) == 2
    cs.resume()
    await asyncio.sleep(0.01)
    written = b"".join(cs.transport.writes)
    assert [f["position"] for f in _frames(written)] == ["1-0", "2-0"]
    assert not server._flushing and not server._flushers


async def test_compressed_frames_are_shared_by_connections_with_the_same_window():
    server = _server()
    # What the gateway negotiates: no context takeover on its side.
    (_, c1), (_, c2) = [_connect(server, extensions=[
        PerMessageDeflate(False, True, 12, 12, {"memLevel": 5})]) for _ in range(2)]
    _, plain = _connect(server)
    _publish(server, 1)
    _publish(server, 2)
    server._deliver()
    [data] = c1.transport.writes
    assert c2.transport.writes[0] is data, "compressed once for both"
    pos, texts = 0, []
    while pos < len(data):
        assert data[pos] == 0xC1, "FIN + RSV1 (compressed) + text"
        length = data[pos + 1]
        texts.append(zlib.decompressobj(-12).decompress(
            data[pos + 2:pos + 2 + length] + b"\x00\x00\xff\xff"))
        pos += 2 + length
    assert [json.loads(t)["position"] for t in texts] == ["1-0", "2-0"]
    assert [f["position"] for f in _frames(plain.transport.writes[0])] == ["1-0", "2-0"]


async def test_closing_connections_get_nothing_and_other_extensions_go_through_websockets(
        monkeypatch):
    server = _server()
    (closing, cc) = _connect(server)
    # context takeover: frames depend on the connection
    (_, cd) = _connect(server, extensions=[PerMessageDeflate(False, False, 12, 12)])
    cc.protocol.state = State.CLOSING
    sent: list[tuple[object, str]] = []
    monkeypatch.setattr("streams.gateway.server.broadcast",
                        lambda connections, frame: sent.extend((c, frame) for c in connections))
    _publish(server, 1)
    _publish(server, 2)
    server._deliver()
    assert cc.transport.writes == [] and server.core.pending(closing) == 0
    assert [c for c, _ in sent] == [cd, cd], "per frame, compressed per connection"
    assert [json.loads(f)["position"] for _, f in sent] == ["1-0", "2-0"]


async def test_a_held_client_gets_its_frames_after_release():
    server = _server()
    client, connection = _connect(server)
    server.core.hold(client)
    _publish(server, 1)
    server._deliver()
    assert connection.transport.writes == []
    assert server.core.release(client)
    server._deliver()
    assert [f["position"] for f in _frames(connection.transport.writes[0])] == ["1-0"]


async def test_a_round_writes_each_client_its_own_frames_once_sharing_bytes_by_run():
    server = _server()
    (_, ca), (_, cb) = _connect(server), _connect(server)
    c_id, cc = _connect(server, repo="other")
    server.core.subscribe(c_id, "r", ["src/**"])  # matches only fixes under src/
    _publish(server, 1)  # a.js: not under src/
    text = json.dumps({"repo": "r", "path": "src/b.js", "change_id": "id2"})
    server._publish("r", "src/b.js", "id2", text, json.loads(text), "2-0")
    server._deliver()
    [data_a], [data_b], [data_c] = (c.transport.writes for c in (ca, cb, cc))
    assert data_a is data_b
    assert [f["position"] for f in _frames(data_a)] == ["1-0", "2-0"]
    assert [(f["position"], f["subscriptions"]) for f in _frames(data_c)] == [("2-0", ["s2"])]


async def test_a_detached_client_is_skipped_and_its_frames_are_not_written_elsewhere():
    server = _server()
    (gone, cg), (_, ck) = _connect(server), _connect(server)
    server._links.pop(gone)  # its session ended between routing and the round
    _publish(server, 1)
    server._deliver()
    assert cg.transport.writes == [] and len(ck.transport.writes) == 1


class _SocketTransport(_Transport):
    """Enough of an asyncio transport for a real websockets connection."""

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default

    def can_write_eof(self) -> bool:
        return True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def write_eof(self) -> None:
        self.writes.append(b"<eof>")


class _WebSocketServer:
    """The part of websockets' Server a connection starts its handler with (a no-op here:
    the test drives the connection)."""

    def __init__(self) -> None:
        self.handler_tasks: set[asyncio.Task[None]] = set()

    async def handler(self, connection: object) -> None:
        return None


def _connect_real(server: GatewayServer) -> tuple[str, _GatewayConnection, _SocketTransport]:
    """A subscribed client on websockets' own connection class, as the gateway serves it."""
    protocol = ServerProtocol()
    protocol.state = State.OPEN
    connection = _GatewayConnection(protocol, server=_WebSocketServer())  # type: ignore[arg-type]
    transport = _SocketTransport()
    connection.connection_made(transport)  # type: ignore[arg-type]
    client_id = server.core.connect()
    server.core.subscribe(client_id, "r")
    server._attach(client_id, connection)
    return client_id, connection, transport


async def test_connections_are_written_unchecked_until_they_say_they_paused_or_closed():
    server = _server()
    (_, _, ta), (slow, cs, ts), (_, cc, tc) = (_connect_real(server) for _ in range(3))
    _publish(server, 1)
    server._deliver()
    assert ta.writes[0] is ts.writes[0] is tc.writes[0]
    cs.pause_writing()  # as asyncio's transport does past the write limit
    cc.protocol.send_close(1000, "bye")
    cc.send_data()  # the close frame goes out: no data frame may follow it
    after_close = len(tc.writes)
    _publish(server, 2)
    server._deliver()
    assert [f["position"] for f in _frames(ta.writes[1])] == ["2-0"]
    assert len(ts.writes) == 1 and server.core.pending(slow) == 1, "queued while paused"
    assert len(tc.writes) == after_close
    cs.resume_writing()
    await asyncio.sleep(0.01)
    assert [f["position"] for f in _frames(ts.writes[1])] == ["2-0"]
    _publish(server, 3)
    server._deliver()
    assert [f["position"] for f in _frames(ts.writes[2])] == ["3-0"], "unchecked again"
    assert len(tc.writes) == after_close
