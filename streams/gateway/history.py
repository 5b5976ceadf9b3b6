"""Bounded per-repo history of delivered fixes, so reconnecting clients resume without gaps.

Each fix gets a *position* in its repo's history: a Redis stream entry id
(``<ms>-<seq>``), totally ordered within the repo. Every gateway that reads the same fix
asks for its position; a small Lua script appends it once (keyed by the change id) and
hands every other gateway the same id, so positions agree across gateways. Without Redis
(the embedded default) each gateway keeps its own history in memory.
"""

from __future__ import annotations

import abc
import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

__all__ = ["Position", "parse_position", "format_position", "Replay", "HistoryStore",
           "MemoryHistory", "RedisHistory"]

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

    @abc.abstractmethod
    async def since(self, repo: str, position: str) -> Replay:
        """Every fix of ``repo`` after ``position``, or a gap when history no longer covers it."""

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


# KEYS[1] = the repo's stream, KEYS[2] = the change id's marker, KEYS[3] = the id of the
# newest entry trimmed off the stream (what tells a resume that it has a gap)
# ARGV[1] = result JSON, ARGV[2] = max stream length, ARGV[3] = marker TTL (s)
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
return id
"""


class RedisHistory(HistoryStore):
    """History in Redis streams (``<ns>:history:<repo>``, about ``max_per_repo`` long).

    Errors propagate: the server then serves the fix live with a Kafka position and tells
    resuming clients history is unavailable, rather than inventing positions.
    """

    def __init__(self, url: str, namespace: str = "fixstream", max_per_repo: int = 1000,
                 id_ttl_s: int = 86_400) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url, decode_responses=True, socket_timeout=1.0)
        self.namespace = namespace
        self.max_per_repo = max_per_repo
        self.id_ttl_s = id_ttl_s
        self._script = self._redis.register_script(_APPEND)

    def _stream(self, repo: str) -> str:
        return f"{self.namespace}:history:{repo}"

    def _trimmed(self, repo: str) -> str:
        return f"{self.namespace}:history-trimmed:{repo}"

    async def append(self, repo: str, change_id: str, result_json: str) -> str:
        marker = f"{self.namespace}:history-id:{change_id}"
        position = await self._script(keys=[self._stream(repo), marker, self._trimmed(repo)],
                                      args=[result_json, self.max_per_repo, self.id_ttl_s])
        return str(position)

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
