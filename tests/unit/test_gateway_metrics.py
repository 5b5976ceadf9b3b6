import json
import re

import pytest

from streams.gateway.metrics import LATENCY_BUCKETS_S, GatewayMetrics


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fix(rules=("no-spaced-equals",), total=5.0, produced_at=None, cache_hit=False,
        source="greedy", edits=True) -> dict:
    return {"change_id": "x", "repo": "web", "path": "a.js",
            "applied": [{"rule": r, "start": 0, "end": 1} for r in rules],
            "edits": [{"range": {}, "newText": ""}] if edits else [],
            "cache_hit": cache_hit, "plan": {"source": source, "rules": list(rules)},
            "timings_ms": {"encode": 1.0, "total": total}, "produced_at": produced_at}


def test_counts_results_rules_cache_and_plan_sources():
    metrics = GatewayMetrics(Clock())
    metrics.observe_fix(fix(("no-spaced-equals", "prefer-const", "prefer-const")))
    metrics.observe_fix(fix(("prefer-const",), cache_hit=True, source="cache"))
    metrics.observe_fix(fix((), edits=False))
    snap = metrics.snapshot()
    assert snap["fixes"]["results"] == 3
    assert snap["fixes"]["changed"] == 2
    assert snap["fixes"]["applied"] == 4
    assert [(r["rule"], r["fixes"]) for r in snap["rules"]] == [
        ("prefer-const", 3), ("no-spaced-equals", 1)]
    assert snap["cache"] == {"hits": 1, "results": 3, "hit_rate": pytest.approx(1 / 3, abs=1e-4)}
    assert snap["plan_sources"] == {"cache": 1, "greedy": 2}
    json.dumps(snap)  # JSON-ready


def test_feedback_gives_acceptance_rates_and_ignores_bad_records():
    metrics = GatewayMetrics(Clock())
    metrics.observe_fix(fix(("prefer-const",)))
    for verdict in ("accept", "accept", "accept", "reject"):
        metrics.observe_feedback({"fix_id": "x", "rule": "prefer-const", "verdict": verdict})
    metrics.observe_feedback({"rule": "prefer-const", "verdict": "maybe"})
    metrics.observe_feedback({"verdict": "accept"})
    [row] = metrics.snapshot()["rules"]
    assert row == {"rule": "prefer-const", "fixes": 1, "accepted": 3, "rejected": 1,
                   "acceptance_rate": 0.75}
    assert metrics.snapshot()["feedback"] == {"accept": 3, "reject": 1, "total": 4}


def test_rule_labels_are_bounded():
    metrics = GatewayMetrics(Clock(), max_rules=3)
    for i in range(10):
        metrics.observe_feedback({"rule": f"r{i}", "verdict": "reject"})
    rules = {row["rule"]: row["rejected"] for row in metrics.snapshot()["rules"]}
    assert rules == {"r0": 1, "r1": 1, "r2": 1, "(other)": 7}


def test_malformed_results_are_counted_without_raising():
    metrics = GatewayMetrics(Clock())
    metrics.observe_fix({"applied": "nope", "timings_ms": [], "plan": 3,
                         "produced_at": "soon"})
    metrics.observe_fix({"applied": [None, {"rule": 5}], "timings_ms": {"total": True}})
    snap = metrics.snapshot()
    assert snap["fixes"]["results"] == 2 and snap["rules"] == []
    assert snap["latency_ms"]["processing"] is None


def test_rates_slide_over_1_10_and_60_seconds():
    clock = Clock(1_000.0)
    metrics = GatewayMetrics(clock)
    for second in range(60):  # 2 fixes a second for a minute
        clock.now = 1_000.0 + second + 0.5
        metrics.observe_fix(fix())
        metrics.observe_fix(fix())
    clock.now = 1_059.99
    rate = metrics.snapshot()["fixes"]["rate"]
    assert rate["1s"] == pytest.approx(2.0, abs=0.05)
    assert rate["10s"] == pytest.approx(2.0, abs=0.05)
    assert rate["60s"] == pytest.approx(2.0, abs=0.05)
    clock.now = 1_070.0  # ten quiet seconds later
    rate = metrics.snapshot()["fixes"]["rate"]
    assert rate["1s"] == 0 and rate["10s"] == 0
    assert rate["60s"] == pytest.approx(100 / 60, abs=0.05)


def test_series_has_one_point_per_second_for_five_minutes():
    clock = Clock(2_000.2)
    metrics = GatewayMetrics(clock)
    metrics.observe_fix(fix(total=4.0))
    clock.now = 2_002.5
    for total in (1.0, 2.0, 3.0, 100.0):
        metrics.observe_fix(fix(total=total))
    series = metrics.snapshot()["series"]
    assert len(series["fixes"]) == 300 and series["start"] == 2_002 - 299
    assert series["fixes"][-3:] == [1, 0, 4]
    assert series["processing"]["p50"][-3:] == [4.0, None, pytest.approx(2.0, rel=0.05)]
    assert series["processing"]["p99"][-1] == 100.0  # clamped to the exact maximum


def test_old_seconds_leave_the_ring():
    clock = Clock(5_000.0)
    metrics = GatewayMetrics(clock, history_s=100)
    metrics.observe_fix(fix())
    clock.now += 100
    snap = metrics.snapshot()
    assert sum(snap["series"]["fixes"]) == 0
    assert snap["fixes"]["results"] == 1  # counters are forever


