"""The gateway's logic without I/O: clients, subscriptions, routing and backpressure.

The WebSocket server feeds it plain values (a client connected, a subscribe request, a
fix read from Kafka) and asks it what to send to whom; it never touches a socket, so it is
tested with plain values.

Clients with the same subscriptions (repo, globs and ids: ids are numbered per client,
``s1``, ``s2``, ...) form a *group*: a fix is matched once per group and its frame goes
once into the group's log, which every member reads with its own cursor. Members at the
same cursor form a *cohort* and move together, so routing a fix and handing out a round
cost the same for 5,000 subscribers of one repo as for one. A client leaves its cohort
for a private outbox (as every client had before groups) while the order of its frames
differs from its group's: while held for a replay from the history, and until it has
been handed the frames queued before a replay or a change of its subscriptions.
"""

from __future__ import annotations

import functools
import itertools
import json
import operator
from collections import OrderedDict, deque
from collections.abc import Collection, Iterable
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


_Item = tuple[str, str, str]  # (repo, position, frame): a resume drops what it replays
_frame_of = operator.itemgetter(2)  # the frame of an item


@functools.lru_cache(maxsize=1 << 16)
def _frame_head(position: str, result_json: str) -> str:
    """The start of a ``fix`` frame, up to the fields that depend on the subscriber."""
    return f'{{"type":"fix","position":{json.dumps(position)},"result":{result_json},'


def _frame_tail(subscription_ids: tuple[str, ...]) -> str:
    """The end of a fix frame: its matched subscriptions (the same for every fix a client
    gets while its subscriptions stay put, so rendered once)."""
    return f'"subscriptions":{json.dumps(list(subscription_ids))}}}'


@dataclass(eq=False, slots=True)
class _Cohort:
    """Members of a group that have been handed the same frames: the next one each gets
    is the group's log entry ``cursor``."""

    cursor: int
    members: dict[str, _Client] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class _Group:
    """Clients with the same subscriptions: one match per fix, one log of frames."""

    subscriptions: tuple[Subscription, ...]
    # The matched ids of every fix of its repo, when it has one subscription without
    # globs (the common case: then no matching per fix is needed).
    whole: tuple[str, ...] | None = None
    log: deque[_Item] = field(default_factory=deque)  # entries base .. head - 1
    base: int = 0
    head: int = 0
    cohorts: list[_Cohort] = field(default_factory=list)
    detached: dict[str, _Client] = field(default_factory=dict)  # members with own outboxes

    def cohort_at(self, cursor: int) -> _Cohort:
        for cohort in self.cohorts:
            if cohort.cursor == cursor:
                return cohort
        cohort = _Cohort(cursor)
        self.cohorts.append(cohort)
        return cohort

    def frames_from(self, cursor: int, limit: int | None = None) -> tuple[str, ...]:
        start = cursor - self.base
        if not start and limit is None:
            return tuple(map(_frame_of, self.log))
        stop = None if limit is None else start + limit
        return tuple(map(_frame_of, itertools.islice(self.log, start, stop)))

    def items_from(self, cursor: int) -> list[_Item]:
        return list(itertools.islice(self.log, cursor - self.base, None))

    def trim(self) -> None:
        """Forget the log entries every member has been handed."""
        cohorts = self.cohorts
        if len(cohorts) == 1 and cohorts[0].cursor == self.head or not cohorts:
            self.log.clear()
            self.base = self.head
            return
        low = min([c.cursor for c in cohorts])
        log = self.log
        for _ in range(low - self.base):
            log.popleft()
        self.base = low


@dataclass(eq=False, slots=True)
class _Client:
    id: str
    label: str | None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    group: _Group | None = None
    cohort: _Cohort | None = None  # None: detached, its frames are in `outbox`
    outbox: deque[_Item] = field(default_factory=deque)
    overflowed: bool = False
    held: int = 0  # while above zero, take() hands out nothing (a replay is being read)
    next_subscription: int = 1


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """What one published fix did: who has new frames, who overflowed, or a duplicate."""

    ready: tuple[str, ...] = ()
    overflowed: tuple[str, ...] = ()
    duplicate: bool = False


