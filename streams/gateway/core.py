"""The gateway's logic without I/O: clients, subscriptions, routing and backpressure.

The WebSocket server feeds it plain values (a client connected, a subscribe request, a
fix read from Kafka) and asks it what to send to whom; it never touches a socket, so it is
tested with plain values. Frames are rendered to text here, once per fix and set of
matched subscription ids: subscription ids are numbered per client (``s1``, ``s2``, ...),
so the thousands of clients with one subscription each share one frame object, which the
server encodes as a WebSocket frame once and writes to all of them.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections import OrderedDict, deque
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from .globs import compile_glob
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


_frame_of = operator.itemgetter(2)  # the frame of an outbox item


@functools.lru_cache(maxsize=1 << 16)
def _frame_tail(subscription_ids: tuple[str, ...]) -> str:
    """The end of a fix frame: its matched subscriptions (the same for every fix a client
    gets while its subscriptions stay put, so rendered once)."""
    return f'"subscriptions":{json.dumps(list(subscription_ids))}}}'


@dataclass(slots=True)
class _Client:
    id: str
    label: str | None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    # (repo, position, frame): repo and position let a resume drop what it replays.
    outbox: deque[tuple[str, str, str]] = field(default_factory=deque)
    delivered: int = 0
    overflowed: bool = False
    # The matched ids of every fix routed to this client when it has one subscription
    # without path globs (the common case, and then no matching per fix is needed).
    whole: tuple[str, ...] | None = None
    held: int = 0  # while above zero, take() hands out nothing (a replay is being read)
    next_subscription: int = 1

    def reindex(self) -> None:
        subs = list(self.subscriptions.values())
        self.whole = (subs[0].id,) if len(subs) == 1 and not subs[0].paths else None


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
        # Ids are per client: they only name a subscription to its own client, and equal
        # ids let clients share frames.
        sub = Subscription(f"s{client.next_subscription}", repo, globs)
        client.next_subscription += 1
        client.subscriptions[sub.id] = sub
        client.reindex()
        self._by_repo.setdefault(repo, set()).add(client_id)
        return sub

    def unsubscribe(self, client_id: str, subscription_id: str) -> bool:
        client = self._client(client_id)
        sub = client.subscriptions.pop(subscription_id, None)
        if sub is None:
            return False
        client.reindex()
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
        frames: dict[tuple[str, ...], str] = {}  # one frame per set of matched ids
        members = self._by_repo.get(repo)
        everyone = self._by_repo.get(ALL_REPOS) if repo != ALL_REPOS else None
        # A union only when both kinds of subscriber exist: with thousands of subscribers
        # a new set per fix is measurable.
        targets: Iterable[str] = (members | everyone if members and everyone
                                  else members or everyone or ())
        clients = self._clients
        limit = self.queue_size
        for client_id in targets:
            client = clients[client_id]
            if client.overflowed:
                continue
            matched = client.whole
            if matched is None:
                matched = tuple([s.id for s in client.subscriptions.values()
                                 if s.matches(repo, path)])
                if not matched:
                    continue
            box = client.outbox
            if len(box) >= limit:
                client.overflowed = True
                box.clear()
                overflowed.append(client_id)
                continue
            frame = frames.get(matched)
            if frame is None:
                frame = frames[matched] = head + _frame_tail(matched)
            box.append((repo, position, frame))
            ready.append(client_id)
        return PublishOutcome(tuple(ready), tuple(overflowed))

    def replay(self, client_id: str, subscription_id: str,
               entries: list[tuple[str, str]]) -> int:
        """Queue a subscription's fixes from the history ahead of its live ones.

        ``entries`` are ``(position, result_json)`` from the history, oldest first (for a
        resume, what came after the client's position; for a ``recent`` request, the last
        few). Live frames already queued for a fix that is replayed are dropped, so each
        fix reaches the client once, in order. Returns the number of replayed frames.
        """
        client = self._client(client_id)
        sub = client.subscriptions.get(subscription_id)
        if sub is None:
            raise ProtocolError("unknown_subscription", f"no subscription {subscription_id}")
        frames: list[tuple[str, str, str]] = []
        tail = f'"replayed":true,"subscriptions":{json.dumps([sub.id])}}}'
        for position, result_json in entries:
            result = json.loads(result_json)
            repo, path = result.get("repo"), result.get("path")
            if not isinstance(repo, str) or not isinstance(path, str) \
                    or not sub.matches(repo, path):
                continue
            frames.append((repo, position, f'{{"type":"fix","position":{json.dumps(position)},'
                                           f'"result":{result_json},{tail}'))
        if frames:
            replayed = {(repo, position) for repo, position, _ in frames}
            kept = [item for item in client.outbox if (item[0], item[1]) not in replayed]
            client.outbox = deque(frames + kept)
        return len(frames)

    def hold(self, client_id: str) -> None:
        """Hand ``client_id`` nothing until :meth:`release`: its live fixes wait in its
        outbox while its history is read, so a replay can still go ahead of them."""
        self._client(client_id).held += 1

    def release(self, client_id: str) -> bool:
        """End one :meth:`hold`; whether the client now has frames to send."""
        client = self._clients.get(client_id)
        if client is None:
            return False
        client.held = max(0, client.held - 1)
        return not client.held and bool(client.outbox)

    def take(self, client_id: str, limit: int | None = None) -> tuple[str, ...]:
        """Frames waiting for ``client_id`` (at most ``limit``), oldest first, removed from
        its outbox. Clients that got the same fixes get equal tuples of the same frame
        objects, so a caller may encode each distinct tuple once."""
        client = self._clients.get(client_id)
        if client is None or client.held:
            return ()
        box = client.outbox
        if limit is None or limit >= len(box):
            frames = tuple(map(_frame_of, box))
            box.clear()
        else:
            frames = tuple([box.popleft()[2] for _ in range(limit)])
        client.delivered += len(frames)
        return frames

    def take_grouped(self, client_ids: Iterable[str],
                     skip: Container[str] = ()) -> dict[tuple[str, ...], list[str]]:
        """Everything waiting for ``client_ids`` (except those in ``skip``), removed from
        their outboxes as :meth:`take` would, grouped by the frames taken: each distinct
        run of frames maps to the clients that get it, in the order given. One call per
        delivery round, so the caller encodes each run once and does no per-client work
        but the write."""
        groups: dict[tuple[str, ...], list[str]] = {}
        clients = self._clients
        for client_id in client_ids:
            if client_id in skip:
                continue
            client = clients.get(client_id)
            if client is None or client.held or not client.outbox:
                continue
            box = client.outbox
            frames = tuple(map(_frame_of, box))
            box.clear()
            client.delivered += len(frames)
            members = groups.get(frames)
            if members is None:
                groups[frames] = [client_id]
            else:
                members.append(client_id)
        return groups

    def pending(self, client_id: str) -> int:
        client = self._clients.get(client_id)
        return len(client.outbox) if client else 0

    def _client(self, client_id: str) -> _Client:
        try:
            return self._clients[client_id]
        except KeyError:
            raise ProtocolError("unknown_client", f"no connected client {client_id}") from None
