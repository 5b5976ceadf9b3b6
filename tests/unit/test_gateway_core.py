import json

import pytest

from streams.gateway.core import GatewayCore, PublishOutcome
from streams.gateway.globs import glob_matches
from streams.gateway.protocol import ProtocolError, parse_client_message


def result(repo: str, path: str, change_id: str) -> str:
    return json.dumps({"repo": repo, "path": path, "change_id": change_id})


def publish(core: GatewayCore, repo: str, path: str, change_id: str,
            position: str) -> PublishOutcome:
    """Publish the fix ``result(repo, path, change_id)`` at ``position``."""
    return core.publish(repo, path, change_id, result(repo, path, change_id), position)


def test_routes_by_repo_and_path_glob():
    core = GatewayCore()
    a, b, c = core.connect(), core.connect(), core.connect()
    sa = core.subscribe(a, "web", ["src/**"])
    core.subscribe(b, "web", ["test/*.js"])
    core.subscribe(c, "api")
    outcome = publish(core, "web", "src/ui/app.js", "x1", "0:1")
    assert outcome.ready == (a,)
    [frame] = core.take(a)
    decoded = json.loads(frame)
    assert decoded["type"] == "fix"
    assert decoded["subscriptions"] == [sa.id]
    assert decoded["position"] == "0:1"
    assert decoded["result"]["path"] == "src/ui/app.js"
    assert core.take(b) == () and core.take(c) == ()


def test_one_frame_per_client_listing_every_matching_subscription():
    core = GatewayCore()
    a = core.connect()
    s1 = core.subscribe(a, "web", ["**/*.js"])
    s2 = core.subscribe(a, "web")
    publish(core, "web", "a.js", "x", "0:0")
    [frame] = core.take(a)
    assert json.loads(frame)["subscriptions"] == [s1.id, s2.id]


def test_duplicates_by_change_id_are_dropped():
    core = GatewayCore()
    a = core.connect()
    core.subscribe(a, "r")
    assert publish(core, "r", "f.js", "same", "0:0").ready == (a,)
    again = publish(core, "r", "f.js", "same", "0:1")
    assert again.duplicate and again.ready == ()
    assert len(core.take(a)) == 1


def test_full_queue_marks_client_overflowed_and_spares_others():
    core = GatewayCore(queue_size=2)
    slow, fast = core.connect(), core.connect()
    core.subscribe(slow, "r")
    core.subscribe(fast, "r")
    overflowed = []
    for i in range(3):
        outcome = publish(core, "r", "f.js", f"id{i}", f"0:{i}")
        overflowed += outcome.overflowed
        assert len(core.take(fast)) == 1
    assert overflowed == [slow]
    assert core.pending(slow) == 0
    # An overflowed client gets nothing more; the fast one goes on.
    outcome = publish(core, "r", "f.js", "id9", "0:9")
    assert outcome.ready == (fast,)


def test_unsubscribe_and_disconnect_stop_delivery():
    core = GatewayCore()
    a = core.connect()
    sub = core.subscribe(a, "r")
    assert core.unsubscribe(a, sub.id)
    assert not core.unsubscribe(a, sub.id)
    assert publish(core, "r", "f.js", "1", "0:0").ready == ()
    core.subscribe(a, "r")
    core.disconnect(a)
    assert core.client_count == 0
    assert publish(core, "r", "f.js", "2", "0:1").ready == ()


def test_unsubscribing_one_of_two_subscriptions_on_a_repo_keeps_the_other():
    core = GatewayCore()
    a = core.connect()
    s1 = core.subscribe(a, "r", ["a/**"])
    core.subscribe(a, "r", ["b/**"])
    core.unsubscribe(a, s1.id)
    assert publish(core, "r", "b/x.js", "1", "0:0").ready == (a,)


