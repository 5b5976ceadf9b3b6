"""The code encoder beside the fix path: embeddings when they are ready, never a wait.

The encode agent asks for a change's embedding (:meth:`EmbeddingService.request`)
*before* it computes the structural features, then takes whatever is ready once they
are done (:meth:`EmbeddingService.take`, waiting at most ``wait_s``, by default not at
all). A slow or missing encoder therefore changes what the planner sees, never when
the fix is ready: the change is planned on its structural features alone and the
result says so (``plan.embedding == "late"``).

The encoder runs on its own thread, in batches of whatever requests are queued, so it
never queues in front of the fix engine's thread. Embeddings are cached by the content
hash of the embedded region (:func:`models.region_for_change`: the enclosing block of
the changed lines when the previous revision is known, the head of the file
otherwise) in the worker's result cache, so a region is encoded once across workers.
When more than ``max_pending`` regions wait, the oldest request is given up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol

import numpy as np

from cache import ResultCache, content_key
from models import region_for_change

__all__ = ["EmbeddingService", "EmbeddingStatus", "TextEncoder"]

log = logging.getLogger("fixstream.encoder")

#: What became of a change's embedding: ``used`` (ready in time), ``late`` (still
#: being computed when the plan was made), ``off`` (no encoder: disabled, not
#: installed, or it failed to load), ``failed`` (this region could not be encoded, the
#: encoder gave NaN or inf for it, or it was given up because more than ``max_pending``
#: regions waited).
EmbeddingStatus = Literal["used", "late", "off", "failed"]


class TextEncoder(Protocol):
    """What the service needs of :class:`models.CodeEncoder`."""

    def encode(self, texts: list[str]) -> np.ndarray:
        """N texts -> N x D float32."""
        ...


_Pending = tuple[str, "asyncio.Future[list[float] | None]"]


class EmbeddingService:
    """Embeds regions of changed files on a dedicated thread, cached, in batches.

    Args:
        load: builds the encoder (called once, on the encoder's thread); raising
            turns the service off, and the stream runs on structural features.
        cache: where embeddings are kept by region hash (None: not cached).
        model_id: names the encoder in cache keys (a model change is a new key).
        batch_size: regions per forward pass at most.
        max_pending: regions waiting for the encoder at most.
        region_lines: lines embedded at most per change.
        niceness: added to the encoder thread's nice value (Linux, where a thread has
            its own): the encoder competes with the fix engine for the cores on a
            CPU-only worker, and loses (threads it starts, e.g. torch's, inherit it).
    """

    def __init__(
        self,
        load: Callable[[], TextEncoder],
        cache: ResultCache | None = None,
        *,
        model_id: str,
        batch_size: int = 16,
        max_pending: int = 256,
        region_lines: int = 40,
        niceness: int = 0,
    ) -> None:
        if batch_size < 1 or max_pending < 1 or region_lines < 1:
            raise ValueError("batch_size, max_pending and region_lines must be >= 1")
        if not 0 <= niceness <= 19:
            raise ValueError("niceness must be in [0, 19]")
        self._load = load
        self.cache = cache
        self.model_id = model_id
        self.batch_size = batch_size
        self.max_pending = max_pending
        self.region_lines = region_lines
        self.state: Literal["idle", "loading", "ready", "off"] = "idle"
        self._encoder: TextEncoder | None = None
        self._loaded: asyncio.Future[bool] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1,
                                            thread_name_prefix="fixstream-encoder",
                                            initializer=_lower_priority, initargs=(niceness,))
        self._queue: deque[_Pending] = deque()
        self._inflight: dict[str, asyncio.Future[list[float] | None]] = {}
        self._wake = asyncio.Event()
        self._consumer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.encoded = 0  # regions encoded
        self.dropped = 0  # requests given up because too many waited

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> bool:
        """Load the encoder (once) on its thread; True when it is ready."""
        if self._loaded is None:
            self._loaded = asyncio.get_running_loop().create_future()
            self.state = "loading"
            try:
                self._encoder = await asyncio.get_running_loop().run_in_executor(
                    self._executor, self._load)
            except Exception as exc:  # not installed, unreadable, out of memory...
                self.state = "off"
                log.warning("code encoder unavailable, planning on structural features "
                            "only: %s", exc)
            else:
                self.state = "ready"
                log.info("code encoder ready: %s", self._encoder)
            self._loaded.set_result(self.state == "ready")
        return await asyncio.shield(self._loaded)

    async def close(self) -> None:
        for task in [*self._tasks, *([self._consumer] if self._consumer else [])]:
            task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ requests
    def request(self, content: str, previous: str | None = None
                ) -> asyncio.Task[list[float] | None] | None:
        """Start embedding ``content`` (``previous``: the file's previous revision, if
        known) beside the caller; None when the encoder is off."""
        if self.state == "off":
            return None
        task = asyncio.ensure_future(self._embed(content, previous))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def take(self, task: asyncio.Task[list[float] | None] | None, wait_s: float = 0.0
                   ) -> tuple[list[float] | None, EmbeddingStatus]:
        """The embedding if ``task`` is done (waiting ``wait_s`` at most), and why not."""
        if task is None:
            return None, "off"
        if not task.done() and wait_s > 0:
            await asyncio.wait({task}, timeout=wait_s)
        if not task.done():
            return None, "late"
        vector = None if task.cancelled() else task.result()
        if vector is None:
            return None, "off" if self.state == "off" else "failed"
        return vector, "used"

    async def embed(self, content: str, previous: str | None = None) -> list[float] | None:
        """The embedding, however long it takes (None when it cannot be had)."""
        task = self.request(content, previous)
        return None if task is None else await task

    # ------------------------------------------------------------------ internals
    async def _embed(self, content: str, previous: str | None) -> list[float] | None:
        try:
            loop = asyncio.get_running_loop()
            # A line diff of a large file is work: not on the event loop.
            region = await loop.run_in_executor(None, region_for_change, previous, content,
                                                self.region_lines)
            key = content_key(region, language="embedding", ruleset_version=self.model_id)
            if self.cache is not None:
                hit = await self.cache.get(key)
                if hit is not None and isinstance(hit.get("embedding"), list):
                    return [float(x) for x in hit["embedding"]]
            future = self._inflight.get(key)
            if future is not None:  # requests for a region in flight share its encoding
                return await asyncio.shield(future)
            future = loop.create_future()
            self._inflight[key] = future
            self._enqueue((region, future))
            try:
                vector = await asyncio.shield(future)
                if vector is not None and self.cache is not None:
                    await self.cache.set(key, {"embedding": vector})  # once per encoding
                return vector
            finally:
                # Only now: a request that comes between the encoding and its caching
                # still finds it in flight (and shares it) instead of encoding it again.
                if self._inflight.get(key) is future:
                    del self._inflight[key]
        except asyncio.CancelledError:
            raise
        except Exception:  # one region must never break the stream
            log.exception("embedding a region failed")
            return None

    def _enqueue(self, item: _Pending) -> None:
        self._queue.append(item)
        while len(self._queue) > self.max_pending:
            _, oldest = self._queue.popleft()
            self.dropped += 1
            if not oldest.done():
                oldest.set_result(None)
        self._wake.set()
        if self._consumer is None or self._consumer.done():
            self._consumer = asyncio.ensure_future(self._consume())

    async def _consume(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not await self.start():
                self._give_up(list(self._queue))
                self._queue.clear()
                return
            while self._queue:
                batch = [self._queue.popleft()
                         for _ in range(min(self.batch_size, len(self._queue)))]
                batch = [(region, future) for region, future in batch if not future.done()]
                if not batch:
                    continue
                encoder = self._encoder
                assert encoder is not None
                try:
                    vectors = await loop.run_in_executor(
                        self._executor, encoder.encode, [region for region, _ in batch])
                    # Checked here: an exception past this point would end the consumer
                    # with this batch's futures unresolved, and their regions waiting
                    # forever (every later request for them "late").
                    rows = np.asarray(vectors, dtype=np.float64)
                    if rows.ndim != 2 or rows.shape[0] != len(batch):
                        raise ValueError(f"the encoder returned an array of shape "
                                         f"{rows.shape} for {len(batch)} texts")
                except Exception:
                    log.exception("the code encoder failed on a batch of %d", len(batch))
                    self._give_up(batch)
                    continue
                self.encoded += len(batch)
                for (_, future), vector in zip(batch, rows, strict=True):
                    if not future.done():
                        future.set_result(_compact(vector))

    @staticmethod
    def _give_up(batch: Sequence[_Pending]) -> None:
        """Resolve the batch's unresolved requests with no embedding."""
        for _, future in batch:
            if not future.done():
                future.set_result(None)


def _lower_priority(niceness: int) -> None:
    """Raise the calling thread's nice value by ``niceness`` (Linux only: elsewhere a
    nice value belongs to the whole process, and the fix engine must keep its own)."""
    if not niceness or not sys.platform.startswith("linux"):
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread,
                       os.getpriority(os.PRIO_PROCESS, thread) + niceness)
    except OSError as exc:  # a sandbox may refuse it: then the thread keeps its rank
        log.info("could not lower the encoder thread's priority: %s", exc)


def _compact(vector: np.ndarray) -> list[float] | None:
    """An embedding as JSON-friendly floats (6 decimals: far below model noise); None
    when it holds NaN or inf (JSON cannot carry them, and the planner refuses them)."""
    values = np.asarray(vector, dtype=np.float64).reshape(-1)
    if not np.isfinite(values).all():
        log.warning("the code encoder returned non-finite values; region not embedded")
        return None
    return [round(float(x), 6) for x in values]
