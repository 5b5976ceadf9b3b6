"""Bounded per-repo history of delivered fixes, so reconnecting clients resume without gaps.

Each fix gets a *position* in its repo's history: a Redis stream entry id
(``<ms>-<seq>``), totally ordered within the repo. Every gateway that reads the same fix
asks for its position; a small Lua script appends it once (keyed by the change id) and
hands every other gateway the same id, so positions agree across gateways. A gateway
appends each batch of fixes it reads from Kafka in one round trip (a pipeline of script
calls, run in order). Without Redis (the embedded default) each gateway keeps its own
history in memory.
"""

from __future__ import annotations

import abc
import heapq
import itertools
import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any

from .core import ALL_REPOS  # `recent` over every repo, as a subscription to every repo

__all__ = ["Position", "parse_position", "format_position", "Replay", "HistoryStore",
           "MemoryHistory", "RedisHistory", "ALL_REPOS"]

log = logging.getLogger("fixstream.gateway")

Position = tuple[int, int]


def parse_position(text: str) -> Position:
    """``"1700000000000-3"`` → ``(1700000000000, 3)``; ValueError when malformed."""
    ms, sep, seq = text.partition("-")
    if not sep or not ms.isdigit() or not seq.isdigit():
        raise ValueError(f"position {text!r} is not of the form <ms>-<seq>")
    return int(ms), int(seq)


def format_position(position: Position) -> str:
    return f"{position[0]}-{position[1]}"


@dataclass(frozen=True, slots=True)
class Replay:
    """Entries after a position, oldest first, or ``gap`` when some were already trimmed."""

    entries: list[tuple[str, str]]
    gap: bool = False
    oldest: str | None = None


class HistoryStore(abc.ABC):
    """Where a gateway records fixes and reads them back for resuming clients."""

    @abc.abstractmethod
    async def append(self, repo: str, change_id: str, result_json: str) -> str:
        """The fix's position in ``repo``'s history (the same for a change id seen again)."""

    async def append_many(self, fixes: list[tuple[str, str, str]]) -> list[str]:
        """Positions of ``(repo, change_id, result_json)`` fixes, appended in order: the same
        as :meth:`append` one by one (stores override it to save round trips)."""
        return [await self.append(repo, change_id, text) for repo, change_id, text in fixes]

    @abc.abstractmethod
    async def since(self, repo: str, position: str) -> Replay:
        """Every fix of ``repo`` after ``position``, or a gap when history no longer covers it."""

    @abc.abstractmethod
    async def recent(self, repo: str, limit: int) -> list[tuple[str, str]]:
        """The last ``limit`` fixes of ``repo`` (of the most recently active repos for
        ``*``) as ``(position, result_json)``, oldest first."""

    async def close(self) -> None:
        return None


class MemoryHistory(HistoryStore):
    """History in this process: ``max_per_repo`` fixes per repo."""

    def __init__(self, max_per_repo: int = 1000, max_ids: int = 100_000) -> None:
        self.max_per_repo = max_per_repo
        self._entries: dict[str, deque[tuple[Position, str]]] = {}
        self._trimmed: dict[str, Position] = {}
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._max_ids = max_ids
        self._last: Position = (0, 0)

    def _next(self) -> Position:
        ms = int(time.time() * 1000)
        position = (ms, 0) if ms > self._last[0] else (self._last[0], self._last[1] + 1)
        self._last = position
        return position

    async def append(self, repo: str, change_id: str, result_json: str) -> str:
        known = self._ids.get(change_id)
        if known is not None:
            return known
        position = self._next()
        entries = self._entries.setdefault(repo, deque())
        entries.append((position, result_json))
        if len(entries) > self.max_per_repo:
            self._trimmed[repo] = entries.popleft()[0]
        text = format_position(position)
        self._ids[change_id] = text
        if len(self._ids) > self._max_ids:
            self._ids.popitem(last=False)
        return text

    async def since(self, repo: str, position: str) -> Replay:
        after = parse_position(position)
        entries = self._entries.get(repo, deque())
        trimmed = self._trimmed.get(repo)
        oldest = format_position(entries[0][0]) if entries else None
        if trimmed is not None and after < trimmed:
            return Replay([], gap=True, oldest=oldest)
        return Replay([(format_position(p), text) for p, text in entries if p > after],
                      oldest=oldest)

    async def recent(self, repo: str, limit: int) -> list[tuple[str, str]]:
        if limit <= 0:
            return []
        if repo == ALL_REPOS:
            # Positions come from one clock, so they order fixes across repos too.
            merged = heapq.nlargest(limit, (item for entries in self._entries.values()
                                            for item in itertools.islice(
                                                reversed(entries), limit)))
            return [(format_position(p), text) for p, text in reversed(merged)]
        entries = self._entries.get(repo, deque())
        start = max(0, len(entries) - limit)
        return [(format_position(p), text)
                for p, text in itertools.islice(entries, start, None)]