@pytest.mark.parametrize("bad", [{"repo": ""}, {"repo": "r", "paths": [""]}])
def test_bad_subscriptions_are_refused(bad):
    core = GatewayCore()
    a = core.connect()
    with pytest.raises(ProtocolError) as info:
        core.subscribe(a, bad["repo"], bad.get("paths", ()))
    assert info.value.code == "bad_request"


def test_subscription_limit():
    core = GatewayCore(max_subscriptions=2)
    a = core.connect()
    core.subscribe(a, "r")
    core.subscribe(a, "s")
    with pytest.raises(ProtocolError) as info:
        core.subscribe(a, "t")
    assert info.value.code == "too_many_subscriptions"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("src/**", "src/a/b/c.js", True),
        ("src/**", "lib/a.js", False),
        ("**/*.ts", "a.ts", True),
        ("**/*.ts", "x/y/a.ts", True),
        ("*.js", "x/a.js", False),
        ("src/*.{js,ts}", "src/a.ts", True),
        ("src/*.{js,ts}", "src/a.tsx", False),
        ("src/?.js", "src/a.js", True),
        ("src/[ab].js", "src/c.js", False),
        ("/src/a.js", "src/a.js", False),
        ("src/a.js", "/src/a.js", True),
    ],
)
def test_globs(pattern, path, expected):
    assert glob_matches(pattern, path) is expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('{"type": "explode"}', "unknown_type"),
        ('{"type": "ping", "id": [1]}', "bad_request"),
        ('{"type": "ping", "pad": "' + "x" * 200 + '"}', "too_large"),
    ],
)
def test_protocol_errors(raw, code):
    with pytest.raises(ProtocolError) as info:
        parse_client_message(raw, max_bytes=100)
    assert info.value.code == code


def test_protocol_accepts_known_messages():
    message = parse_client_message('{"type": "subscribe", "id": 7, "repo": "r"}', 1000)
    assert (message.type, message.id, message.body["repo"]) == ("subscribe", "7", "r")


def test_wildcard_repo_subscription_sees_every_repo():
    core = GatewayCore()
    dash, editor = core.connect(), core.connect()
    core.subscribe(dash, "*")
    core.subscribe(editor, "web")
    assert set(publish(core, "web", "a.js", "1", "0:0").ready) == {
        dash, editor}
    assert publish(core, "api", "b.js", "2", "0:1").ready == (dash,)


def test_a_client_of_a_repo_and_of_every_repo_gets_one_frame_listing_both():
    core = GatewayCore()
    a, other = core.connect(), core.connect()
    every = core.subscribe(a, "*")
    web = core.subscribe(a, "web")
    core.subscribe(other, "web")
    assert set(publish(core, "web", "a.js", "1", "0:0").ready) == {
        a, other}
    [frame] = core.take(a)
    assert json.loads(frame)["subscriptions"] == [every.id, web.id]
    core.unsubscribe(a, every.id)
    publish(core, "web", "b.js", "2", "0:1")
    [frame] = core.take(a)
    assert json.loads(frame)["subscriptions"] == [web.id]


def test_replay_goes_first_and_overlapping_live_frames_are_dropped():
    core = GatewayCore()
    a = core.connect()
    sub = core.subscribe(a, "r", ["src/**"])
    # Live fixes arrive while the history is read: 5-0 is also in the history.
    publish(core, "r", "src/b.js", "id5", "5-0")
    publish(core, "r", "src/c.js", "id6", "6-0")
    history = [("3-0", result("r", "src/a.js", "id3")),
               ("4-0", result("r", "lib/x.js", "id4")),
               ("5-0", result("r", "src/b.js", "id5"))]
    assert core.replay(a, sub.id, history) == 2, "lib/x.js does not match src/**"
    frames = [json.loads(f) for f in core.take(a)]
    assert [f["position"] for f in frames] == ["3-0", "5-0", "6-0"]
    assert frames[0]["replayed"] is True and "replayed" not in frames[2]


def test_replay_of_an_unknown_subscription_is_an_error():
    core = GatewayCore()
    a = core.connect()
    with pytest.raises(ProtocolError):
        core.replay(a, "s99", [])


