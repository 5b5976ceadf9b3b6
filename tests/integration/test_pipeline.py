"""The whole pipeline on real Kafka and Redis: change in, fix out over a WebSocket."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer

from streams.client import Subscriber

from .conftest import KAFKA, REDIS_URL, Stack, change, next_fix, produce

pytestmark = pytest.mark.integration

TYPO = "let total = 0;\nif (total = = 0) {\n  total = 1;\n}\nconst s = 'a = = b';\n"
TYPO_FIXED = "let total = 0;\nif (total == 0) {\n  total = 1;\n}\nconst s = 'a = = b';\n"


async def test_fix_reaches_the_right_subscriber_and_repeats_hit_the_cache(stack: Stack):
    repo = f"web-{uuid.uuid4().hex[:6]}"
    async with Subscriber(stack.url) as mine, Subscriber(stack.url) as other:
        await mine.subscribe(repo, ["src/**"])
        await other.subscribe(f"{repo}-other")
        await produce(stack, "changes", change(repo, "src/app.js", 1, TYPO),
                      key=f"{repo}:src/app.js")
        first = await next_fix(mine)
        assert first["repo"] == repo and first["path"] == "src/app.js"
        assert first["fixed_content"] == TYPO_FIXED
        assert first["cache_hit"] is False
        assert {a["rule"] for a in first["applied"]} == {"no-spaced-equals"}
        assert first["edits"], "a changed file comes with LSP edits"
        # Whatever the encoder did, the plan says what it had of the embedding.
        assert first["plan"]["embedding"] in {"used", "late", "off", "failed"}

        await produce(stack, "changes", change(repo, "src/app.js", 2, TYPO),
                      key=f"{repo}:src/app.js")
        second = await next_fix(mine)
        assert second["cache_hit"] is True
        assert second["revision"] == 2
        assert second["fixed_content"] == TYPO_FIXED
        assert second["plan"]["source"] == "cache"

        with pytest.raises(TimeoutError):
            await next_fix(other, timeout=2.0)

    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{stack.namespace}:*")]
    finally:
        await client.aclose()
    assert keys, "the result was stored in Redis"


async def test_prefer_const_and_path_filter(stack: Stack):
    repo = f"lib-{uuid.uuid4().hex[:6]}"
    async with Subscriber(stack.url) as sub:
        await sub.subscribe(repo, ["**/*.ts"])
        await produce(stack, "changes", change(repo, "a.js", 1, "let a = 1;\n"),
                      key=f"{repo}:a.js")
        await produce(stack, "changes",
                      change(repo, "b/c.ts", 1, "let b: number = 1;\nconsole.log(b);\n"),
                      key=f"{repo}:b/c.ts")
        result = await next_fix(sub)
        assert result["path"] == "b/c.ts", "a.js does not match **/*.ts"
        assert result["fixed_content"] == "const b: number = 1;\nconsole.log(b);\n"
        assert result["language"] == "typescript"


async def test_change_submitted_over_the_socket(stack: Stack):
    repo = f"ws-{uuid.uuid4().hex[:6]}"
    async with Subscriber(stack.url) as sub:
        await sub.subscribe(repo)
        reply = await sub.request({"type": "change", "id": "r1", "change": {
            "repo": repo, "path": "x.js", "revision": 1, "content": "if (a ! = b) {}\n"}})
        assert reply["type"] == "ack" and reply["id"] == "r1"
        result = await next_fix(sub)
        assert result["change_id"] == reply["change_id"]
        assert result["fixed_content"] == "if (a != b) {}\n"

        bad = await sub.request({"type": "change", "change": {"repo": repo}})
        assert bad["type"] == "error" and bad["code"] == "invalid_event"
        assert (await sub.request({"type": "ping", "id": 5})) == {"type": "pong", "id": "5"}


async def test_older_revision_after_a_newer_one_is_dropped(stack: Stack):
    repo = f"rev-{uuid.uuid4().hex[:6]}"
    key = f"{repo}:f.js"
    async with Subscriber(stack.url) as sub:
        await sub.subscribe(repo)
        for revision in (5, 3, 7):
            await produce(stack, "changes",
                          change(repo, "f.js", revision, f"let v{revision} = {revision};\n"),
                          key=key)
        revisions = [(await next_fix(sub))["revision"] for _ in range(2)]
        assert revisions == [5, 7]
        with pytest.raises(TimeoutError):
            await next_fix(sub, timeout=2.0)


async def test_malformed_events_go_to_dead_letters_and_the_worker_goes_on(stack: Stack):
    repo = f"bad-{uuid.uuid4().hex[:6]}"
    consumer = AIOKafkaConsumer(stack.topic("dead-letters"), bootstrap_servers=KAFKA,
                                auto_offset_reset="earliest", group_id=f"t-{repo}")
    await consumer.start()
    bad = {
        "bad-json": (b"{this is not json", "not JSON"),
        "version": (change(repo, "v.js", 1, "x", schema_version=99),
                    "unsupported schema_version 99"),
        "too-large": (change(repo, "big.js", 1, "x" * 20001), "over the limit of 20000"),
        "utf8": (b'{"repo": "r", "path": "\xff.js"}', "not valid UTF-8"),
        "language": (change(repo, "notes.txt", 1, "hello"), "cannot tell the language"),
    }
    try:
        async with Subscriber(stack.url) as sub:
            await sub.subscribe(repo)
            for name, (payload, _) in bad.items():
                await produce(stack, "changes", payload, key=f"{repo}:{name}")
            await produce(stack, "changes", change(repo, "ok.js", 1, "x = = 1;\n"),
                          key=f"{repo}:ok.js")
            result = await next_fix(sub)
            assert result["path"] == "ok.js" and result["fixed_content"] == "x == 1;\n"

        letters: dict[str, dict] = {}
        async with asyncio.timeout(30):
            while len(letters) < len(bad):
                message = await consumer.getone()
                key = message.key.decode()
                if key.startswith(f"{repo}:"):
                    letters[key.split(":", 1)[1]] = json.loads(message.value)
        for name, (payload, reason) in bad.items():
            letter = letters[name]
            assert reason in letter["reason"], (name, letter["reason"])
            assert letter["stage"] == "encode"
            import base64
            assert base64.b64decode(letter["payload_b64"]) == payload
    finally:
        await consumer.stop()


async def send_verdicts(sub: Subscriber, repo: str, path: str, rule: str, verdict: str,
                        fix_ids: list[str]) -> None:
    """One verdict on ``rule`` per fix id (repeats allowed), each acknowledged."""
    for fix_id in fix_ids:
        reply = await sub.request({"type": "feedback", "feedback": {
            "fix_id": fix_id, "rule": rule, "verdict": verdict, "repo": repo, "path": path}})
        assert reply["type"] == "ack"


def reliability_of(result: dict, rule: str) -> float:
    return next(a["reliability"] for a in result["applied"] if a["rule"] == rule)


async def fix_until_reliability_drops(stack: Stack, sub: Subscriber, repo: str, path: str,
                                      source: str, rule: str, below: float) -> list[dict]:
    """Fix revisions of ``path`` (``source`` with ``{revision}`` filled in), a second
    apart, until ``rule``'s reliability drops below ``below``; the results."""
    results: list[dict] = []
    async with asyncio.timeout(60):
        for revision in range(1, 60):
            await produce(stack, "changes",
                          change(repo, path, revision, source.format(revision=revision)),
                          key=f"{repo}:{path}")
            results.append(await next_fix(sub))
            if reliability_of(results[-1], rule) < below:
                break
            await asyncio.sleep(1.0)
    return results


