"""The planner in the stream's stages, and its learning loop on files (no Kafka)."""

from pathlib import Path

import pytest

from patterns import PatternMatcher
from planning.fix_planner import FixPlanner
from streams import learning, stages
from streams.records import CodeChange

SNIPPETS = [
    "let a = 1;\nif (a = = 2) {}\n",
    "var x = 1;\nlet y = x;\nf(y);\n",
    "if (a) { b(); } else { if (c) { d(); } }\n",
    "const o = {a: a, b: function () { return 1; }};\n",
    "x = x + 1;\nlet s = 'a' + b;\nf(s);\n",
]


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher()


def run(change: CodeChange, matcher: PatternMatcher, planner: FixPlanner):
    encoded = stages.encode_change(change, matcher)
    planned = stages.plan_change(encoded, matcher, planner=planner)
    return planned, stages.fix_change(planned, matcher, planner=planner)


def test_a_cold_planner_gives_the_greedy_plan_and_records_every_step(matcher):
    planner = FixPlanner(matcher.rule_names, min_transitions=50)
    change = CodeChange(repo="r", path="a.js", revision=1, content=SNIPPETS[0])
    planned, result = run(change, matcher, planner)
    assert planned.plan.source == "greedy" and planned.plan.reason == "cold"
    assert result.fixed_content == "const a = 1;\nif (a == 2) {}\n"
    assert len(planner.replay) >= 2, "one transition per executed rule"


def test_replay_files_training_and_checkpoint_pickup(matcher, tmp_path: Path):
    worker_planner = FixPlanner(matcher.rule_names, min_transitions=20)
    revision = 0
    while len(worker_planner.replay) < 40:
        for content in SNIPPETS:
            revision += 1
            run(CodeChange(repo="r", path="a.js", revision=revision, content=content),
                matcher, worker_planner)
    path = learning.worker_replay_path(tmp_path, "app")
    assert learning.save_replay(worker_planner, path) == len(worker_planner.replay)

    trainer = FixPlanner(matcher.rule_names, min_transitions=20)
    assert learning.load_replays(trainer, tmp_path) == len(worker_planner.replay)
    checkpoint, _ = learning.train_planner(trainer, tmp_path, epochs=5, patience=2)
    assert checkpoint.name == "v1"

    # Every gate but the model's own readiness is opened explicitly (no per-rule
    # experience needed, any disagreement accepted, no deadline to speak of), so the
    # assertions are about loading the checkpoint and planning with it, not about
    # how confident a 5-epoch model happens to be.
    serving = FixPlanner(matcher.rule_names, min_transitions=20, min_rule_transitions=0,
                         disagreement_threshold=float("inf"), deadline_ms=60_000.0)
    assert serving.is_cold
    assert learning.refresh_model(serving, tmp_path, None) == checkpoint
    assert not serving.is_cold
    assert serving.trained_on == len(worker_planner.replay)
    assert learning.refresh_model(serving, tmp_path, checkpoint) == checkpoint
    planned, result = run(CodeChange(repo="r", path="b.js", revision=1, content=SNIPPETS[1]),
                          matcher, serving)
    assert planned.plan.source == "model" and planned.plan.reason is None
    assert planned.plan.uncertainty is not None
    assert set(planned.plan.rules) <= set(planned.problems)


def test_a_loaded_model_is_still_cold_for_rules_it_has_not_seen_fixing(matcher, tmp_path):
    """The per-rule gate: a checkpoint trained only on no-spaced-equals and prefer-const
    steps plans greedily ("cold") for a file whose fixable rule it never tried."""
    trainer = FixPlanner(matcher.rule_names, min_transitions=10, min_rule_transitions=3)
    for revision in range(12):
        run(CodeChange(repo="r", path="a.js", revision=revision, content=SNIPPETS[0]),
            matcher, trainer)
    learning.train_planner(trainer, tmp_path, epochs=3, patience=1)
    assert trainer.experience.get("no-var", 0) == 0
    serving = FixPlanner(matcher.rule_names, min_transitions=10, min_rule_transitions=3,
                         disagreement_threshold=float("inf"), deadline_ms=60_000.0)
    assert learning.refresh_model(serving, tmp_path, None) is not None and not serving.is_cold
    planned, _ = run(CodeChange(repo="r", path="b.js", revision=1, content="var v = 1;\nf(v);\n"),
                     matcher, serving)
    assert planned.plan.source == "greedy" and planned.plan.reason == "cold"
    planned, _ = run(CodeChange(repo="r", path="c.js", revision=1, content=SNIPPETS[0]),
                     matcher, serving)
    assert planned.plan.source == "model"


def test_an_incompatible_checkpoint_is_ignored(matcher, tmp_path: Path):
    small = FixPlanner(["prefer-const", "no-var"], min_transitions=1)
    for content in SNIPPETS * 4:
        small.execute(matcher, content, "javascript", ["no-var", "prefer-const"],
                      rules=["no-var", "prefer-const"])
    learning.train_planner(small, tmp_path, epochs=2, patience=1)
    serving = FixPlanner(matcher.rule_names)
    assert learning.refresh_model(serving, tmp_path, None) is None
    assert serving.is_cold


def test_worker_id_survives_restarts_and_is_never_shared(tmp_path: Path):
    first = learning.claim_worker_id(tmp_path)
    second = learning.claim_worker_id(tmp_path)  # another live process on the same folder
    assert str(first) != str(second)
    kept = str(first)
    first.release()  # the process ends
    again = learning.claim_worker_id(tmp_path)
    assert str(again) == kept, "a restarted worker is the same worker"
    assert learning.worker_replay_path(tmp_path, "app", again).name == f"replay-app-{kept}.npz"
    again.release()
    second.release()


def test_a_restarted_worker_takes_its_transitions_back(matcher, tmp_path: Path):
    before = FixPlanner(matcher.rule_names, min_transitions=50)
    for revision, content in enumerate(SNIPPETS, start=1):
        run(CodeChange(repo="r", path="a.js", revision=revision, content=content), matcher, before)
    path = learning.worker_replay_path(tmp_path, "app", "w1")
    assert learning.restore_replay(before, path) == 0, "nothing saved yet"
    saved = learning.save_replay(before, path)
    after = FixPlanner(matcher.rule_names, min_transitions=50)
    assert learning.restore_replay(after, path) == saved > 0
    assert len(after.replay) == saved
    other = FixPlanner(matcher.rule_names[:3], min_transitions=50)  # another state layout
    assert learning.restore_replay(other, path) == 0
