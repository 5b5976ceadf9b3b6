"""The gateway's metrics without I/O: fed with plain values, asked for a snapshot.

The server hands it every fix it routes (the FixResult as a dict), every feedback record
it reads and, every few seconds, the worker group's consumer lag; the dashboard reads
:meth:`GatewayMetrics.snapshot` as JSON and Prometheus reads :meth:`GatewayMetrics.prometheus`.
Memory is bounded whatever the traffic: per-second slots in a ring of ``history_s``
seconds, log-scale latency histograms, and at most ``max_rules`` distinct rule labels.

Two latencies are kept: *processing* (``timings_ms.total``, the worker's own time for a
change) and *delivery* (observation time minus ``produced_at``: Kafka plus the gateway).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HEALTH_STATES", "LATENCY_BUCKETS_S", "GatewayMetrics"]

#: What :meth:`GatewayMetrics.health` can answer.
HEALTH_STATES = ("ok", "lagging", "idle", "unknown")

#: Upper bounds (seconds) of the Prometheus latency histograms' buckets.
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                     10.0)

#: Rate windows of the snapshot, in seconds.
RATE_WINDOWS = (1, 10, 60)

#: Label a rule gets once ``max_rules`` distinct rules have been seen (client input is open).
OTHER_RULE = "(other)"

# Log-scale histogram for percentiles: bucket i holds values in [_FLOOR·r^i, _FLOOR·r^(i+1))
# with r = 2^(1/8), so an estimate is within 4.5 % of a true value; 240 buckets reach 2.8 h.
_FLOOR_MS = 0.01
_STEPS_PER_DOUBLING = 8
_MAX_BUCKET = 240
_QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))


def _bucket(ms: float) -> int:
    if ms <= _FLOOR_MS:
        return 0
    index = int(math.log2(ms / _FLOOR_MS) * _STEPS_PER_DOUBLING)
    return min(index, _MAX_BUCKET)


def _bucket_middle(index: int) -> float:
    return _FLOOR_MS * 2 ** ((index + 0.5) / _STEPS_PER_DOUBLING)


@dataclass(slots=True)
class _Latencies:
    """A sparse log-scale histogram with the exact extremes."""

    counts: dict[int, int] = field(default_factory=dict)
    low: float = math.inf
    high: float = -math.inf

    def add(self, ms: float) -> None:
        index = _bucket(ms)
        self.counts[index] = self.counts.get(index, 0) + 1
        self.low = min(self.low, ms)
        self.high = max(self.high, ms)

    def merge(self, other: _Latencies) -> None:
        for index, count in other.counts.items():
            self.counts[index] = self.counts.get(index, 0) + count
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)

    def quantiles(self) -> dict[str, float] | None:
        """p50, p90 and p99 in milliseconds (nearest rank), or None without samples."""
        total = sum(self.counts.values())
        if not total:
            return None
        ordered = sorted(self.counts.items())
        answer: dict[str, float] = {}
        for name, q in _QUANTILES:
            rank = max(1, math.ceil(q * total))
            seen = 0
            for index, count in ordered:
                seen += count
                if seen >= rank:
                    value = min(max(_bucket_middle(index), self.low), self.high)
                    answer[name] = round(value, 3)
                    break
        return answer


@dataclass(slots=True)
class _Second:
    """Everything observed during one wall-clock second."""

    second: int = -1
    fixes: int = 0
    cache_hits: int = 0
    processing: _Latencies = field(default_factory=_Latencies)
    delivery: _Latencies = field(default_factory=_Latencies)


@dataclass(slots=True)
class _Histogram:
    """Cumulative Prometheus histogram over :data:`LATENCY_BUCKETS_S`."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_S) + 1))
    total: float = 0.0
    count: int = 0

    def add(self, seconds: float) -> None:
        for i, bound in enumerate(LATENCY_BUCKETS_S):
            if seconds <= bound:
                self.counts[i] += 1
                break
        else:
            self.counts[-1] += 1
        self.total += seconds
        self.count += 1