# KEYS[1] = the repo's stream, KEYS[2] = the change id's marker, KEYS[3] = the id of the
# newest entry trimmed off the stream (what tells a resume that it has a gap), KEYS[4] = the
# repos by last append (what `recent` over every repo reads)
# ARGV[1] = result JSON, ARGV[2] = max stream length, ARGV[3] = marker TTL (s), ARGV[4] = the
# repo, ARGV[5] = how many repos KEYS[4] keeps
_APPEND = """
local known = redis.call('GET', KEYS[2])
if known then return known end
local max = tonumber(ARGV[2])
if redis.call('XLEN', KEYS[1]) >= max then
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
  if first[1] then redis.call('SET', KEYS[3], first[1][1]) end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', max, '*', 'r', ARGV[1])
redis.call('SET', KEYS[2], id, 'EX', ARGV[3])
redis.call('ZADD', KEYS[4], tonumber(string.match(id, '^%d+')), ARGV[4])
if redis.call('ZCARD', KEYS[4]) > tonumber(ARGV[5]) then
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, 0)
end
return id
"""

#: Repos that ``recent("*")`` looks at: the most recently active ones.
_RECENT_REPOS = 100


class RedisHistory(HistoryStore):
    """History in Redis streams (``<ns>:history:<repo>``, about ``max_per_repo`` long).

    Errors propagate: the server then serves the fix live with a Kafka position and tells
    resuming clients history is unavailable, rather than inventing positions.
    """

    def __init__(self, url: str, namespace: str = "fixstream", max_per_repo: int = 1000,
                 id_ttl_s: int = 86_400, max_repos: int = 10_000) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url, decode_responses=True, socket_timeout=1.0)
        self.namespace = namespace
        self.max_per_repo = max_per_repo
        self.id_ttl_s = id_ttl_s
        self.max_repos = max_repos
        self._script = self._redis.register_script(_APPEND)

    def _stream(self, repo: str) -> str:
        return f"{self.namespace}:history:{repo}"

    def _trimmed(self, repo: str) -> str:
        return f"{self.namespace}:history-trimmed:{repo}"

    def _repos(self) -> str:
        return f"{self.namespace}:history-repos"

    def _append_call(self, repo: str, change_id: str, result_json: str,
                     client: Any = None) -> Any:
        marker = f"{self.namespace}:history-id:{change_id}"
        return self._script(keys=[self._stream(repo), marker, self._trimmed(repo), self._repos()],
                            args=[result_json, self.max_per_repo, self.id_ttl_s, repo,
                                  self.max_repos],
                            client=client)

    async def append(self, repo: str, change_id: str, result_json: str) -> str:
        return str(await self._append_call(repo, change_id, result_json))

    async def append_many(self, fixes: list[tuple[str, str, str]]) -> list[str]:
        if not fixes:
            return []
        # One round trip: Redis runs the queued scripts in order, one at a time, so a change
        # id seen twice in the batch gets the first call's position, as with append().
        async with self._redis.pipeline(transaction=False) as pipe:
            for repo, change_id, text in fixes:
                await self._append_call(repo, change_id, text, client=pipe)  # queued
            positions = await pipe.execute()
        return [str(position) for position in positions]

    async def recent(self, repo: str, limit: int) -> list[tuple[str, str]]:
        if limit <= 0:
            return []
        repos: list[str] = ([repo] if repo != ALL_REPOS else
                            [str(name) for name in await self._redis.zrevrange(
                                self._repos(), 0, _RECENT_REPOS - 1)])
        if not repos:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in repos:
                pipe.xrevrange(self._stream(name), max="+", min="-", count=limit)
            found = await pipe.execute()
        newest = heapq.nlargest(limit, ((parse_position(entry_id), entry_id, fields["r"])
                                        for rows in found for entry_id, fields in rows))
        return [(entry_id, text) for _, entry_id, text in reversed(newest)]

    async def since(self, repo: str, position: str) -> Replay:
        after = parse_position(position)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(self._trimmed(repo))
            pipe.xrange(self._stream(repo), min=f"({format_position(after)}", max="+")
            trimmed, rows = await pipe.execute()
        if trimmed is not None and after < parse_position(trimmed):
            oldest = rows[0][0] if rows else None
            return Replay([], gap=True, oldest=oldest)
        return Replay([(entry_id, fields["r"]) for entry_id, fields in rows],
                      oldest=rows[0][0] if rows else None)

    async def close(self) -> None:
        await self._redis.aclose()
