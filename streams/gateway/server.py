"""The WebSocket gateway: Kafka ``fixstream.fixes`` in, WebSocket frames out.

This shell only moves data: :class:`~streams.gateway.core.GatewayCore` decides who gets
what. Each gateway reads every partition of the fixes topic itself (no consumer group to
share), so any number of gateways can run side by side and a client may use any of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions import Extension
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from ..exceptions import InvalidEvent
from ..kafka import ensure_topics, max_message_bytes, start_producer
from ..records import Feedback, parse_change, parse_record
from ..settings import Settings
from .auth import LOOPBACK_GRANT, Grant, TokenError, is_loopback, request_token, verify_token
from .core import ALL_REPOS, GatewayCore
from .history import HistoryStore, MemoryHistory, RedisHistory, parse_position
from .http import needs_access, refused
from .http import respond as http_response
from .metrics import GatewayMetrics
from .monitor import MetricsFeed
from .protocol import (
    PROTOCOL_VERSION,
    ProtocolError,
    error_frame,
    parse_client_message,
    render,
)

__all__ = ["GatewayServer"]

log = logging.getLogger("fixstream.gateway")

#: Close code for a client dropped because its queue filled up (RFC 6455: "try again later").
CLOSE_TOO_SLOW = 1013

#: Encoded frames kept for clients that get them in a later write (bytes, about).
_WIRE_CACHE_BYTES = 32 << 20

#: Why a client that is not on loopback is refused by a gateway without a token key.
NO_KEY = "this gateway has no token key configured and serves loopback clients only"


#: permessage-deflate as websockets offers it by default (small windows, little memory), but
#: without context takeover on the server's side: each message is compressed on its own,
#: so one compressed frame serves every connection that negotiated the same window.
_DEFLATE = ServerPerMessageDeflateFactory(
    server_no_context_takeover=True, server_max_window_bits=12, client_max_window_bits=12,
    compress_settings={"memLevel": 5})


def _shared_deflate(extensions: Sequence[Extension]) -> PerMessageDeflate | None:
    """The connection's permessage-deflate when its frames do not depend on the connection
    (no context takeover on our side), else None."""
    if len(extensions) == 1:
        deflate = extensions[0]
        if isinstance(deflate, PerMessageDeflate) and deflate.local_no_context_takeover:
            return deflate
    return None


class _Link(NamedTuple):
    """What a delivery round needs of one client, looked up once per session."""

    connection: ServerConnection
    protocol: ServerProtocol
    transport: asyncio.Transport
    deflate: PerMessageDeflate | None  # shared permessage-deflate, or None
    key: int  # which encoding it gets: 0 plain, else window bits; -1 its own deflate context


class _Connection(ServerConnection):
    """websockets' server connection that tells the gateway, through ``on_stall``, as soon
    as it may no longer be written to blindly: its socket is past the write limit, or it
    has left the OPEN state (every such change is followed by :meth:`send_data`, which
    writes the close frame, or by :meth:`connection_lost`). Until then, a delivery round
    writes to it without looking at its state."""

    on_stall: Callable[[], None] | None = None

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.on_stall is not None:
            self.on_stall()

    def send_data(self) -> None:
        super().send_data()
        if self.on_stall is not None and self.protocol.state is not State.OPEN:
            self.on_stall()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.on_stall is not None:
            self.on_stall()


def _link(connection: ServerConnection) -> _Link:
    protocol = connection.protocol
    deflate = None
    key = 0
    if protocol.extensions:
        deflate = _shared_deflate(protocol.extensions)
        key = deflate.local_max_window_bits or 15 if deflate is not None else -1
    return _Link(connection, protocol, connection.transport, deflate, key)


def _host(connection: ServerConnection) -> str | None:
    address = connection.remote_address
    return str(address[0]) if address else None


class GatewayServer:
    """Serve subscribers over WebSocket and feed them from ``fixstream.fixes``."""

    def __init__(self, settings: Settings, host: str | None = None,
                 port: int | None = None) -> None:
        self.settings = settings
        self.host = settings.gateway_host if host is None else host
        self.port = settings.gateway_port if port is None else port
        self.core = GatewayCore(queue_size=settings.gateway_queue_size)
        self._flushing: set[str] = set()  # clients past websockets' write limit, being drained
        self._flushers: set[asyncio.Task[None]] = set()
        self._held: set[str] = set()  # clients whose frames wait while their history is read
        # (frame text, window bits or 0) -> its WebSocket frame, shared by clients
        self._wire: dict[tuple[str, int], bytes] = {}
        self._wire_bytes = 0
        self._fixes_per_delivery = max(1, min(16, settings.gateway_queue_size // 2))
        self._links: dict[str, _Link] = {}  # what a delivery round needs of each client
        # Clients a round writes to without a look at their connection: open, below the
        # write limit, and able to say when that changes (see _Connection). The others
        # are checked before and during every round.
        self._unchecked: dict[str, _Link] = {}
        self._checked: set[str] = set()
        self._server: Server | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: Any = None
        self._pump: asyncio.Task[None] | None = None
        self.metrics = GatewayMetrics()  # the dashboard's and /metrics' numbers
        self._metrics_feed = MetricsFeed(settings, self.metrics)
        self._grants: dict[ServerConnection, Grant] = {}
        self._grant_of: dict[str, Grant] = {}
        self.history: HistoryStore = (
            RedisHistory(settings.redis_url, namespace=settings.cache_namespace,
                         max_per_repo=settings.gateway_history_size)
            if settings.redis_url else MemoryHistory(settings.gateway_history_size))
        self._local_history = MemoryHistory(settings.gateway_history_size)
        key = settings.gateway_token_key
        self._token_key = key.get_secret_value() if key is not None else None
        self._algorithms = tuple(a.strip() for a in settings.gateway_token_algorithms.split(",")
                                 if a.strip())

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    async def start(self) -> None:
        """Connect to Kafka, position at the end of the fixes topic, then accept clients."""
        settings = self.settings
        await ensure_topics(settings)
        self._producer = await start_producer(settings)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers,
            enable_auto_commit=False,
            max_partition_fetch_bytes=max_message_bytes(settings),
            fetch_max_wait_ms=50,
        )
        await consumer.start()
        self._consumer = consumer
        topic = settings.topic("fixes")
        partitions = consumer.partitions_for_topic(topic)
        for _ in range(50):
            if partitions:
                break
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
            await asyncio.sleep(0.1)
        tps = [TopicPartition(topic, p) for p in sorted(partitions or ())]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:  # resolve the positions now, so nothing produced after start is missed
            await consumer.position(tp)
        self._pump = asyncio.create_task(self._consume(), name="fixstream-gateway-consume")
        await self._metrics_feed.start()
        self._server = await serve(
            self._session, self.host, self.port,
            max_size=settings.gateway_max_message_bytes,
            process_request=self._http,
            ping_interval=20, ping_timeout=20,
            compression=None, extensions=[_DEFLATE], create_connection=_Connection,
        )
        sockets = self._server.sockets
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("gateway listening on %s (%d partitions of %s)", self.url, len(tps), topic)
        if self._token_key is None:
            log.warning("no FIXSTREAM_GATEWAY_TOKEN_KEY set: accepting loopback clients only, "
                        "with access to every repo")

    async def serve_forever(self) -> None:
        assert self._server is not None, "call start() first"
        await self._server.serve_forever()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self._metrics_feed.stop()
        for flusher in list(self._flushers):
            flusher.cancel()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()
        await self.history.close()

    async def __aenter__(self) -> GatewayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- HTTP --------------------------------------------------------------------------
    def _authenticate(self, connection: ServerConnection, request: Request) -> Grant | str:
        """The client's grant, or why it is refused."""
        if self._token_key is None:
            if is_loopback(_host(connection)):
                return LOOPBACK_GRANT
            return NO_KEY
        token = request_token(request.headers.get("Authorization"), request.path)
        if not token:
            return "a token is required: send `Authorization: Bearer <token>` or ?token=<token>"
        try:
            return verify_token(token, self._token_key, algorithms=self._algorithms)
        except TokenError as exc:
            return f"token refused: {exc}"

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if request.headers.get("Upgrade", "").lower() == "websocket" and path in ("/", "/ws"):
            grant = self._authenticate(connection, request)
            if isinstance(grant, str):
                return refused(http.HTTPStatus.UNAUTHORIZED, grant)
            self._grants[connection] = grant
            return None
        if needs_access(path) and not is_loopback(_host(connection)):
            # Any valid token may read the numbers: they are totals, named by rule and
            # partition, never by repo or file.
            grant = self._authenticate(connection, request)
            if isinstance(grant, str):
                return refused(http.HTTPStatus.FORBIDDEN if grant == NO_KEY
                               else http.HTTPStatus.UNAUTHORIZED, grant)
        return self._web(request)

    # -- HTTP: health, dashboard, metrics (routes in http.py) ------------------------------
    def _web(self, request: Request) -> Response | None:
        self.metrics.observe_clients(self.core.client_count)
        return http_response(request, self.metrics, self._health)

    def _health(self) -> dict[str, Any]:
        return {"status": "ok", "clients": self.core.client_count,
                "published": self.core.published}

    # -- Kafka -> clients ----------------------------------------------------------------
    async def _consume(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=500)
            except KafkaError as exc:
                log.warning("reading fixes failed (%s); retrying", exc)
                await asyncio.sleep(1.0)
                continue
            fixes: list[tuple[str, str, str, str, dict[str, Any]]] = []
            for tp, messages in batches.items():
                for message in messages:
                    fix = self._parse(f"{tp.partition}:{message.offset}", message.value)
                    if fix is not None:
                        fixes.append(fix)
            if not fixes:
                continue
            # One history round trip for the whole batch.
            positions = await self._positions([(repo, change_id, text)
                                               for repo, _, change_id, text, _ in fixes])
            # Frames go out every few fixes rather than per fix: a client then gets several
            # in one write (one send() call), and its outbox grows by at most that many
            # before it is written to. Between those rounds the loop runs other work
            # (client messages, Kafka fetches, drained sockets).
            for count, ((repo, path, change_id, text, result), position) in enumerate(
                    zip(fixes, positions, strict=True), 1):
                self._publish(repo, path, change_id, text, result, position)
                if count % self._fixes_per_delivery == 0 or count == len(fixes):
                    self._deliver()
                    await asyncio.sleep(0)

    @staticmethod
    def _parse(where: str, value: bytes | None) -> tuple[str, str, str, str,
                                                          dict[str, Any]] | None:
        """``(repo, path, change_id, text, result)`` of a fix record, or None (logged)."""
        try:
            text = (value or b"").decode("utf-8")
            result = json.loads(text)
            return result["repo"], result["path"], result["change_id"], text, result
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            log.warning("skipped an unreadable record at fixes %s", where)
            return None

    async def _positions(self, fixes: list[tuple[str, str, str]]) -> list[str]:
        """The fixes' history positions; while the store is down, local ones (no waiting)."""
        now = time.monotonic()
        if now >= self._history_retry_at:
            try:
                positions = await self.history.append_many(fixes)
            except Exception as exc:
                if self._history_retry_at == 0.0:
                    log.warning("history store failed (%s); positions are local and resume "
                                "is limited to this gateway until it recovers", exc)
                self._history_retry_at = now + 5.0
            else:
                if self._history_retry_at:
                    log.info("history store recovered")
                    self._history_retry_at = 0.0
                return positions
        return await self._local_history.append_many(fixes)

    _history_retry_at = 0.0

    def _publish(self, repo: str, path: str, change_id: str, text: str,
                 result: dict[str, Any], position: str) -> None:
        outcome = self.core.publish(repo, path, change_id, text, position)
        if not outcome.duplicate:
            self.metrics.observe_fix(result)
        for client_id in outcome.overflowed:
            link = self._links.get(client_id)
            if link is not None:
                log.warning("dropping slow client %s: %d fixes queued", client_id,
                            self.core.queue_size)
                asyncio.create_task(link.connection.close(
                    CLOSE_TOO_SLOW, f"too slow: more than {self.core.queue_size} fixes queued"))

    def _deliver(self) -> None:
        """Write every frame routed and not yet written, at once, to every client that
        keeps up.

        This is websockets' broadcast guidance taken one step further: no task, queue or
        wake-up per client and frame, and each distinct run of frames encoded once (JSON
        text, compression, WebSocket framing, unmasked as server frames are) and the same
        bytes written to every client that gets it, in one write. The core hands out the
        round grouped by run of frames, and a client whose connection reports its changes
        costs a lookup and its write: its state and write limit are not looked at (each
        look at a cold object costs about as much as the write's Python). Clients whose
        transport holds more than websockets' write limit are left to a task that waits
        for their socket to drain; meanwhile their frames stay in the core's bounded
        outbox, and a client whose outbox fills up is dropped as too slow.
        """
        links = self._links
        flushing = self._flushing
        checked = self._checked
        unchecked = self._unchecked
        for client_id in list(checked):
            link = links.get(client_id)
            if link is None:
                checked.discard(client_id)
            elif link.connection.paused:
                if client_id not in flushing:
                    self._start_flush(client_id, link.connection)
            elif (client_id not in flushing and isinstance(link.connection, _Connection)
                  and link.key >= 0 and link.protocol.state is State.OPEN):
                checked.discard(client_id)  # writable again: back to the unchecked ones
                unchecked[client_id] = link
        is_open = State.OPEN
        for frames, members in self.core.take_round(flushing).items():
            encoded: dict[int, bytes] = {}  # this run as bytes, per compression
            for client_id in members:
                link = unchecked.get(client_id)
                if link is None:
                    link = links.get(client_id)
                    if link is None or link.protocol.state is not is_open:
                        continue  # gone, or closing: frames sent now would break the closing
                    if link.key < 0:  # compressed with this connection's own context
                        for frame in frames:
                            broadcast((link.connection,), frame)
                        continue
                _, _, transport, deflate, key = link
                data = encoded.get(key)
                if data is None:
                    data = encoded[key] = self._encode(frames, deflate)
                try:
                    transport.write(data)
                except Exception as exc:  # a transport closing under us (uvloop raises)
                    log.debug("write to %s failed: %s", client_id, exc)

    def _write(self, link: _Link, frames: tuple[str, ...]) -> None:
        connection, protocol, transport, deflate, key = link
        if protocol.state is not State.OPEN:
            return
        if key < 0:
            for frame in frames:
                broadcast((connection,), frame)
            return
        try:
            transport.write(self._encode(frames, deflate))
        except Exception as exc:  # a transport closing under us (uvloop raises)
            log.debug("write failed: %s", exc)

    def _encode(self, frames: tuple[str, ...], deflate: PerMessageDeflate | None) -> bytes:
        """The WebSocket frames of ``frames``, back to back; each frame is encoded once
        (per compression) while it may still be sent to other clients."""
        wire = self._wire
        bits = deflate.local_max_window_bits if deflate else 0
        extensions = [deflate] if deflate else None
        parts = []
        for frame in frames:
            data = wire.get((frame, bits))
            if data is None:
                if self._wire_bytes > _WIRE_CACHE_BYTES:  # frames of fixes long delivered
                    wire.clear()
                    self._wire_bytes = 0
                data = wire[frame, bits] = Frame(Opcode.TEXT, frame.encode()).serialize(
                    mask=False, extensions=extensions)
                self._wire_bytes += len(data)
            parts.append(data)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _start_flush(self, client_id: str, connection: ServerConnection) -> None:
        self._flushing.add(client_id)
        task = asyncio.create_task(self._flush(client_id, connection))
        self._flushers.add(task)
        task.add_done_callback(self._flushers.discard)

    async def _flush(self, client_id: str, connection: ServerConnection) -> None:
        """Write a client's queued frames as its socket drains (websockets' flow control)."""
        try:
            while True:
                await connection.drain()
                frames = self.core.take(client_id, limit=64)
                link = self._links.get(client_id)
                if not frames or link is None:
                    return
                self._write(link, frames)
        except Exception:  # a broken socket: its session ends and cleans up
            log.debug("flushing client %s failed", client_id, exc_info=True)
        finally:
            self._flushing.discard(client_id)

    # -- one client --------------------------------------------------------------------
    def _attach(self, client_id: str, connection: ServerConnection) -> None:
        """Make ``connection`` the one delivery writes ``client_id``'s frames to (once its
        handshake is done: the extensions it negotiated are known and fixed)."""
        self._links[client_id] = _link(connection)
        self._checked.add(client_id)  # the next round decides whether it needs checks
        if isinstance(connection, _Connection):
            connection.on_stall = functools.partial(self._stall, client_id)

    def _stall(self, client_id: str) -> None:
        """``client_id``'s connection paused writing or is closing: check it from now on."""
        if self._unchecked.pop(client_id, None) is not None:
            self._checked.add(client_id)

    def _detach(self, client_id: str) -> None:
        self._links.pop(client_id, None)
        self._unchecked.pop(client_id, None)
        self._checked.discard(client_id)

    async def _session(self, connection: ServerConnection) -> None:
        grant = self._grants.pop(connection, None)
        if grant is None:  # a path the handshake check does not cover
            await connection.close(1008, "unauthorized")
            return
        client_id = self.core.connect(label=str(connection.remote_address))
        self._grant_of[client_id] = grant
        self._attach(client_id, connection)
        try:
            await connection.send(render("welcome", protocol=PROTOCOL_VERSION, client=client_id))
            async for message in connection:
                try:
                    reply = await self._handle(client_id, message)
                    if reply is not None:
                        await connection.send(reply)
                finally:
                    # A subscription read from the history: its frames go after its ack.
                    if client_id in self._held:
                        self._held.discard(client_id)
                        if self.core.release(client_id):
                            self._deliver()
        except ConnectionClosed:
            pass
        finally:
            self.core.disconnect(client_id)
            self._grant_of.pop(client_id, None)
            self._detach(client_id)
            self._held.discard(client_id)

    async def _handle(self, client_id: str, raw: str | bytes) -> str | None:
        request_id = None
        try:
            message = parse_client_message(raw, self.settings.gateway_max_message_bytes)
            request_id = message.id
            body = message.body
            if message.type == "ping":
                return render("pong", request_id)
            if message.type == "subscribe":
                paths = body.get("paths")
                if paths is None and isinstance(body.get("path"), str):
                    paths = [body["path"]]
                if paths is not None and not isinstance(paths, list):
                    raise ProtocolError("bad_request", "`paths` must be a list of globs")
                repo = body.get("repo")
                if not isinstance(repo, str):
                    raise ProtocolError("bad_request", "subscribe needs a `repo` string")
                if not self._grant_of[client_id].can_read(repo):
                    raise ProtocolError("forbidden", f"your token does not allow reading {repo!r}")
                since = body.get("since")
                if since is not None and (not isinstance(since, str) or repo == ALL_REPOS):
                    raise ProtocolError("bad_request", "`since` is a position string, and "
                                        "needs a single repo")
                recent = body.get("recent")
                if recent is not None and (not isinstance(recent, int)
                                           or isinstance(recent, bool) or recent < 0):
                    raise ProtocolError("bad_request", "`recent` is a number of fixes")
                if since is not None and recent is not None:
                    raise ProtocolError("bad_request", "send `since` or `recent`, not both")
                if since is not None:
                    try:
                        parse_position(since)
                    except ValueError as exc:
                        raise ProtocolError("bad_request", str(exc)) from None
                sub = self.core.subscribe(client_id, repo, paths or ())
                fields: dict[str, Any] = {"subscription": sub.id, "repo": sub.repo,
                                          "paths": list(sub.paths)}
                if since is not None or recent:
                    # Live fixes wait until the history is read and the ack is sent.
                    self.core.hold(client_id)
                    self._held.add(client_id)
                    if since is not None:
                        fields.update(await self._resume(client_id, sub.id, repo, since))
                    else:
                        fields.update(await self._recent(client_id, sub.id, repo, recent or 0))
                return render("ack", request_id, **fields)
            if message.type == "unsubscribe":
                if not self.core.unsubscribe(client_id, str(body.get("subscription"))):
                    raise ProtocolError("unknown_subscription",
                                        f"no subscription {body.get('subscription')!r}")
                return render("ack", request_id, subscription=body.get("subscription"))
            if message.type == "change":
                return await self._submit_change(client_id, request_id, body.get("change"))
            if message.type == "feedback":
                return await self._submit_feedback(client_id, request_id,
                                                   body.get("feedback"))
            raise ProtocolError("unknown_type", f"unhandled type {message.type}")
        except ProtocolError as exc:
            return error_frame(exc, request_id)
        except Exception as exc:  # never let one message end the session
            log.exception("error handling a client message")
            return error_frame(ProtocolError("internal", f"{type(exc).__name__}: {exc}"),
                               request_id)

    async def _resume(self, client_id: str, subscription_id: str, repo: str,
                      since: str) -> dict[str, Any]:
        """Queue what the client missed since ``since``; say plainly when that is too old."""
        try:
            replay = await self.history.since(repo, since)
        except Exception as exc:
            log.warning("history unavailable for a resume of %s: %s", repo, exc)
            return {"resumed": False, "reason": "history is unavailable; subscribed from now"}
        if replay.gap:
            return {"resumed": False, "oldest": replay.oldest,
                    "reason": "the fixes after your position are no longer in the history "
                              "(it keeps the last "
                              f"{self.settings.gateway_history_size} per repo); "
                              "subscribed from now"}
        count = self.core.replay(client_id, subscription_id, replay.entries)
        return {"resumed": True, "replayed": count}

    async def _recent(self, client_id: str, subscription_id: str, repo: str,
                      limit: int) -> dict[str, Any]:
        """Queue the last ``limit`` fixes of the history that match the subscription."""
        limit = min(limit, self.settings.gateway_history_size)
        try:
            entries = await self.history.recent(repo, limit)
        except Exception as exc:
            log.warning("history unavailable for the recent fixes of %s: %s", repo, exc)
            entries = await self._local_history.recent(repo, limit)
        return {"recent": self.core.replay(client_id, subscription_id, entries)}

    async def _submit_change(self, client_id: str, request_id: str | None, change: Any) -> str:
        if not isinstance(change, dict):
            raise ProtocolError("bad_request", "`change` must be a CodeChange object")
        try:
            record = parse_change(json.dumps(change),
                                  max_content_bytes=self.settings.max_content_bytes)
        except InvalidEvent as exc:
            raise ProtocolError("invalid_event", exc.reason) from None
        if not self._grant_of[client_id].can_write(record.repo):
            raise ProtocolError("forbidden",
                                f"your token does not allow submitting to {record.repo!r}")
        await self._send("changes", record.key, record.to_bytes())
        return render("ack", request_id, change_id=record.id)

    async def _submit_feedback(self, client_id: str, request_id: str | None,
                               feedback: Any) -> str:
        if not isinstance(feedback, dict):
            raise ProtocolError("bad_request", "`feedback` must be a Feedback object")
        try:
            record = parse_record(json.dumps(feedback), Feedback, max_bytes=1 << 20)
        except InvalidEvent as exc:
            raise ProtocolError("invalid_event", exc.reason) from None
        grant = self._grant_of[client_id]
        if grant is not LOOPBACK_GRANT and (record.repo is None
                                            or not grant.can_read(record.repo)):
            raise ProtocolError("forbidden", "feedback needs a `repo` your token can read")
        key = f"{record.repo}:{record.path}" if record.repo and record.path else record.fix_id
        await self._send("feedback", key, record.to_bytes())
        return render("ack", request_id, fix_id=record.fix_id)

    async def _send(self, stage: str, key: str, value: bytes) -> None:
        try:
            await self._producer.send_and_wait(self.settings.topic(stage), value=value,
                                               key=key.encode())
        except KafkaError as exc:
            raise ProtocolError("unavailable", f"Kafka refused the event: {exc}") from None
