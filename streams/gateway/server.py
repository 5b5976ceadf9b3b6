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
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..exceptions import InvalidEvent
from ..kafka import ensure_topics, max_message_bytes, start_producer
from ..records import Feedback, parse_change, parse_record
from ..settings import Settings
from .core import GatewayCore
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
        self._connections: dict[str, ServerConnection] = {}
        self._server: Server | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: Any = None
        self._pump: asyncio.Task[None] | None = None

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

    async def serve_forever(self) -> None:
        assert self._server is not None, "call start() first"
        await self._server.serve_forever()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()

    async def __aenter__(self) -> GatewayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- HTTP --------------------------------------------------------------------------
    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/healthz":
            body = json.dumps({"status": "ok", "clients": self.core.client_count,
                               "published": self.core.published}).encode()
            return Response(http.HTTPStatus.OK.value, "OK",
                            Headers({"Content-Type": "application/json",
                                     "Content-Length": str(len(body))}), body)
        return None

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
            for tp, messages in batches.items():
                for message in messages:
                    self._route(f"{tp.partition}:{message.offset}", message.value)

    def _route(self, position: str, value: bytes | None) -> None:
        try:
            text = (value or b"").decode("utf-8")
            result = json.loads(text)
            repo, path, change_id = result["repo"], result["path"], result["change_id"]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            log.warning("skipped an unreadable record at fixes %s", position)
            return
        outcome = self.core.publish(repo, path, change_id, text, position)
        for client_id in outcome.ready:
            wakeup = self._wakeups.get(client_id)
            if wakeup is not None:
                wakeup.set()
        for client_id in outcome.overflowed:
            connection = self._connections.get(client_id)
            if connection is not None:
                log.warning("dropping slow client %s: %d fixes queued", client_id,
                            self.core.queue_size)
                asyncio.create_task(connection.close(
                    CLOSE_TOO_SLOW, f"too slow: more than {self.core.queue_size} fixes queued"))

    # -- one client --------------------------------------------------------------------
    async def _session(self, connection: ServerConnection) -> None:
        client_id = self.core.connect(label=str(connection.remote_address))
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
            self._wakeups.pop(client_id, None)
            self._connections.pop(client_id, None)

    async def _write(self, client_id: str, connection: ServerConnection,
                     wakeup: asyncio.Event) -> None:
        while True:
            await wakeup.wait()
            wakeup.clear()
            for frame in self.core.take(client_id):
                await connection.send(frame)

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
                sub = self.core.subscribe(client_id, repo, paths or ())
                return render("ack", request_id, subscription=sub.id, repo=sub.repo,
                              paths=list(sub.paths))
            if message.type == "unsubscribe":
                if not self.core.unsubscribe(client_id, str(body.get("subscription"))):
                    raise ProtocolError("unknown_subscription",
                                        f"no subscription {body.get('subscription')!r}")
                return render("ack", request_id, subscription=body.get("subscription"))
            if message.type == "change":
                return await self._submit_change(request_id, body.get("change"))
            if message.type == "feedback":
                return await self._submit_feedback(request_id, body.get("feedback"))
            raise ProtocolError("unknown_type", f"unhandled type {message.type}")
        except ProtocolError as exc:
            return error_frame(exc, request_id)
        except Exception as exc:  # never let one message end the session
            log.exception("error handling a client message")
            return error_frame(ProtocolError("internal", f"{type(exc).__name__}: {exc}"),
                               request_id)

    async def _submit_change(self, request_id: str | None, change: Any) -> str:
        if not isinstance(change, dict):
            raise ProtocolError("bad_request", "`change` must be a CodeChange object")
        try:
            record = parse_change(json.dumps(change),
                                  max_content_bytes=self.settings.max_content_bytes)
        except InvalidEvent as exc:
            raise ProtocolError("invalid_event", exc.reason) from None
        await self._send("changes", record.key, record.to_bytes())
        return render("ack", request_id, change_id=record.id)

    async def _submit_feedback(self, request_id: str | None, feedback: Any) -> str:
        if not isinstance(feedback, dict):
            raise ProtocolError("bad_request", "`feedback` must be a Feedback object")
        try:
            record = parse_record(json.dumps(feedback), Feedback, max_bytes=1 << 20)
        except InvalidEvent as exc:
            raise ProtocolError("invalid_event", exc.reason) from None
        key = f"{record.repo}:{record.path}" if record.repo and record.path else record.fix_id
        await self._send("feedback", key, record.to_bytes())
        return render("ack", request_id, fix_id=record.fix_id)

    async def _send(self, stage: str, key: str, value: bytes) -> None:
        try:
            await self._producer.send_and_wait(self.settings.topic(stage), value=value,
                                               key=key.encode())
        except KafkaError as exc:
            raise ProtocolError("unavailable", f"Kafka refused the event: {exc}") from None