def test_clients_with_the_same_subscription_ids_share_one_frame_object():
    core = GatewayCore()
    a, b, c = core.connect(), core.connect(), core.connect()
    assert core.subscribe(a, "r").id == core.subscribe(b, "r").id == "s1"
    core.subscribe(c, "r", ["lib/**"])
    core.subscribe(c, "r", ["src/**"])  # c matches with its s2 only
    publish(core, "r", "src/a.js", "1", "1-0")
    [fa], [fb], [fc] = core.take(a), core.take(b), core.take(c)
    assert fa is fb, "one frame object for every client with the same matched ids"
    assert json.loads(fc)["subscriptions"] == ["s2"]
    assert json.loads(fa)["result"] == json.loads(fc)["result"]


def test_a_held_client_gets_nothing_until_released_then_everything_in_order():
    core = GatewayCore()
    a = core.connect()
    core.subscribe(a, "r")
    core.hold(a)
    publish(core, "r", "a.js", "1", "1-0")
    assert core.take(a) == () and core.pending(a) == 1
    assert core.release(a) is True
    assert [json.loads(f)["position"] for f in core.take(a)] == ["1-0"]
    assert core.release(a) is False, "an extra release is harmless"


def test_recent_fixes_of_every_repo_go_first_without_duplicates():
    core = GatewayCore()
    dash = core.connect()
    sub = core.subscribe(dash, "*", ["src/**"])
    core.hold(dash)  # the server holds the client while it reads the history
    publish(core, "web", "src/b.js", "b", "5-0")  # live, also read
    publish(core, "api", "src/c.js", "c", "6-0")  # live only
    recent = [("3-0", result("api", "src/a.js", "a")),
              ("4-0", result("web", "lib/x.js", "x")),
              ("5-0", result("web", "src/b.js", "b"))]
    assert core.replay(dash, sub.id, recent) == 2
    core.release(dash)
    frames = [json.loads(f) for f in core.take(dash)]
    assert [(f["result"]["repo"], f["position"]) for f in frames] == [
        ("api", "3-0"), ("web", "5-0"), ("api", "6-0")]
    assert [f.get("replayed", False) for f in frames] == [True, True, False]


def test_take_round_hands_out_one_run_per_group_and_leaves_skipped_and_held_clients():
    core = GatewayCore()
    a, b, skipped, held, c = (core.connect() for _ in range(5))
    for client in (a, b, skipped, held):
        core.subscribe(client, "web")
    core.subscribe(c, "web", ["src/**"])
    core.hold(held)
    for n, path in enumerate(("src/a.js", "test/b.js")):
        publish(core, "web", path, f"x{n}", f"{n}-0")
    groups = core.take_round(skip={skipped})
    assert {k: sorted(v) for k, v in groups.items() if len(k) == 2} == {
        next(k for k in groups if len(k) == 2): sorted([a, b])}
    ((partial, only_c),) = [(k, v) for k, v in groups.items() if len(k) == 1]
    assert only_c == [c] and json.loads(partial[0])["subscriptions"] == ["s1"]
    assert core.pending(skipped) == 2 and core.pending(held) == 2
    assert core.take_round(skip={skipped}) == {}, "nothing new for the others"
    publish(core, "web", "src/c.js", "x2", "2-0")
    later = core.take_round()
    assert sorted(later[next(k for k in later if len(k) == 3)]) == [skipped], \
        "a skipped client gets everything it missed, then the new fix"
    assert sorted(later[next(k for k in later if len(k) == 1 and k[0] in
                             [f for f in k if '"2-0"' in f])]) == sorted([a, b, c])
    assert core.take(held) == ()
    assert core.release(held)
    assert [json.loads(f)["position"] for f in core.take(held)] == ["0-0", "1-0", "2-0"]
    assert core.queued == 0, "every frame handed out is forgotten"


