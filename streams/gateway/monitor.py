"""Kafka feeds of the gateway's metrics: feedback verdicts and the worker group's lag.

Like the fixes consumer, the feedback consumer reads every partition from the end without
a consumer group, so each gateway counts every verdict given from now on. The lag is the
worker group's (``settings.app_id``) committed offsets on ``fixstream.changes`` against
the partitions' end offsets, measured every ``lag_interval_s``. Neither feed ever stops the
gateway: Kafka errors are logged and retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from ..kafka import max_message_bytes
from ..settings import Settings
from .metrics import GatewayMetrics

__all__ = ["MetricsFeed"]

log = logging.getLogger("fixstream.gateway.metrics")


class MetricsFeed:
    """Feed a :class:`GatewayMetrics` from ``fixstream.feedback`` and the worker's lag."""

    def __init__(self, settings: Settings, metrics: GatewayMetrics,
                 lag_interval_s: float = 2.0) -> None:
        self.settings = settings
        self.metrics = metrics
        self.lag_interval_s = lag_interval_s
        self._consumer: AIOKafkaConsumer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._lag_failing = False

    async def start(self) -> None:
        """Position at the end of the feedback topic, then start both feeds."""
        settings = self.settings
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers,
                                    enable_auto_commit=False, fetch_max_wait_ms=200,
                                    max_partition_fetch_bytes=max_message_bytes(settings))
        await consumer.start()
        self._consumer = consumer
        tps = await self._partitions(settings.topic("feedback"))
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:  # resolve now, so no verdict given after start is missed
            await consumer.position(tp)
        self._admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers,
                                          request_timeout_ms=5000)
        await self._admin.start()
        self._tasks = [
            asyncio.create_task(self._read_feedback(), name="fixstream-gateway-feedback"),
            asyncio.create_task(self._watch_lag(), name="fixstream-gateway-lag"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._admin is not None:
            await self._admin.close()
        if self._consumer is not None:
            await self._consumer.stop()

    async def measure_lag(self) -> dict[int, int]:
        """Uncommitted changes of the worker group per partition of the changes topic."""
        assert self._consumer is not None and self._admin is not None, "call start() first"
        tps = await self._partitions(self.settings.topic("changes"))
        if not tps:
            return {}
        committed = await self._admin.list_consumer_group_offsets(self.settings.app_id,
                                                                  partitions=tps)
        ends = await self._consumer.end_offsets(tps)
        unread = [tp for tp in tps if tp not in committed or committed[tp].offset < 0]
        # A group that never committed a partition starts at its beginning (Faust's
        # auto.offset.reset is "earliest").
        begins = await self._consumer.beginning_offsets(unread) if unread else {}
        lags = {}
        for tp in tps:
            mark = committed.get(tp)
            start = mark.offset if mark is not None and mark.offset >= 0 else begins[tp]
            lags[tp.partition] = max(0, ends[tp] - start)
        return lags

    async def _partitions(self, topic: str) -> list[TopicPartition]:
        assert self._consumer is not None
        # The client keeps metadata of the topics it is told of only (the changes topic is
        # never assigned here): add it, like the fixes consumer forces an update.
        await self._consumer._client.add_topic(topic)
        partitions = self._consumer.partitions_for_topic(topic)
        for _ in range(50):
            if partitions:
                break
            await self._consumer._client.force_metadata_update()
            partitions = self._consumer.partitions_for_topic(topic)
            await asyncio.sleep(0.1)
        return [TopicPartition(topic, p) for p in sorted(partitions or ())]

    async def _read_feedback(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=500, max_records=500)
            except KafkaError as exc:
                log.warning("reading feedback failed (%s); retrying", exc)
                await asyncio.sleep(1.0)
                continue
            for messages in batches.values():
                for message in messages:
                    try:
                        record = json.loads(message.value or b"")
                    except (UnicodeDecodeError, json.JSONDecodeError):
                        continue
                    if isinstance(record, dict):
                        self.metrics.observe_feedback(record)

    async def _watch_lag(self) -> None:
        while True:
            try:
                async with asyncio.timeout(max(5.0, self.lag_interval_s)):
                    lags = await self.measure_lag()
            except (KafkaError, OSError, TimeoutError) as exc:
                # Log the first failure of a streak only: the broker may not support it.
                level = logging.DEBUG if self._lag_failing else logging.WARNING
                log.log(level, "measuring the worker's consumer lag failed (%s: %s)",
                        type(exc).__name__, exc)
                self._lag_failing = True
            else:
                self._lag_failing = False
                self.metrics.observe_lag(lags)
            await asyncio.sleep(self.lag_interval_s)