def test_latency_percentiles_over_the_last_minute():
    clock = Clock(3_000.0)
    metrics = GatewayMetrics(clock)
    for ms in range(1, 101):
        clock.now = 3_000.0 + ms / 1000
        metrics.observe_fix(fix(total=float(ms), produced_at=clock.now - 0.020))
    latency = metrics.snapshot()["latency_ms"]
    assert latency["processing"]["p50"] == pytest.approx(50, rel=0.05)
    assert latency["processing"]["p90"] == pytest.approx(90, rel=0.05)
    assert latency["processing"]["p99"] == pytest.approx(99, rel=0.05)
    assert latency["delivery"]["p50"] == pytest.approx(20, rel=0.05)


def test_delivery_latency_is_never_negative():
    clock = Clock(100.0)
    metrics = GatewayMetrics(clock)
    metrics.observe_fix(fix(produced_at=105.0))  # the worker's clock runs ahead
    assert metrics.snapshot()["latency_ms"]["delivery"]["p50"] == 0.0


def test_consumer_lag_and_clients():
    metrics = GatewayMetrics(Clock())
    assert metrics.snapshot()["consumer_lag"]["total"] is None
    metrics.observe_lag({0: 3, 1: 0, 2: -1})
    metrics.observe_clients(4)
    snap = metrics.snapshot()
    assert snap["consumer_lag"]["partitions"] == {"0": 3, "1": 0, "2": 0}
    assert snap["consumer_lag"]["total"] == 3
    assert snap["clients"] == 4


def test_worker_health_from_lag_and_last_fix():
    clock = Clock(10_000.0)
    metrics = GatewayMetrics(clock, stall_s=10, idle_s=60, lag_threshold=100, lag_stale_s=30)
    assert metrics.health()[0] == "unknown"
    metrics.observe_fix(fix())
    assert metrics.health()[0] == "ok"  # fixes flow, lag not read yet
    metrics.observe_lag({0: 0})
    assert metrics.health()[0] == "ok"
    clock.now += 61
    metrics.observe_lag({0: 0})
    assert metrics.health()[0] == "idle"
    metrics.observe_lag({0: 2})  # input arrives ...
    assert metrics.health()[0] == "ok"  # ... and may wait a moment
    clock.now += 11
    metrics.observe_lag({0: 2})
    state, reason = metrics.health()
    assert state == "lagging" and "no fix" in reason
    metrics.observe_fix(fix())
    assert metrics.health()[0] == "ok"
    metrics.observe_lag({0: 60, 1: 40})
    assert metrics.health() == ("lagging", "100 changes waiting")
    clock.now += 120  # the lag reading goes stale and no fix came
    assert metrics.health()[0] == "unknown"
    assert metrics.snapshot()["worker"]["health"] == "unknown"


def _samples(text: str) -> dict[str, float]:
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    return samples


def test_prometheus_text_format():
    clock = Clock(500.0)
    metrics = GatewayMetrics(clock)
    metrics.observe_fix(fix(("prefer-const",), total=3.0, produced_at=499.992))
    metrics.observe_fix(fix(("prefer-const",), total=30_000.0, cache_hit=True,
                            source="cache"))
    metrics.observe_feedback({"rule": "prefer-const", "verdict": "accept"})
    metrics.observe_feedback({"rule": 'we"ird\\rule\n', "verdict": "reject"})
    metrics.observe_lag({1: 7, 0: 2})
    metrics.observe_clients(2)
    text = metrics.prometheus()
    assert text.endswith("\n")
    line = re.compile(r'^[a-z_]+(\{[a-z_]+="([^"\\\n]|\\.)*"(,[a-z_]+="([^"\\\n]|\\.)*")*\})? '
                      r"[-+0-9.eInfNa]+$")
    for row in text.splitlines():
        assert row.startswith(("# HELP ", "# TYPE ")) or line.match(row), row
    samples = _samples(text)
    assert samples['fixstream_fixes_total{rule="prefer-const"}'] == 2
    assert samples['fixstream_results_total{source="cache"}'] == 1
    assert samples['fixstream_feedback_total{rule="prefer-const",verdict="accept"}'] == 1
    assert samples['fixstream_feedback_total{rule="we\\"ird\\\\rule\\n",verdict="reject"}'] == 1
    assert samples["fixstream_cache_hits_total"] == 1
    assert samples['fixstream_consumer_lag{partition="0"}'] == 2
    assert samples['fixstream_consumer_lag{partition="1"}'] == 7
    assert samples["fixstream_gateway_clients"] == 2
    assert samples['fixstream_worker_health{state="ok"}'] == 1
    assert samples['fixstream_worker_health{state="idle"}'] == 0
    name = "fixstream_processing_latency_seconds"
    assert samples[f'{name}_bucket{{le="0.005"}}'] == 1
    assert samples[f'{name}_bucket{{le="{LATENCY_BUCKETS_S[-1]}"}}'] == 1
    assert samples[f'{name}_bucket{{le="+Inf"}}'] == 2
    assert samples[f"{name}_count"] == 2
    assert samples[f"{name}_sum"] == pytest.approx(30.003)
    assert samples['fixstream_delivery_latency_seconds_bucket{le="0.01"}'] == 1
    assert "# TYPE fixstream_processing_latency_seconds histogram" in text
    assert "# TYPE fixstream_fixes_total counter" in text
    assert "# TYPE fixstream_consumer_lag gauge" in text


def test_history_must_cover_the_longest_rate_window():
    with pytest.raises(ValueError):
        GatewayMetrics(history_s=30)
