"""The WebSocket gateway: Kafka ``fixstream.fixes`` in, WebSocket frames out.

This shell only moves data: :class:`~streams.gateway.core.GatewayCore` decides who gets
what. Each gateway reads every partition of the fixes topic itself (no consumer group to
share), so any number of gateways can run side by side and a client may use any of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import logging
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..exceptions import InvalidEvent
from ..kafka import ensure_topics, max_message_bytes, start_producer
from ..records import Feedback, parse_change, parse_record
from ..settings import Settings
from .auth import LOOPBACK_GRANT, Grant, TokenError, is_loopback, verify_token
from .core import ALL_REPOS, GatewayCore
from .history import HistoryStore, MemoryHistory, RedisHistory, parse_position
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


class GatewayServer:
    """Serve subscribers over WebSocket and feed them from ``fixstream.fixes``."""

    def __init__(self, settings: Settings, host: str | None = None,
                 port: int | None = None) -> None:
        self.settings = settings
        self.host = settings.gateway_host if host is None else host
        self.port = settings.gateway_port if port is None else port
        self.core = GatewayCore(queue_size=settings.gateway_queue_size)
        self._wakeups: dict[str, asyncio.Event] = {}
        self._draining: set[str] = set()  # clients whose writer task holds or sends frames
        self._fixes_per_delivery = max(1, min(16, settings.gateway_queue_size // 2))
        self._connections: dict[str, ServerConnection] = {}
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
            host = connection.remote_address[0] if connection.remote_address else None
            if is_loopback(host):
                return LOOPBACK_GRANT
            return "this gateway has no token key configured and serves loopback clients only"
        token: str | None = None
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
        else:
            tokens = parse_qs(urlsplit(request.path).query).get("token")
            token = tokens[0] if tokens else None
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
                body = json.dumps({"error": "unauthorized", "message": grant}).encode()
                return Response(http.HTTPStatus.UNAUTHORIZED.value, "Unauthorized",
                                Headers({"Content-Type": "application/json",
                                         "Content-Length": str(len(body))}), body)
            self._grants[connection] = grant
            return None
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
            # Frames go out every few fixes rather than per fix: a client then gets several
            # back to back (far cheaper than one per client in turn), and its outbox grows
            # by at most that many before it is written to.
            ready: dict[str, None] = {}  # clients with new frames, in routing order
            routed = 0
            for tp, messages in batches.items():
                for message in messages:
                    await self._route(f"{tp.partition}:{message.offset}", message.value, ready)
                    routed += 1
                    if routed % self._fixes_per_delivery == 0:
                        self._deliver(ready)
                        ready = {}
            self._deliver(ready)

    async def _position(self, repo: str, change_id: str, text: str) -> str:
        """The fix's history position; while the store is down, a local one (no waiting)."""
        now = time.monotonic()
        if now >= self._history_retry_at:
            try:
                position = await self.history.append(repo, change_id, text)
            except Exception as exc:
                if self._history_retry_at == 0.0:
                    log.warning("history store failed (%s); positions are local and resume "
                                "is limited to this gateway until it recovers", exc)
                self._history_retry_at = now + 5.0
            else:
                if self._history_retry_at:
                    log.info("history store recovered")
                    self._history_retry_at = 0.0
                return position
        return await self._local_history.append(repo, change_id, text)

    _history_retry_at = 0.0

    async def _route(self, where: str, value: bytes | None, ready: dict[str, None]) -> None:
        try:
            text = (value or b"").decode("utf-8")
            result = json.loads(text)
            repo, path, change_id = result["repo"], result["path"], result["change_id"]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            log.warning("skipped an unreadable record at fixes %s", where)
            return
        position = await self._position(repo, change_id, text)
        outcome = self.core.publish(repo, path, change_id, text, position)
        if not outcome.duplicate:
            self.metrics.observe_fix(result)
        ready.update(dict.fromkeys(outcome.ready))
        for client_id in outcome.overflowed:
            connection = self._connections.get(client_id)
            if connection is not None:
                log.warning("dropping slow client %s: %d fixes queued", client_id,
                            self.core.queue_size)
                asyncio.create_task(connection.close(
                    CLOSE_TOO_SLOW, f"too slow: more than {self.core.queue_size} fixes queued"))

    def _deliver(self, client_ids: Iterable[str]) -> None:
        """Send the frames just routed: written at once to clients that keep up, through
        their writer task for the others.

        Called every few fixes routed (and at the end of each Kafka batch), so a client
        gets several frames back to back when fixes come fast. The direct write is what
        websockets' ``broadcast()`` does: no task switch and no drain per frame and
        client, which dominate fan-out to thousands. It is taken only while the client's
        transport holds no unsent bytes and its writer task is idle, so per-client order
        holds; a client behind is left to its writer, which applies backpressure, and is
        dropped as too slow once its outbox fills up.
        """
        for client_id in client_ids:
            connection = self._connections.get(client_id)
            if connection is None:
                continue
            if client_id not in self._draining \
                    and not connection.transport.get_write_buffer_size():
                # At most a writer's batch past backpressure; the rest stays queued.
                for frame in self.core.take(client_id, limit=16):
                    broadcast((connection,), frame)
                if not self.core.pending(client_id):
                    continue
            self._wakeups[client_id].set()

    # -- one client --------------------------------------------------------------------
    async def _session(self, connection: ServerConnection) -> None:
        grant = self._grants.pop(connection, None)
        if grant is None:  # a path the handshake check does not cover
            await connection.close(1008, "unauthorized")
            return
        client_id = self.core.connect(label=str(connection.remote_address))
        self._grant_of[client_id] = grant
        wakeup = asyncio.Event()
        self._wakeups[client_id] = wakeup
        self._connections[client_id] = connection
        writer = asyncio.create_task(self._write(client_id, connection, wakeup))
        try:
            await connection.send(render("welcome", protocol=PROTOCOL_VERSION, client=client_id))
            async for message in connection:
                reply = await self._handle(client_id, message)
                if reply is not None:
                    await connection.send(reply)
        except ConnectionClosed:
            pass
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await writer
            self.core.disconnect(client_id)
            self._grant_of.pop(client_id, None)
            self._wakeups.pop(client_id, None)
            self._connections.pop(client_id, None)

    async def _write(self, client_id: str, connection: ServerConnection,
                     wakeup: asyncio.Event) -> None:
        while True:
            await wakeup.wait()
            wakeup.clear()
            self._draining.add(client_id)
            try:
                # Small batches: what is not yet taken stays in the core's bounded outbox,
                # where a full queue marks the client as too slow.
                while frames := self.core.take(client_id, limit=16):
                    for frame in frames:
                        await connection.send(frame)
            finally:
                self._draining.discard(client_id)

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
                if since is not None:
                    try:
                        parse_position(since)
                    except ValueError as exc:
                        raise ProtocolError("bad_request", str(exc)) from None
                sub = self.core.subscribe(client_id, repo, paths or ())
                fields: dict[str, Any] = {"subscription": sub.id, "repo": sub.repo,
                                          "paths": list(sub.paths)}
                if since is not None:
                    fields.update(await self._resume(client_id, sub.id, repo, since))
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
        wakeup = self._wakeups.get(client_id)
        if wakeup is not None and count:
            wakeup.set()
        return {"resumed": True, "replayed": count}

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