async def test_feedback_updates_the_rules_reliability(stack: Stack):
    repo = f"fb-{uuid.uuid4().hex[:6]}"
    async with Subscriber(stack.url) as sub:
        await sub.subscribe(repo)
        await send_verdicts(sub, repo, "a.js", "prefer-const", "reject",
                            [f"f{i}" for i in range(10)])
        results = await fix_until_reliability_drops(
            stack, sub, repo, "a.js", "let a = {revision};\nf(a);\n", "prefer-const", 0.9)
        assert all(len(result["applied"]) == 1 for result in results)
        # Prior 0.9 worth 10 verdicts, then 10 rejections: 9 / 20.
        assert reliability_of(results[-1], "prefer-const") == pytest.approx(0.45)


async def test_repeated_feedback_counts_once(stack: Stack):
    """The same verdict on the same fix id and rule, sent again and again (a retry, a
    double click), moves the rule's reliability exactly once."""
    repo = f"dup-{uuid.uuid4().hex[:6]}"
    async with Subscriber(stack.url) as sub:
        await sub.subscribe(repo)
        await send_verdicts(sub, repo, "d.js", "no-var", "reject", ["same-fix"] * 6)
        once = 0.85 * 10 / 11  # prior 0.85 worth 10 verdicts, then one rejection
        await fix_until_reliability_drops(
            stack, sub, repo, "d.js", "var d = {revision};\nf(d);\n", "no-var", 0.85)
        await asyncio.sleep(3.0)  # later copies, if they counted, would show by now
        await produce(stack, "changes", change(repo, "d.js", 100, "var d = 100;\nf(d);\n"),
                      key=f"{repo}:d.js")
        result = await next_fix(sub)
        assert reliability_of(result, "no-var") == pytest.approx(once)