def test_frames_queued_before_a_subscription_change_go_out_first_and_once():
    core = GatewayCore()
    a, other = core.connect(), core.connect()
    core.subscribe(a, "web")
    core.subscribe(other, "web")
    publish(core, "web", "a.js", "1", "1-0")
    core.subscribe(a, "api")  # a moves to the group of {web, api}; 1-0 stays queued
    publish(core, "api", "b.js", "2", "2-0")
    publish(core, "web", "c.js", "3", "3-0")
    frames = [json.loads(f) for f in core.take(a)]
    assert [(f["position"], f["subscriptions"]) for f in frames] == [
        ("1-0", ["s1"]), ("2-0", ["s2"]), ("3-0", ["s1"])]
    assert [json.loads(f)["position"] for f in core.take(other)] == ["1-0", "3-0"]
    core.unsubscribe(a, "s1")
    publish(core, "web", "d.js", "4", "4-0")
    publish(core, "api", "e.js", "5", "5-0")
    assert [json.loads(f)["position"] for f in core.take(a)] == ["5-0"]


def test_a_client_that_falls_behind_its_group_is_dropped_alone():
    core = GatewayCore(queue_size=3)
    fast, slow = core.connect(), core.connect()
    core.subscribe(fast, "r")
    core.subscribe(slow, "r")
    dropped = []
    for n in range(5):
        dropped += publish(core, "r", "f.js", f"{n}", f"{n}-0").overflowed
        core.take_round(skip={slow})  # as the server skips a client whose socket is full
    assert dropped == [slow]
    assert core.pending(fast) == 0 and core.pending(slow) == 0
    assert publish(core, "r", "f.js", "9", "9-0").ready == (fast,)


def test_taking_part_of_a_backlog_moves_only_that_client():
    core = GatewayCore()
    a, b = core.connect(), core.connect()
    core.subscribe(a, "r")
    core.subscribe(b, "r")
    for n in range(4):
        publish(core, "r", "f.js", f"{n}", f"{n}-0")
    assert [json.loads(f)["position"] for f in core.take(a, limit=3)] == ["0-0", "1-0", "2-0"]
    assert core.pending(a) == 1 and core.pending(b) == 4
    round_ = core.take_round()
    assert sorted(len(k) for k in round_) == [1, 4]
    assert core.queued == 0
    core.disconnect(a)
    core.disconnect(b)
    assert publish(core, "r", "f.js", "x", "9-0").ready == ()


class _Reference:
    """The core's promises, one outbox per client and nothing shared: what groups,
    cohorts and shared logs must be indistinguishable from."""

    def __init__(self, queue_size):
        self.limit = queue_size
        self.clients = {}
        self.seen = set()

    def connect(self, client_id):
        self.clients[client_id] = {"subs": {}, "next": 1, "box": [], "held": 0, "over": False}

    def subscribe(self, client_id, repo, paths):
        c = self.clients[client_id]
        sub_id = f"s{c['next']}"
        c["next"] += 1
        c["subs"][sub_id] = (repo, tuple(paths))
        return sub_id

    @staticmethod
    def matches(sub, repo, path):
        sub_repo, paths = sub
        return (sub_repo in (repo, "*")) and (
            not paths or any(glob_matches(p, path.lstrip("/")) for p in paths))

    def publish(self, repo, path, change_id, position):
        if change_id in self.seen:
            return set(), set()
        self.seen.add(change_id)
        ready, over = set(), set()
        for client_id, c in self.clients.items():
            ids = [s for s, sub in c["subs"].items() if self.matches(sub, repo, path)]
            if c["over"] or not ids:
                continue
            if len(c["box"]) >= self.limit:
                c["over"], c["box"] = True, []
                over.add(client_id)
                continue
            c["box"].append((repo, position, (position, tuple(ids), False, change_id)))
            ready.add(client_id)
        return ready, over

    def take(self, client_id, limit=None):
        c = self.clients[client_id]
        if c["held"]:
            return []
        n = len(c["box"]) if limit is None else min(limit, len(c["box"]))
        out, c["box"] = c["box"][:n], c["box"][n:]
        return [frame for _, _, frame in out]

    def replay(self, client_id, sub_id, entries):
        c = self.clients[client_id]
        items = [(json.loads(text)["repo"], position,
                  (position, (sub_id,), True, json.loads(text)["change_id"]))
                 for position, text in entries
                 if self.matches(c["subs"][sub_id], json.loads(text)["repo"],
                                 json.loads(text)["path"])]
        if items and not c["over"]:
            done = {(r, p) for r, p, _ in items}
            c["box"] = items + [i for i in c["box"] if (i[0], i[1]) not in done]
        return len(items)


