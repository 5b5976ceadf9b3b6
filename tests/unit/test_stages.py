import pytest

from patterns import RULESET_VERSION, PatternMatcher
from streams import stages
from streams.exceptions import InvalidEvent
from streams.records import CodeChange


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher()


def change(content: str, path: str = "src/a.js", **extra) -> CodeChange:
    return CodeChange(repo="r", path=path, revision=1, content=content, **extra)


def run(change: CodeChange, matcher: PatternMatcher):
    encoded = stages.encode_change(change, matcher)
    planned = stages.plan_change(encoded, matcher)
    return encoded, planned, stages.fix_change(planned, matcher)


def test_revision_tracker_drops_only_older_revisions():
    tracker = stages.RevisionTracker()
    assert tracker.observe("r:a", 5)
    assert not tracker.observe("r:a", 3)
    assert tracker.observe("r:a", 5), "a retry of the same revision is not stale"
    assert tracker.observe("r:b", 1), "files are tracked apart"
    assert tracker.observe("r:a", 7)
    assert tracker.dropped == 1 and tracker.store == {"r:a": 7, "r:b": 1}


def test_features_count_problems_per_rule(matcher):
    encoded = stages.encode_change(change("let a = 1;\nlet b = 2;\nf(a, b);\n"), matcher)
    assert encoded.problems == {"prefer-const": 2}
    assert encoded.features["fixable:prefer-const"] == 2
    assert encoded.features["lines"] == 4
    assert encoded.features["syntax_errors"] == 0
    assert encoded.features["syntax_nodes"] > 10
    assert encoded.change.language == "javascript"


def test_typo_file_gets_every_rule_so_later_passes_fix_the_rest(matcher):
    code = "let a = 1;\nif (a = = 2) {}\n"
    encoded, planned, result = run(change(code), matcher)
    assert encoded.features["syntax_errors"] > 0
    assert planned.plan.source == "greedy"
    reliabilities = [matcher.reliabilities[r] for r in planned.plan.rules]
    assert reliabilities == sorted(reliabilities, reverse=True), "most reliable first"
    assert "no-spaced-equals" in planned.plan.rules
    assert result.fixed_content == "const a = 1;\nif (a == 2) {}\n"
    assert {a["rule"] for a in result.applied} == {"no-spaced-equals", "prefer-const"}
    assert all(not p["fixable"] for p in result.remaining), "only unfixable problems remain"
    assert result.ruleset_version == RULESET_VERSION


def test_clean_file_gives_an_empty_plan_and_no_edits(matcher):
    _, planned, result = run(change("const a = 1;\nexport default a;\n"), matcher)
    assert planned.plan.rules == []
    assert result.edits == [] and result.applied == [] and not result.changed


def test_min_reliability_keeps_less_reliable_rules_out_of_the_plan(matcher):
    encoded = stages.encode_change(change("let a = 1;\nf(a);\n"), matcher)
    assert stages.plan_change(encoded, matcher, min_reliability=0.95).plan.rules == []


def test_rule_selection_with_options(matcher):
    code = "let {a, b} = o;\nb = 1;\n"
    _, _, result = run(change(code, rules={"prefer-const": {"destructuring": "all"}}), matcher)
    assert result.fixed_content == code


def test_typescript_by_extension_and_explicit_language(matcher):
    _, _, result = run(change("let x: number = 1;\n", path="a.ts"), matcher)
    assert result.language == "typescript" and result.fixed_content == "const x: number = 1;\n"
    _, _, result = run(change("let x = <b>hi</b>;\n", path="noext", language="tsx"), matcher)
    assert result.fixed_content == "const x = <b>hi</b>;\n"


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"path": "README.md"}, "cannot tell the language"),
        ({"path": "a.js", "language": "cobol"}, "unsupported language"),
        ({"path": "a.js", "rules": ["no-such-rule"]}, "unknown rule"),
    ],
)
def test_unprocessable_changes_raise_invalid_event(matcher, kwargs, reason):
    with pytest.raises(InvalidEvent, match=reason):
        stages.encode_change(change("x", **kwargs), matcher)


def test_cache_round_trip_rebuilds_the_result_for_the_new_change(matcher):
    first = change("if (a = = b) {}\n")
    _, _, result = run(first, matcher)
    cached = stages.cacheable(result)
    assert "change_id" not in cached and "revision" not in cached
    later = CodeChange(repo="r", path="src/a.js", revision=9, content=first.content)
    hit = stages.result_from_cache(later, cached, lookup_ms=0.5)
    assert hit.cache_hit and hit.change_id == later.id and hit.revision == 9
    assert hit.fixed_content == result.fixed_content and hit.plan.source == "cache"


