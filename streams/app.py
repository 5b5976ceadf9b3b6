"""The Faust application: topics, tables and the three thin stage agents.

Each agent reads raw bytes, calls a plain function from :mod:`streams.stages`, and sends
bytes on. Anything that cannot be processed goes to ``fixstream.dead-letters`` with the
reason; the agent then carries on with the next event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import faust

from cache import CacheError, ResultCache, open_cache
from patterns import PatternMatcher
from planning.fix_planner import FixPlanner

from . import learning, stages
from .exceptions import InvalidEvent
from .kafka import max_message_bytes
from .records import (
    DeadLetter,
    EncodedChange,
    Feedback,
    FixResult,
    PlannedChange,
    parse_change,
    parse_record,
)
from .settings import Settings

__all__ = ["Worker", "create_app"]

log = logging.getLogger("fixstream.worker")

T = TypeVar("T")


class Worker:
    """State shared by the agents of one worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.matcher = PatternMatcher()
        self.priors = dict(self.matcher.reliabilities)
        self.planner = self.new_planner()
        self.checkpoint: Path | None = None
        self.trained_at_size = 0
        self.cache: ResultCache = open_cache(
            settings.redis_url,
            namespace=settings.cache_namespace,
            default_ttl=settings.cache_ttl_s,
            max_entries=settings.cache_max_entries,
        )
        self.counters = stages.StageCounters()
        # The engine is CPU-bound: run it off the event loop so heartbeats keep flowing.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fixstream-fix")

    @property
    def model_name(self) -> str | None:
        return self.checkpoint.name if self.checkpoint is not None else None

    def new_planner(self) -> FixPlanner:
        return FixPlanner(self.matcher.rule_names, deadline_ms=self.settings.plan_deadline_ms,
                          min_transitions=self.settings.train_min_transitions)

    def train_in_background(self) -> Path | None:
        """Fit a fresh planner on a snapshot of this worker's transitions and write the
        next checkpoint (the refresh timer then loads it); None when there is too little."""
        batch = self.planner.replay.get_all()
        if len(batch) < self.settings.train_min_transitions:
            return None
        trainee = self.new_planner()
        trainee.replay.add_batch(batch.obs, batch.actions, batch.next_obs, batch.rewards,
                                 batch.dones)
        path, _ = learning.train_planner(trainee, self.settings.model_dir)
        return path

    async def run_cpu(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def cached_result(self, change: Any) -> FixResult | None:
        started = time.perf_counter()
        try:
            language = stages.resolve_language(change)
        except InvalidEvent:
            return None
        key = stages.result_cache_key(change, language, self.settings.min_reliability,
                                      self.model_name)
        cached = await self.cache.get(key)
        if cached is None:
            return None
        self.counters.cache_hits += 1
        return stages.result_from_cache(change, cached, (time.perf_counter() - started) * 1000)

    async def store_result(self, result: FixResult, change: Any) -> None:
        key = stages.result_cache_key(change, result.language, self.settings.min_reliability,
                                      self.model_name)
        try:
            await self.cache.set(key, stages.cacheable(result))
        except CacheError as exc:  # outages never raise; a value the cache refuses may
            log.warning("result of %s not cached: %s", change.key, exc)

    def sync_reliabilities(self, verdicts: Mapping[str, Mapping[str, float]]) -> None:
        """Set every rule's reliability from its priors and the verdicts so far."""
        for rule, value in stages.reliabilities_from_verdicts(
                self.priors, verdicts, self.settings.reliability_prior_strength).items():
            self.matcher.set_reliability(rule, value)

    async def close(self) -> None:
        await self.cache.close()
        self._executor.shutdown(wait=False, cancel_futures=True)


def create_app(settings: Settings) -> faust.App:
    """The Faust app with its topics, the revision table and the encode/plan/fix agents."""
    app = faust.App(
        settings.app_id,
        broker=settings.faust_broker,
        store="memory://",
        web_enabled=False,
        topic_partitions=settings.topic_partitions,
        topic_allow_declare=True,
        datadir=str(settings.data_dir),
        producer_max_request_size=max_message_bytes(settings),
        consumer_max_fetch_size=max_message_bytes(settings),
        broker_commit_every=100,
        broker_commit_interval=1.0,
    )
    worker = Worker(settings)
    app.fixstream = worker  # type: ignore[attr-defined]

    def raw_topic(stage: str) -> faust.TopicT:
        return app.topic(settings.topic(stage), key_type=bytes, value_type=bytes,
                         key_serializer="raw", value_serializer="raw",
                         partitions=settings.topic_partitions)

    changes, encoded_topic, plans, fixes = (raw_topic(s) for s in
                                            ("changes", "encoded", "plans", "fixes"))
    dead_letters = raw_topic("dead-letters")
    feedback = raw_topic("feedback")
    # Verdict counts per rule; global so every worker plans with every rule's reliability.
    verdicts = app.GlobalTable("fixstream-verdicts", default=None, key_type=str,
                               value_type=dict, partitions=settings.topic_partitions,
                               use_partitioner=True)
    revisions = app.Table("fixstream-revisions", default=None, key_type=str, value_type=int,
                          partitions=settings.topic_partitions)
    tracker = stages.RevisionTracker(revisions)

    async def dead_letter(stage: str, event: faust.EventT, reason: str) -> None:
        message = event.message
        key = message.key.decode("utf-8", "replace") if message.key else None
        record = DeadLetter.for_payload(
            message.value if isinstance(message.value, bytes) else None, reason, stage=stage,
            topic=message.topic, partition=message.partition, offset=message.offset, key=key,
        )
        worker.counters.dead_letter(reason)
        log.warning("dead letter from %s (%s[%s]@%s): %s", stage, message.topic,
                    message.partition, message.offset, reason)
        await dead_letters.send(key=message.key, value=record.to_bytes())

    async def guarded(stage: str, event: faust.EventT,
                      handle: Callable[[], Awaitable[None]]) -> None:
        try:
            await handle()
        except InvalidEvent as exc:
            await dead_letter(stage, event, exc.reason)
        except Exception as exc:  # one bad record must never stop the worker
            log.exception("internal error in the %s stage", stage)
            await dead_letter(stage, event, f"internal error: {type(exc).__name__}: {exc}")

    @app.agent(changes, name="fixstream.encode")
    async def encode(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async def handle(event: faust.EventT = event) -> None:
                change = parse_change(event.value,
                                      max_content_bytes=settings.max_content_bytes)
                worker.counters.received += 1
                if not tracker.observe(change.key, change.revision):
                    worker.counters.stale_dropped += 1
                    log.info("dropped %s revision %s: a newer one was already seen",
                             change.key, change.revision)
                    return
                cached = await worker.cached_result(change)
                if cached is not None:
                    await fixes.send(key=event.key, value=cached.to_bytes())
                    return
                encoded = await worker.run_cpu(stages.encode_change, change, worker.matcher)
                await encoded_topic.send(key=event.key, value=encoded.to_bytes())
            await guarded("encode", event, handle)

    @app.agent(encoded_topic, name="fixstream.plan")
    async def plan(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async def handle(event: faust.EventT = event) -> None:
                encoded = parse_record(event.value, EncodedChange,
                                       max_bytes=max_message_bytes(settings))
                planned = await worker.run_cpu(stages.plan_change, encoded, worker.matcher,
                                               settings.min_reliability, worker.planner)
                await plans.send(key=event.key, value=planned.to_bytes())
            await guarded("plan", event, handle)

    @app.agent(plans, name="fixstream.fix")
    async def fix(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async def handle(event: faust.EventT = event) -> None:
                planned = parse_record(event.value, PlannedChange,
                                       max_bytes=max_message_bytes(settings))
                result = await worker.cached_result(planned.change)
                if result is None:
                    result = await worker.run_cpu(stages.fix_change, planned, worker.matcher,
                                                  settings.min_reliability, worker.planner)
                    await worker.store_result(result, planned.change)
                worker.counters.fixed += 1
                await fixes.send(key=event.key, value=result.to_bytes())
            await guarded("fix", event, handle)

    @app.agent(feedback, name="fixstream.feedback")
    async def learn(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async def handle(event: faust.EventT = event) -> None:
                record = parse_record(event.value, Feedback, max_bytes=1 << 20)
                verdicts[record.rule] = stages.count_verdict(verdicts.get(record.rule),
                                                             record.verdict)
            await guarded("feedback", event, handle)

    @app.timer(2.0)
    async def sync_reliabilities() -> None:
        worker.sync_reliabilities(dict(verdicts.items()))

    replay_path = learning.worker_replay_path(settings.model_dir, settings.app_id)

    @app.timer(10.0)
    async def refresh_model() -> None:
        worker.checkpoint = await worker.run_cpu(learning.refresh_model, worker.planner,
                                                 settings.model_dir, worker.checkpoint)

    @app.timer(30.0)
    async def save_transitions() -> None:
        if len(worker.planner.replay):
            await worker.run_cpu(learning.save_replay, worker.planner, replay_path)

    if settings.train_interval_s > 0:
        @app.timer(settings.train_interval_s)
        async def train() -> None:
            size = len(worker.planner.replay)
            if size - worker.trained_at_size < max(50, settings.train_min_transitions // 4):
                return
            loop = asyncio.get_running_loop()
            try:  # its own thread: training must never hold up the fix path
                path = await loop.run_in_executor(None, worker.train_in_background)
            except Exception:
                log.exception("training the planner failed; planning goes on as before")
                return
            worker.trained_at_size = size
            if path is not None:
                log.info("trained the planner on %d transitions: %s", size, path)

    @app.timer(30.0)
    async def report() -> None:
        c = worker.counters
        log.info("received=%d fixed=%d cache_hits=%d stale_dropped=%d dead_letters=%d",
                 c.received, c.fixed, c.cache_hits, c.stale_dropped, c.dead_letters)

    return app