def _decoded(frames):
    out = []
    for frame in frames:
        f = json.loads(frame)
        out.append((f["position"], tuple(f["subscriptions"]), f.get("replayed", False),
                    f["result"]["change_id"]))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_groups_deliver_exactly_what_one_outbox_per_client_would(seed):
    """Random sessions of connects, (un)subscribes, holds, replays, partial and skipped
    takes: every client gets the same frames, in the same order, overflows at the same
    fix and has the same backlog as with an outbox of its own."""
    import random

    rng = random.Random(seed)
    limit = rng.choice([2, 3, 5, 50])
    core, ref = GatewayCore(queue_size=limit), _Reference(limit)
    repos, paths = ["web", "api"], ["src/a.js", "src/b.ts", "lib/c.js"]
    globs = [(), (), ("src/**",), ("**/*.js",)]
    history: list[tuple[str, str]] = []
    live: list[str] = []
    for step in range(300):
        op = rng.random()
        if op < 0.08 or len(live) < 3:
            client_id = core.connect()
            ref.connect(client_id)
            live.append(client_id)
            continue
        client_id = rng.choice(live)
        c = ref.clients[client_id]
        if op < 0.18:
            repo = rng.choice([*repos, "*"])
            sub = core.subscribe(client_id, repo, rng.choice(globs))
            assert sub.id == ref.subscribe(client_id, repo, sub.paths)
        elif op < 0.22 and c["subs"]:
            sub_id = rng.choice(list(c["subs"]))
            del c["subs"][sub_id]
            assert core.unsubscribe(client_id, sub_id)
        elif op < 0.26:
            core.disconnect(client_id)
            live.remove(client_id)
            del ref.clients[client_id]
        elif op < 0.30:
            core.hold(client_id)
            c["held"] += 1
        elif op < 0.36 and c["held"]:
            c["held"] -= 1
            assert core.release(client_id) == (not c["held"] and bool(c["box"]))
        elif op < 0.40 and c["subs"] and history:
            sub_id = rng.choice(list(c["subs"]))
            entries = history[rng.randrange(len(history)):]
            assert core.replay(client_id, sub_id, entries) == \
                ref.replay(client_id, sub_id, entries)
        elif op < 0.70:
            repo, path = rng.choice(repos), rng.choice(paths)
            change_id = f"x{step}" if rng.random() < 0.95 else "dup"
            position = f"{step}-0"
            text = result(repo, path, change_id)
            outcome = core.publish(repo, path, change_id, text, position)
            ready, over = ref.publish(repo, path, change_id, position)
            assert (set(outcome.ready), set(outcome.overflowed)) == (ready, over)
            if not outcome.duplicate:
                history.append((position, text))
        elif op < 0.80:
            limit_ = rng.choice([None, 1, 2])
            assert _decoded(core.take(client_id, limit_)) == ref.take(client_id, limit_)
        else:
            skip = set(rng.sample(live, k=min(len(live), rng.randrange(3))))
            taken = {}
            for frames, members in core.take_round(skip).items():
                for member in members:
                    assert member not in taken, "one run per client per round"
                    taken[member] = _decoded(frames)
            for other in live:
                expected = [] if other in skip else ref.take(other)
                assert taken.get(other, []) == expected, other
        for other in live:
            assert core.pending(other) == len(ref.clients[other]["box"])