@dataclass(slots=True)
class _RuleStats:
    fixes: int = 0
    accepted: int = 0
    rejected: int = 0


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class GatewayMetrics:
    """Counters, rates, latency percentiles, consumer lag and worker health.

    ``clock`` returns wall-clock seconds (the default :func:`time.time`, because delivery
    latency compares it with the worker's ``produced_at``). Health: ``lagging`` when the
    lag reaches ``lag_threshold``, or input has waited more than ``stall_s`` with no fix;
    ``idle`` when nothing waits and no fix came for ``idle_s``; ``ok`` otherwise;
    ``unknown`` when no lag reading is younger than ``lag_stale_s`` and no fix is recent.
    """

    def __init__(self, clock: Callable[[], float] = time.time, *, history_s: int = 300,
                 max_rules: int = 200, lag_threshold: int = 1000, stall_s: float = 10.0,
                 idle_s: float = 60.0, lag_stale_s: float = 30.0) -> None:
        if history_s < max(RATE_WINDOWS) + 1:
            raise ValueError(f"history_s must be at least {max(RATE_WINDOWS) + 1}")
        self._clock = clock
        self.history_s = history_s
        self.max_rules = max_rules
        self.lag_threshold = lag_threshold
        self.stall_s = stall_s
        self.idle_s = idle_s
        self.lag_stale_s = lag_stale_s
        self.started_at = clock()
        self._ring = [_Second() for _ in range(history_s)]
        self.results = 0
        self.changed = 0
        self.cache_hits = 0
        self.plan_sources: dict[str, int] = {}
        self._rules: dict[str, _RuleStats] = {}
        self.feedback = {"accept": 0, "reject": 0}
        self._processing = _Histogram()
        self._delivery = _Histogram()
        self.last_fix_at: float | None = None
        self.clients = 0
        self._lags: dict[int, int] = {}
        self._lag_at: float | None = None
        self._waiting_since: float | None = None

    # -- feeding ---------------------------------------------------------------------------
    def observe_fix(self, result: Mapping[str, Any]) -> None:
        """Count one routed FixResult (a decoded JSON object); odd fields are ignored."""
        now = self._clock()
        slot = self._slot(now)
        self.results += 1
        slot.fixes += 1
        self.last_fix_at = now
        if result.get("cache_hit") is True:
            self.cache_hits += 1
            slot.cache_hits += 1
        if result.get("edits"):
            self.changed += 1
        plan = result.get("plan")
        source = plan.get("source") if isinstance(plan, Mapping) else None
        if isinstance(source, str) and source in ("model", "greedy", "cache"):
            self.plan_sources[source] = self.plan_sources.get(source, 0) + 1
        applied = result.get("applied")
        for fix in applied if isinstance(applied, list) else ():
            rule = fix.get("rule") if isinstance(fix, Mapping) else None
            if isinstance(rule, str) and rule:
                self._rule(rule).fixes += 1
        timings = result.get("timings_ms")
        total = _number(timings.get("total")) if isinstance(timings, Mapping) else None
        if total is not None and total >= 0:
            slot.processing.add(total)
            self._processing.add(total / 1000)
        produced = _number(result.get("produced_at"))
        if produced is not None:
            delivery_ms = max(0.0, (now - produced) * 1000)
            slot.delivery.add(delivery_ms)
            self._delivery.add(delivery_ms / 1000)

    def observe_feedback(self, feedback: Mapping[str, Any]) -> None:
        """Count one Feedback record (rule and verdict accept/reject); others are ignored."""
        rule, verdict = feedback.get("rule"), feedback.get("verdict")
        if not isinstance(rule, str) or not rule or verdict not in ("accept", "reject"):
            return
        stats = self._rule(rule)
        if verdict == "accept":
            stats.accepted += 1
        else:
            stats.rejected += 1
        self.feedback[verdict] += 1

    def observe_lag(self, partition_lags: Mapping[int, int]) -> None:
        """The worker group's lag per partition of the changes topic, just measured."""
        now = self._clock()
        self._lags = {int(p): max(0, int(lag)) for p, lag in partition_lags.items()}
        self._lag_at = now
        if sum(self._lags.values()) > 0:
            if self._waiting_since is None:
                self._waiting_since = now
        else:
            self._waiting_since = None

    def observe_clients(self, count: int) -> None:
        """How many WebSocket clients are connected now."""
        self.clients = max(0, int(count))

    # -- reading ---------------------------------------------------------------------------
    @property
    def total_lag(self) -> int | None:
        return sum(self._lags.values()) if self._lag_at is not None else None

    def health(self) -> tuple[str, str]:
        """The worker's state (one of :data:`HEALTH_STATES`) and why, in words."""
        now = self._clock()
        since_fix = None if self.last_fix_at is None else now - self.last_fix_at
        recent = since_fix is not None and since_fix <= self.idle_s
        fresh = self._lag_at is not None and now - self._lag_at <= self.lag_stale_s
        if not fresh:
            if recent:
                return "ok", "fixes are flowing; consumer lag unknown"
            return "unknown", "no consumer lag reading and no recent fix"
        lag = sum(self._lags.values())
        if lag >= self.lag_threshold:
            return "lagging", f"{lag} changes waiting"
        if lag > 0 and self._waiting_since is not None \
                and now - self._waiting_since > self.stall_s \
                and (since_fix is None or since_fix > self.stall_s):
            return "lagging", f"{lag} changes waiting and no fix for {self.stall_s:g} s"
        if lag == 0 and not recent:
            return "idle", "nothing waiting, no recent fix"
        return "ok", f"{lag} changes waiting" if lag else "keeping up"

    def rate(self, window_s: int) -> float:
        """Fixes per second over the last ``window_s`` seconds (a sliding window)."""
        now = self._clock()
        current = math.floor(now)
        fraction = now - current
        whole = sum(self._count(s) for s in range(current - window_s + 1, current + 1))
        return (whole + self._count(current - window_s) * (1 - fraction)) / window_s

    def snapshot(self) -> dict[str, Any]:
        """Everything the dashboard draws, as JSON-ready values (latencies in ms)."""
        now = self._clock()
        current = math.floor(now)
        seconds = range(current - self.history_s + 1, current + 1)
        slots = [self._slot_at(s) for s in seconds]
        window = [slot for slot in slots[-60:] if slot is not None]
        state, reason = self.health()
        return {
            "now": now,
            "uptime_s": round(now - self.started_at, 3),
            "fixes": {
                "results": self.results,
                "changed": self.changed,
                "applied": sum(r.fixes for r in self._rules.values()),
                "rate": {f"{w}s": round(self.rate(w), 3) for w in RATE_WINDOWS},
            },
            "latency_ms": {
                "window_s": 60,
                "processing": self._merged(s.processing for s in window).quantiles(),
                "delivery": self._merged(s.delivery for s in window).quantiles(),
            },
            "series": self._series(seconds.start, slots),
            "rules": self._rule_rows(),
            "feedback": {**self.feedback, "total": sum(self.feedback.values())},
            "cache": {
                "hits": self.cache_hits,
                "results": self.results,
                "hit_rate": round(self.cache_hits / self.results, 4) if self.results else None,
            },
            "plan_sources": dict(sorted(self.plan_sources.items())),
            "clients": self.clients,
            "consumer_lag": {
                "partitions": {str(p): lag for p, lag in sorted(self._lags.items())},
                "total": self.total_lag,
                "observed_at": self._lag_at,
            },
            "worker": {"health": state, "reason": reason, "last_fix_at": self.last_fix_at},
        }

    def prometheus(self) -> str:
        """The metrics in Prometheus text exposition format 0.0.4."""
        out: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            out.append(f"# HELP {name} {help_text}")
            out.append(f"# TYPE {name} {kind}")

        def sample(name: str, value: float, **labels: str) -> None:
            out.append(f"{name}{_labels(labels)} {_format(value)}")

        family("fixstream_results_total", "counter",
               "Fix results the gateway routed, by plan source.")
        for source, count in sorted(self.plan_sources.items()):
            sample("fixstream_results_total", count, source=source)
        family("fixstream_fixes_total", "counter", "Fixes applied, by rule.")
        for rule, stats in sorted(self._rules.items()):
            sample("fixstream_fixes_total", stats.fixes, rule=rule)
        family("fixstream_feedback_total", "counter", "Feedback verdicts, by rule.")
        for rule, stats in sorted(self._rules.items()):
            if stats.accepted:
                sample("fixstream_feedback_total", stats.accepted, rule=rule, verdict="accept")
            if stats.rejected:
                sample("fixstream_feedback_total", stats.rejected, rule=rule, verdict="reject")
        family("fixstream_cache_hits_total", "counter", "Fix results served from the cache.")
        sample("fixstream_cache_hits_total", self.cache_hits)
        for name, histogram, what in (
                ("fixstream_processing_latency_seconds", self._processing,
                 "Worker time per change (timings_ms.total)."),
                ("fixstream_delivery_latency_seconds", self._delivery,
                 "From a result's produced_at to the gateway routing it.")):
            family(name, "histogram", what)
            cumulative = 0
            for bound, count in zip((*LATENCY_BUCKETS_S, math.inf), histogram.counts,
                                    strict=True):
                cumulative += count
                sample(f"{name}_bucket", cumulative, le=_format(bound))
            sample(f"{name}_sum", histogram.total)
            sample(f"{name}_count", histogram.count)
        family("fixstream_consumer_lag", "gauge",
               "Changes the worker group has not committed yet, by partition.")
        for partition, lag in sorted(self._lags.items()):
            sample("fixstream_consumer_lag", lag, partition=str(partition))
        family("fixstream_gateway_clients", "gauge", "Connected WebSocket clients.")
        sample("fixstream_gateway_clients", self.clients)
        state, _ = self.health()
        family("fixstream_worker_health", "gauge", "1 for the worker's current state.")
        for name in HEALTH_STATES:
            sample("fixstream_worker_health", 1 if name == state else 0, state=name)
        if self.last_fix_at is not None:
            family("fixstream_last_fix_timestamp_seconds", "gauge",
                   "When the gateway last routed a fix (Unix time).")
            sample("fixstream_last_fix_timestamp_seconds", self.last_fix_at)
        return "\n".join(out) + "\n"

    # -- internals -------------------------------------------------------------------------
    def _rule(self, rule: str) -> _RuleStats:
        stats = self._rules.get(rule)
        if stats is None:
            if len(self._rules) >= self.max_rules:
                rule = OTHER_RULE
            stats = self._rules.setdefault(rule, _RuleStats())
        return stats

    def _slot(self, now: float) -> _Second:
        second = math.floor(now)
        slot = self._ring[second % self.history_s]
        if slot.second != second:
            slot = self._ring[second % self.history_s] = _Second(second)
        return slot

    def _slot_at(self, second: int) -> _Second | None:
        slot = self._ring[second % self.history_s]
        return slot if slot.second == second else None

    def _count(self, second: int) -> int:
        slot = self._slot_at(second)
        return slot.fixes if slot is not None else 0

    @staticmethod
    def _merged(parts: Iterable[_Latencies]) -> _Latencies:
        merged = _Latencies()
        for part in parts:
            merged.merge(part)
        return merged

    def _series(self, start: int, slots: list[_Second | None]) -> dict[str, Any]:
        """One point per second, oldest first; percentiles are null for empty seconds."""
        series: dict[str, Any] = {"start": start, "step_s": 1,
                                  "fixes": [s.fixes if s else 0 for s in slots],
                                  "cache_hits": [s.cache_hits if s else 0 for s in slots]}
        for kind in ("processing", "delivery"):
            columns: dict[str, list[float | None]] = {name: [] for name, _ in _QUANTILES}
            for slot in slots:
                found = getattr(slot, kind).quantiles() if slot is not None else None
                for name, _ in _QUANTILES:
                    columns[name].append(found[name] if found else None)
            series[kind] = columns
        return series

    def _rule_rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for rule, stats in self._rules.items():
            judged = stats.accepted + stats.rejected
            rows.append({"rule": rule, "fixes": stats.fixes, "accepted": stats.accepted,
                         "rejected": stats.rejected,
                         "acceptance_rate": round(stats.accepted / judged, 4) if judged
                         else None})
        rows.sort(key=lambda row: (-row["fixes"], row["rule"]))
        return rows


def _format(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value))


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    escaped = (f'{key}="{_escape(value)}"' for key, value in labels.items())
    return "{" + ",".join(escaped) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