def test_cache_key_depends_on_content_rules_and_threshold():
    a = change("x")
    key = stages.result_cache_key(a, "javascript", 0.0)
    assert key == stages.result_cache_key(change("x"), "javascript", 0.0)
    assert key != stages.result_cache_key(change("y"), "javascript", 0.0)
    assert key != stages.result_cache_key(change("x", rules=["prefer-const"]), "javascript", 0.0)
    assert key != stages.result_cache_key(a, "typescript", 0.0)
    assert key != stages.result_cache_key(a, "javascript", 0.5)


def test_verdicts_move_reliability_along_the_beta_posterior():
    counts = stages.count_verdict(None, "reject")
    counts = stages.count_verdict(counts, "accept")
    assert counts == {"accepted": 1.0, "rejected": 1.0}
    priors = {"prefer-const": 0.9, "curly": 1.0}
    same = stages.reliabilities_from_verdicts(priors, {}, prior_strength=10)
    assert same == pytest.approx(priors)
    rejected = stages.reliabilities_from_verdicts(
        priors, {"prefer-const": {"accepted": 0, "rejected": 10}, "unknown-rule": {"accepted": 3}},
        prior_strength=10)
    assert rejected["prefer-const"] == pytest.approx(9 / 20)
    assert rejected["curly"] == pytest.approx(1.0) and "unknown-rule" not in rejected


def test_feedback_counts_once_per_fix_and_rule():
    """A repeated verdict counts for nothing; a changed one replaces the earlier."""
    verdicts: dict[str, dict[str, float]] = {}
    ledger = None
    sent = [("f1", "prefer-const", "accept"), ("f1", "prefer-const", "accept"),
            ("f1", "no-var", "accept"), ("f2", "prefer-const", "accept"),
            ("f2", "prefer-const", "reject"), ("f2", "prefer-const", "reject")]
    counted = 0
    for fix_id, rule, verdict in sent:
        ledger, previous = stages.remember_verdict(ledger, fix_id, rule, verdict)
        if previous == verdict:
            continue
        counted += 1
        verdicts[rule] = stages.count_verdict(verdicts.get(rule), verdict, replaces=previous)
    assert counted == 4
    assert verdicts == {"prefer-const": {"accepted": 1.0, "rejected": 1.0},
                        "no-var": {"accepted": 1.0, "rejected": 0.0}}


def test_the_verdict_ledger_is_bounded_oldest_first():
    ledger = None
    for i in range(5):
        ledger, _ = stages.remember_verdict(ledger, f"f{i}", "curly", "accept", limit=3)
    assert ledger is not None and list(ledger) == [f"f{i}\x00curly" for i in (2, 3, 4)]
    ledger, previous = stages.remember_verdict(ledger, "f3", "curly", "accept", limit=3)
    assert previous == "accept" and list(ledger)[-1] == "f3\x00curly", "refreshed"


def test_fixed_steps_wait_for_verdicts_then_record_the_realised_reward(matcher):
    from planning import FixPlanner, PendingSteps

    planner = FixPlanner(matcher.rule_names)
    pending = PendingSteps(planner.record)
    c = change("var a = 1;\nf(a);\nif (a = = 2) {}\n")
    encoded = stages.encode_change(c, matcher)
    planned = stages.plan_change(encoded, matcher, planner=planner)
    result = stages.fix_change(planned, matcher, planner=planner, pending=pending)
    fixed_rules = {a["rule"] for a in result.applied}
    assert {"no-var", "no-spaced-equals"} <= fixed_rules
    assert c.id in pending, "waiting under the change id (the fix id of its feedback)"
    recorded = len(planner.replay)  # the steps that fixed nothing: nothing to judge
    assert pending.judge(c.id, "no-spaced-equals", "reject") == 1
    assert len(planner.replay) == recorded + 1
    assert float(planner.replay.get_all().rewards[-1]) == -1.0, "one fix, rejected"
    assert pending.judge(c.id, "no-spaced-equals", "reject") == 0, "recorded once"
    for rule in fixed_rules - {"no-spaced-equals"}:
        assert pending.judge(c.id, rule, "accept") >= 1
    assert c.id not in pending
