"""The gateway's logic without I/O: clients, subscriptions, routing and backpressure.

The WebSocket server feeds it plain values (a client connected, a subscribe request, a
fix read from Kafka) and asks it what to send to whom; it never touches a socket, so it is
tested with plain values. Frames are rendered to text here, once per fix, because with
thousands of subscribers the JSON encoding would otherwise dominate.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from .globs import compile_glob
from .history import parse_position
from .protocol import ProtocolError

__all__ = ["ALL_REPOS", "Subscription", "PublishOutcome", "GatewayCore"]


#: The repo of a subscription to every repo (dashboards).
ALL_REPOS = "*"


@dataclass(frozen=True, slots=True)
class Subscription:
    """Fixes of ``repo`` (every repo for ``*``) whose path matches one of ``paths``
    (all paths when empty)."""

    id: str
    repo: str
    paths: tuple[str, ...] = ()

    def matches(self, repo: str, path: str) -> bool:
        if repo != self.repo and self.repo != ALL_REPOS:
            return False
        if not self.paths:
            return True
        path = path.lstrip("/")
        return any(compile_glob(p).match(path) for p in self.paths)


@functools.lru_cache(maxsize=1 << 16)
def _frame_tail(subscription_ids: tuple[str, ...]) -> str:
    """The end of a fix frame: its matched subscriptions (the same for every fix a client
    gets while its subscriptions stay put, so rendered once)."""
    return f'"subscriptions":{json.dumps(list(subscription_ids))}}}'


def _at_or_before(position: str, last: tuple[int, int]) -> bool:
    try:
        return parse_position(position) <= last
    except ValueError:
        return False


@dataclass(slots=True)
class _Client:
    id: str
    label: str | None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    # (repo, position, frame): repo and position let a resume drop what it replays.
    outbox: deque[tuple[str, str, str]] = field(default_factory=deque)
    delivered: int = 0
    overflowed: bool = False


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """What one published fix did: who has new frames, who overflowed, or a duplicate."""

    ready: tuple[str, ...] = ()
    overflowed: tuple[str, ...] = ()
    duplicate: bool = False


class GatewayCore:
    """Subscriptions and per-client bounded outboxes.

    ``queue_size`` bounds each client's outbox: a client whose outbox is full when a fix
    arrives is marked overflowed (the server then closes it with a reason) and receives
    nothing more, so one slow reader never holds memory or other clients back.
    """

    def __init__(self, queue_size: int = 1000, dedup_window: int = 10_000,
                 max_subscriptions: int = 100) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.queue_size = queue_size
        self.max_subscriptions = max_subscriptions
        self._clients: dict[str, _Client] = {}
        self._by_repo: dict[str, set[str]] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._dedup_window = dedup_window
        self._ids = itertools.count(1)
        self.published = 0
        self.duplicates = 0

    # -- clients -----------------------------------------------------------------------
    def connect(self, label: str | None = None) -> str:
        client_id = f"c{next(self._ids)}"
        self._clients[client_id] = _Client(client_id, label)
        return client_id

    def disconnect(self, client_id: str) -> None:
        client = self._clients.pop(client_id, None)
        if client is None:
            return
        for sub in client.subscriptions.values():
            self._unindex(sub.repo, client_id, client)

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def subscriptions(self, client_id: str) -> list[Subscription]:
        return list(self._client(client_id).subscriptions.values())

    # -- subscriptions -----------------------------------------------------------------
    def subscribe(self, client_id: str, repo: str, paths: Iterable[str] = ()) -> Subscription:
        client = self._client(client_id)
        if not isinstance(repo, str) or not repo:
            raise ProtocolError("bad_request", "subscribe needs a non-empty `repo`")
        globs = tuple(paths)
        if any(not isinstance(p, str) or not p for p in globs):
            raise ProtocolError("bad_request", "`paths` must be a list of non-empty globs")
        if len(client.subscriptions) >= self.max_subscriptions:
            raise ProtocolError("too_many_subscriptions",
                                f"at most {self.max_subscriptions} subscriptions per client")
        for pattern in globs:
            compile_glob(pattern)
        sub = Subscription(f"s{next(self._ids)}", repo, globs)
        client.subscriptions[sub.id] = sub
        self._by_repo.setdefault(repo, set()).add(client_id)
        return sub

    def unsubscribe(self, client_id: str, subscription_id: str) -> bool:
        client = self._client(client_id)
        sub = client.subscriptions.pop(subscription_id, None)
        if sub is None:
            return False
        self._unindex(sub.repo, client_id, client)
        return True

    def _unindex(self, repo: str, client_id: str, client: _Client) -> None:
        if any(s.repo == repo for s in client.subscriptions.values()) and \
                client_id in self._clients:
            return
        members = self._by_repo.get(repo)
        if members is not None:
            members.discard(client_id)
            if not members:
                del self._by_repo[repo]

    # -- fixes -------------------------------------------------------------------------
    def publish(self, repo: str, path: str, change_id: str, result_json: str,
                position: str) -> PublishOutcome:
        """Route one fix (already JSON-encoded) to every matching subscription."""
        if change_id in self._seen:
            self.duplicates += 1
            return PublishOutcome(duplicate=True)
        self._seen[change_id] = None
        if len(self._seen) > self._dedup_window:
            self._seen.popitem(last=False)
        self.published += 1
        ready: list[str] = []
        overflowed: list[str] = []
        head = f'{{"type":"fix","position":{json.dumps(position)},"result":{result_json},'
        members = self._by_repo.get(repo)
        everyone = self._by_repo.get(ALL_REPOS) if repo != ALL_REPOS else None
        # A union only when both kinds of subscriber exist: with thousands of subscribers
        # a new set per fix is measurable.
        targets: Iterable[str] = (members | everyone if members and everyone
                                  else members or everyone or ())
        for client_id in targets:
            client = self._clients[client_id]
            if client.overflowed:
                continue
            matched = tuple([s.id for s in client.subscriptions.values()
                             if s.matches(repo, path)])
            if not matched:
                continue
            if len(client.outbox) >= self.queue_size:
                client.overflowed = True
                client.outbox.clear()
                overflowed.append(client_id)
                continue
            client.outbox.append((repo, position, head + _frame_tail(matched)))
            ready.append(client_id)
        return PublishOutcome(tuple(ready), tuple(overflowed))

    def replay(self, client_id: str, subscription_id: str,
               entries: list[tuple[str, str]]) -> int:
        """Queue a resuming subscription's missed fixes ahead of its live ones.

        ``entries`` are ``(position, result_json)`` from the history, oldest first. Live
        frames of the same repo already queued at or before the last replayed position
        are dropped, so each fix reaches the client once, in order. Returns the number of
        replayed frames.
        """
        client = self._client(client_id)
        sub = client.subscriptions.get(subscription_id)
        if sub is None:
            raise ProtocolError("unknown_subscription", f"no subscription {subscription_id}")
        frames: list[tuple[str, str, str]] = []
        last: tuple[int, int] | None = None
        for position, result_json in entries:
            result = json.loads(result_json)
            last = parse_position(position)
            if not sub.matches(sub.repo if sub.repo != ALL_REPOS else result["repo"],
                               result["path"]):
                continue
            frames.append((sub.repo, position,
                           f'{{"type":"fix","position":{json.dumps(position)},'
                           f'"result":{result_json},"replayed":true,'
                           f'"subscriptions":{json.dumps([sub.id])}}}'))
        if last is not None:
            kept = [item for item in client.outbox
                    if not (item[0] == sub.repo and _at_or_before(item[1], last))]
            client.outbox = deque(frames + kept)
        return len(frames)

    def take(self, client_id: str, limit: int | None = None) -> list[str]:
        """Frames waiting for ``client_id``, oldest first, removed from its outbox."""
        client = self._clients.get(client_id)
        if client is None:
            return []
        box = client.outbox
        count = len(box) if limit is None else min(limit, len(box))
        frames = [box.popleft()[2] for _ in range(count)]
        client.delivered += len(frames)
        return frames

    def pending(self, client_id: str) -> int:
        client = self._clients.get(client_id)
        return len(client.outbox) if client else 0

    def _client(self, client_id: str) -> _Client:
        try:
            return self._clients[client_id]
        except KeyError:
            raise ProtocolError("unknown_client", f"no connected client {client_id}") from None
