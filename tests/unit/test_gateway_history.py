"""History backends, one suite: in memory, and in a real Redis (integration)."""

import json
import socket
import uuid
from urllib.parse import urlparse

import pytest

from streams.gateway.history import MemoryHistory, RedisHistory, parse_position
from tests.services import REDIS_URL, REQUIRE_SERVICES


def _redis_answers() -> bool:
    parsed = urlparse(REDIS_URL)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
async def store(request):
    if request.param == "memory":
        yield MemoryHistory(max_per_repo=5)
        return
    if not _redis_answers():
        message = f"Redis does not answer at {REDIS_URL}; run `bash deploy/local/redis.sh start`"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    history = RedisHistory(REDIS_URL, namespace=f"fxh{uuid.uuid4().hex[:8]}", max_per_repo=5)
    yield history
    keys = [k async for k in history._redis.scan_iter(match=f"{history.namespace}:*")]
    if keys:
        await history._redis.delete(*keys)
    await history.close()


def fix(n: int) -> str:
    return json.dumps({"repo": "r", "path": f"f{n}.js", "change_id": f"id{n}"})


async def test_positions_increase_and_repeat_for_the_same_change(store):
    first = await store.append("r", "id1", fix(1))
    second = await store.append("r", "id2", fix(2))
    assert parse_position(second) > parse_position(first)
    assert await store.append("r", "id1", fix(1)) == first


async def test_since_returns_what_came_after_in_order(store):
    positions = [await store.append("r", f"id{n}", fix(n)) for n in range(4)]
    await store.append("other", "x", fix(9))
    replay = await store.since("r", positions[1])
    assert not replay.gap
    assert [p for p, _ in replay.entries] == positions[2:]
    assert [json.loads(t)["change_id"] for _, t in replay.entries] == ["id2", "id3"]
    assert (await store.since("r", positions[-1])).entries == []
    assert (await store.since("nothing-here", "0-0")).entries == []


async def test_a_position_older_than_the_history_is_a_gap(store):
    positions = [await store.append("r", f"id{n}", fix(n)) for n in range(400)]
    replay = await store.since("r", positions[0])
    assert replay.gap and replay.entries == []
    recent = await store.since("r", positions[-3])
    assert not recent.gap and len(recent.entries) == 2


def test_malformed_positions():
    for bad in ("", "12", "a-b", "1-2-3", "-1"):
        with pytest.raises(ValueError):
            parse_position(bad)


async def test_a_batch_appends_like_one_by_one_with_repeats_in_the_batch(store):
    batch = [("r", f"id{n}", fix(n)) for n in range(3)] + [("r", "id1", fix(1))]
    positions = await store.append_many(batch)
    assert positions[3] == positions[1], "a change id seen twice keeps its first position"
    assert [parse_position(p) for p in positions[:3]] == sorted(
        parse_position(p) for p in positions[:3])
    assert len(set(positions[:3])) == 3
    assert await store.append("r", "id2", fix(2)) == positions[2]
    assert await store.append_many([]) == []
    assert [p for p, _ in (await store.since("r", positions[0])).entries] == positions[1:3]


async def test_a_batch_past_the_history_length_leaves_a_gap_marker(store):
    positions = await store.append_many([("r", f"id{n}", fix(n)) for n in range(8)])
    assert (await store.since("r", positions[0])).gap, "five kept: the first three trimmed"
    replay = await store.since("r", positions[2])
    assert not replay.gap and [p for p, _ in replay.entries] == positions[3:]


async def test_recent_fixes_per_repo_and_over_every_repo(store):
    assert await store.recent("r", 3) == [] and await store.recent("*", 3) == []
    positions = await store.append_many([("r" if n % 2 else "q", f"id{n}", fix(n))
                                         for n in range(6)])
    assert [p for p, _ in await store.recent("r", 2)] == [positions[3], positions[5]]
    assert [json.loads(t)["change_id"] for _, t in await store.recent("r", 10)] == [
        "id1", "id3", "id5"]
    assert await store.recent("r", 0) == []
    every = await store.recent("*", 4)
    assert len(every) == 4
    assert {json.loads(t)["change_id"] for _, t in every} >= {"id4", "id5"}, "the newest"