class GatewayCore:
    """Subscriptions and per-client bounded outboxes.

    ``queue_size`` bounds each client's backlog (the frames routed to it and not yet
    taken): a client whose backlog is full when a fix arrives is marked overflowed (the
    server then closes it with a reason) and receives nothing more, so one slow reader
    never holds memory or other clients back.
    """

    def __init__(self, queue_size: int = 1000, dedup_window: int = 10_000,
                 max_subscriptions: int = 100) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.queue_size = queue_size
        self.max_subscriptions = max_subscriptions
        self._clients: dict[str, _Client] = {}
        self._groups: dict[tuple[Subscription, ...], _Group] = {}
        self._by_repo: dict[str, dict[_Group, None]] = {}
        self._detached: dict[str, _Client] = {}  # clients with frames of their own, or held
        # Groups with a cohort behind the head of the log (publish puts them here, a round
        # takes them out unless it leaves a skipped cohort behind), so a round visits only
        # the groups with something to hand out.
        self._behind: dict[_Group, None] = {}
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
        if client is not None:
            self._leave_group(client)
            self._detached.pop(client_id, None)

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
        # ids let clients share groups and frames.
        sub = Subscription(f"s{client.next_subscription}", repo, globs)
        client.next_subscription += 1
        client.subscriptions[sub.id] = sub
        self._regroup(client)
        return sub

    def unsubscribe(self, client_id: str, subscription_id: str) -> bool:
        client = self._client(client_id)
        if client.subscriptions.pop(subscription_id, None) is None:
            return False
        self._regroup(client)
        return True

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
        head = _frame_head(position, result_json)
        frames: dict[tuple[str, ...], str] = {}  # one frame per set of matched ids
        groups = self._by_repo.get(repo)
        everyone = self._by_repo.get(ALL_REPOS) if repo != ALL_REPOS else None
        targets = list(groups | everyone if groups and everyone else groups or everyone or ())
        limit = self.queue_size
        for group in targets:
            matched = group.whole
            if matched is None:
                matched = tuple([s.id for s in group.subscriptions if s.matches(repo, path)])
                if not matched:
                    continue
            frame = frames.get(matched)
            if frame is None:
                frame = frames[matched] = head + _frame_tail(matched)
            item = (repo, position, frame)
            cohorts = group.cohorts
            if cohorts:
                oldest = cohorts[0].cursor if len(cohorts) == 1 else min(
                    [c.cursor for c in cohorts])
                if group.head - oldest >= limit:
                    for cohort in [c for c in cohorts if group.head - c.cursor >= limit]:
                        cohorts.remove(cohort)
                        for client in cohort.members.values():
                            client.cohort = client.group = None
                            client.overflowed = True
                        overflowed += cohort.members
                    group.trim()
                for cohort in cohorts:
                    ready += cohort.members
            if cohorts:
                group.log.append(item)
                group.head += 1
                self._behind[group] = None
            else:  # nobody reads the log
                group.head += 1
                group.trim()
            for client in list(group.detached.values()) if group.detached else ():
                box = client.outbox
                if len(box) >= limit:
                    overflowed.append(client.id)
                    self._leave_group(client)
                    self._detached.pop(client.id, None)
                    client.overflowed = True
                    box.clear()
                    continue
                box.append(item)
                ready.append(client.id)
            if not cohorts and not group.detached:
                self._forget(group)
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
        items: list[_Item] = []
        tail = f'"replayed":true,"subscriptions":{json.dumps([sub.id])}}}'
        for position, result_json in entries:
            result = json.loads(result_json)
            repo, path = result.get("repo"), result.get("path")
            if not isinstance(repo, str) or not isinstance(path, str) \
                    or not sub.matches(repo, path):
                continue
            items.append((repo, position, _frame_head(position, result_json) + tail))
        if items and not client.overflowed:
            self._detach(client)
            replayed = {(repo, position) for repo, position, _ in items}
            kept = [item for item in client.outbox if (item[0], item[1]) not in replayed]
            client.outbox = deque(items + kept)
            self._settle(client)
        return len(items)

    def hold(self, client_id: str) -> None:
        """Hand ``client_id`` nothing until :meth:`release`: its live fixes wait in its
        outbox while its history is read, so a replay can still go ahead of them."""
        client = self._client(client_id)
        client.held += 1
        if not client.overflowed:
            self._detach(client)
            self._settle(client)

    def release(self, client_id: str) -> bool:
        """End one :meth:`hold`; whether the client now has frames to send."""
        client = self._clients.get(client_id)
        if client is None:
            return False
        client.held = max(0, client.held - 1)
        if client.held:
            return False
        pending = bool(client.outbox)
        self._settle(client)
        return pending

    def take(self, client_id: str, limit: int | None = None) -> tuple[str, ...]:
        """Frames waiting for ``client_id`` (at most ``limit``), oldest first, removed from
        its outbox. Clients that got the same fixes get equal tuples of the same frame
        objects, so a caller may encode each distinct tuple once."""
        client = self._clients.get(client_id)
        if client is None or client.held:
            return ()
        cohort = client.cohort
        if cohort is None:
            box = client.outbox
            if limit is None or limit >= len(box):
                frames = tuple(map(_frame_of, box))
                box.clear()
                self._settle(client)
            else:
                frames = tuple([box.popleft()[2] for _ in range(limit)])
            return frames
        group = client.group
        assert group is not None
        frames = group.frames_from(cohort.cursor, limit)
        if frames:
            del cohort.members[client_id]
            if not cohort.members:
                group.cohorts.remove(cohort)
            client.cohort = group.cohort_at(cohort.cursor + len(frames))
            client.cohort.members[client_id] = client
            group.trim()
        return frames

    def take_round(self, skip: Collection[str] = ()) -> dict[tuple[str, ...], list[str]]:
        """Everything waiting for every client (except those in ``skip`` and held ones),
        removed from their outboxes as :meth:`take` would, grouped by the frames taken:
        each distinct run of frames maps to the clients that get it. One call per delivery
        round; its cost grows with the number of groups with new frames, not of clients,
        so the caller's writes are all the per-client work there is."""
        out: dict[tuple[str, ...], list[str]] = {}
        behind, self._behind = self._behind, {}
        for group in behind:
            head = group.head
            cohorts = group.cohorts
            for cohort in tuple(cohorts):
                if cohort.cursor == head:
                    continue
                members = cohort.members
                if skip:
                    stay = members.keys() & skip
                    if stay:  # they stay at the cursor, in a cohort of their own
                        left = _Cohort(cohort.cursor)
                        cohorts.append(left)
                        for client_id in stay:
                            client = left.members[client_id] = members.pop(client_id)
                            client.cohort = left
                        self._behind[group] = None
                        if not members:
                            cohorts.remove(cohort)
                            continue
                frames = group.frames_from(cohort.cursor)
                taken = out.get(frames)
                if taken is None:
                    out[frames] = list(members)
                else:
                    taken += members
                cohort.cursor = head
            if len(cohorts) > 1:
                self._merge_at_head(group)
            group.trim()
        for client in list(self._detached.values()):
            if client.held or client.id in skip or not client.outbox:
                continue
            frames = self.take(client.id)
            taken = out.get(frames)
            if taken is None:
                out[frames] = [client.id]
            else:
                taken.append(client.id)
        return out

    @property
    def queued(self) -> int:
        """Frames held for clients that have not taken them yet (each shared frame once)."""
        return sum(len(g.log) for g in self._groups.values()) + \
            sum(len(c.outbox) for c in self._clients.values())

    def pending(self, client_id: str) -> int:
        client = self._clients.get(client_id)
        if client is None:
            return 0
        if client.cohort is None or client.group is None:
            return len(client.outbox)
        return client.group.head - client.cohort.cursor

    # -- groups ------------------------------------------------------------------------
    def _regroup(self, client: _Client) -> None:
        """Move ``client`` to the group of its current subscriptions; the frames already
        routed to it stay queued, ahead of what its new group gets."""
        self._detach(client)
        self._leave_group(client)
        key = tuple(client.subscriptions.values())
        if key and not client.overflowed:
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group(
                    key, (key[0].id,) if len(key) == 1 and not key[0].paths else None)
                for repo in dict.fromkeys(s.repo for s in key):
                    self._by_repo.setdefault(repo, {})[group] = None
            client.group = group
            group.detached[client.id] = client
        self._settle(client)

    def _detach(self, client: _Client) -> None:
        """Give an attached client its own outbox, holding what its cohort has not taken."""
        cohort, group = client.cohort, client.group
        if cohort is None or group is None:
            return
        client.outbox = deque(group.items_from(cohort.cursor))
        del cohort.members[client.id]
        if not cohort.members:
            group.cohorts.remove(cohort)
            group.trim()
        client.cohort = None
        group.detached[client.id] = client
        self._detached[client.id] = client

    def _settle(self, client: _Client) -> None:
        """Attach a detached client to its group's newest cohort once it has no frames of
        its own and is not held; keep the others listed as detached."""
        if client.cohort is not None:
            return
        group = client.group
        if client.outbox or client.held:
            self._detached[client.id] = client
            return
        self._detached.pop(client.id, None)
        if group is not None:
            group.detached.pop(client.id, None)
            client.cohort = group.cohort_at(group.head)
            client.cohort.members[client.id] = client

    def _leave_group(self, client: _Client) -> None:
        group = client.group
        if group is None:
            return
        cohort = client.cohort
        if cohort is not None:
            del cohort.members[client.id]
            if not cohort.members:
                group.cohorts.remove(cohort)
                group.trim()
        group.detached.pop(client.id, None)
        client.group = client.cohort = None
        if not group.cohorts and not group.detached:
            self._forget(group)

    def _forget(self, group: _Group) -> None:
        if self._groups.pop(group.subscriptions, None) is None:
            return
        for repo in dict.fromkeys(s.repo for s in group.subscriptions):
            members = self._by_repo.get(repo)
            if members is not None:
                members.pop(group, None)
                if not members:
                    del self._by_repo[repo]

    @staticmethod
    def _merge_at_head(group: _Group) -> None:
        """One cohort per cursor: fold the smaller ones at the head into the largest."""
        at_head = [c for c in group.cohorts if c.cursor == group.head]
        if len(at_head) < 2:
            return
        at_head.sort(key=lambda c: len(c.members), reverse=True)
        into = at_head[0]
        for cohort in at_head[1:]:
            for client in cohort.members.values():
                client.cohort = into
            into.members.update(cohort.members)
            group.cohorts.remove(cohort)

    def _client(self, client_id: str) -> _Client:
        try:
            return self._clients[client_id]
        except KeyError:
            raise ProtocolError("unknown_client", f"no connected client {client_id}") from None
