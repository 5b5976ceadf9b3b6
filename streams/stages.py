"""The stream graph as plain functions: parse, drop stale revisions, encode, plan, fix.

Agents in :mod:`streams.app` only move bytes between topics and call these, so every
decision here is tested without Kafka.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import planning
from cache import content_hash, content_key
from models.reliability import ReliabilityBook
from patterns import RULESET_VERSION, PatternMatcher
from patterns.exceptions import UnknownRule, UnsupportedLanguage
from patterns.parsing import language_for_path
from patterns.textedits import to_lsp_edits
from planning import FixPlanner, PendingSteps

from .exceptions import InvalidEvent
from .records import CodeChange, EncodedChange, FixResult, Plan, PlannedChange

__all__ = [
    "PIPELINE_VERSION",
    "RevisionTracker",
    "StageCounters",
    "resolve_language",
    "count_verdict",
    "remember_verdict",
    "verdict_key",
    "reliabilities_from_verdicts",
    "encode_change",
    "greedy_plan",
    "plan_change",
    "fix_change",
    "result_cache_key",
    "result_from_cache",
    "cacheable",
]


#: Bump when the stages' behaviour changes (planning, result shape): it is part of every
#: cache key, so results of an older pipeline are never served.
PIPELINE_VERSION = "2"  # 2: plans say what they had of the embedding


@dataclass
class StageCounters:
    """What a worker has done, for logs and the dashboard."""

    received: int = 0
    fixed: int = 0
    cache_hits: int = 0
    stale_dropped: int = 0
    dead_letters: int = 0
    duplicate_feedback: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    def dead_letter(self, reason: str) -> None:
        self.dead_letters += 1
        kind = reason.split(":", 1)[0][:60]
        self.by_reason[kind] = self.by_reason.get(kind, 0) + 1


class RevisionTracker:
    """Remembers the newest revision seen per file and rejects older ones.

    ``store`` is any mutable mapping from ``repo:path`` to revision: a plain dict in
    tests, a Faust table (backed by a changelog topic) in the worker.
    """

    def __init__(self, store: MutableMapping[str, int] | None = None) -> None:
        self.store: MutableMapping[str, int] = {} if store is None else store
        self.dropped = 0

    def observe(self, key: str, revision: int) -> bool:
        """True when ``revision`` is not older than the newest seen; records it if newer."""
        newest = self.store.get(key)
        if newest is not None and revision < newest:
            self.dropped += 1
            return False
        if newest is None or revision > newest:
            self.store[key] = revision
        return True


def count_verdict(counts: Mapping[str, float] | None, verdict: str,
                  replaces: str | None = None) -> dict[str, float]:
    """One rule's verdict counts after one more ``accept`` or ``reject``; with
    ``replaces``, a user's earlier verdict on the same fix is taken back first."""
    updated = {"accepted": 0.0, "rejected": 0.0, **(counts or {})}
    if replaces is not None:
        earlier = "accepted" if replaces == "accept" else "rejected"
        updated[earlier] = max(0.0, updated[earlier] - 1.0)
    updated["accepted" if verdict == "accept" else "rejected"] += 1.0
    return updated


#: Verdicts remembered per feedback key (a file): enough for every fix of it a user
#: still looks at; older ones are forgotten first.
FEEDBACK_MEMORY = 256


def remember_verdict(ledger: Mapping[str, str] | None, fix_id: str, rule: str,
                     verdict: str, limit: int = FEEDBACK_MEMORY
                     ) -> tuple[dict[str, str], str | None]:
    """The ledger of verdicts given on one file's fixes, after this one, and the verdict
    given earlier on the same fix id and rule (None for the first).

    Feedback is counted once per fix id and rule: when the earlier verdict equals this
    one, the feedback is a repeat (a retried send, a second click) and counts for
    nothing; a different one replaces it (see :func:`count_verdict`). ``ledger`` maps
    ``fix_id + NUL + rule`` to a verdict, oldest first, at most ``limit`` entries.
    """
    entry = f"{fix_id}\x00{rule}"
    updated = dict(ledger or {})
    previous = updated.pop(entry, None)
    updated[entry] = verdict
    while len(updated) > limit:
        del updated[next(iter(updated))]
    return updated, previous


def verdict_key(rule: str, partition: int | None) -> str:
    """Where one feedback partition's verdict counts on ``rule`` are kept.

    The counts live in a table every worker reads and writes: each worker writes only
    the keys of the feedback partitions it owns, so two read-modify-writes of one rule
    on two workers never overwrite each other.
    """
    return rule if partition is None else f"{rule}\x00{partition}"


def reliabilities_from_verdicts(priors: Mapping[str, float],
                                verdicts: Mapping[str, Mapping[str, float]],
                                prior_strength: float) -> dict[str, float]:
    """Each rule's reliability: the mean of its Beta posterior (prior + verdicts).
    ``verdicts`` maps :func:`verdict_key` (or a rule alone) to counts; a rule's counts
    are added up over its keys."""
    book = ReliabilityBook(priors, prior_strength=prior_strength)
    for key, counts in verdicts.items():
        rule = key.split("\x00", 1)[0]
        if rule not in priors:
            continue  # feedback naming a rule this worker does not run
        book.update(rule, True, float(counts.get("accepted", 0.0)))
        book.update(rule, False, float(counts.get("rejected", 0.0)))
    return {rule: book.mean(rule) for rule in priors}


def resolve_language(change: CodeChange) -> str:
    """The change's language, from the event or else from the file extension."""
    if change.language:
        language = change.language.lower()
        if language in {"javascript", "typescript", "tsx", "jsx", "js", "ts"}:
            return {"js": "javascript", "jsx": "javascript", "ts": "typescript"}.get(
                language, language
            )
        raise InvalidEvent(
            f"unsupported language {change.language!r}: use javascript, typescript or tsx"
        )
    try:
        return language_for_path(change.path)
    except UnsupportedLanguage:
        raise InvalidEvent(
            f"cannot tell the language of {change.path!r} from its extension: "
            "set `language` (javascript, typescript or tsx)"
        ) from None


def encode_change(change: CodeChange, matcher: PatternMatcher) -> EncodedChange:
    """The change with its structural features: problems per rule, size, syntax statistics."""
    started = time.perf_counter()
    language = resolve_language(change)
    try:
        problems = matcher.analyze_code(change.content, language=language,
                                        rules=change.rules)
    except UnknownRule as exc:
        raise InvalidEvent(f"unknown rule in `rules`: {exc}") from None
    counts: dict[str, int] = {}
    fixable: dict[str, int] = {}
    for problem in problems:
        counts[problem.rule] = counts.get(problem.rule, 0) + 1
        if problem.fix is not None:
            fixable[problem.rule] = fixable.get(problem.rule, 0) + 1
    features: dict[str, float] = {
        "size_chars": float(len(change.content)),
        "lines": float(change.content.count("\n") + 1),
        "problems": float(len(problems)),
        "fixable": float(sum(fixable.values())),
    }
    features.update(planning.syntax_statistics(change.content, language))
    features.update({f"fixable:{rule}": float(n) for rule, n in fixable.items()})
    elapsed = (time.perf_counter() - started) * 1000
    return EncodedChange(
        change=change.model_copy(update={"language": language}),
        features=features,
        problems=counts,
        timings_ms={"encode": round(elapsed, 3)},
    )


def greedy_plan(problems: Mapping[str, int], features: Mapping[str, float],
                reliabilities: Mapping[str, float], selected: Iterable[str],
                min_reliability: float = 0.0, reason: str = "no model") -> Plan:
    """The safe plan (see :func:`planning.greedy_plan`) as a record."""
    rules = planning.greedy_plan(problems, features, reliabilities, selected=list(selected),
                                 min_reliability=min_reliability)
    return Plan(source="greedy", rules=rules, uncertainty=None, reason=reason)


def plan_change(encoded: EncodedChange, matcher: PatternMatcher,
                min_reliability: float = 0.0, planner: FixPlanner | None = None) -> PlannedChange:
    """Decide which rules' fixes to apply: the planner's model plan when it is sure and in
    time, else (and without a planner) the greedy plan, with the reason. The change's
    embedding joins the planner's state when the encoder had it ready."""
    started = time.perf_counter()
    selection = encoded.change.rules
    selected = list(selection) if selection else list(matcher.rule_names)
    embedding = encoded.embedding
    status = encoded.embedding_status or ("used" if embedding is not None else "off")
    if planner is None:
        plan = greedy_plan(encoded.problems, encoded.features, matcher.reliabilities,
                           selected, min_reliability)
    else:
        decision = planner.plan(encoded.problems, encoded.features, matcher.reliabilities,
                                embedding=embedding, selected=selected,
                                min_reliability=min_reliability)
        uncertainty = decision.uncertainty
        plan = Plan(source=decision.source, rules=list(decision.rules),
                    uncertainty=None if uncertainty is None or not math.isfinite(uncertainty)
                    else float(uncertainty),
                    reason=decision.reason)
    if status == "used" and (planner is None or not planner.layout.embedding_dims):
        status = "ignored"  # ready, but this planner's state has no slot for it
    plan = plan.model_copy(update={"embedding": status})
    elapsed = (time.perf_counter() - started) * 1000
    return PlannedChange(
        change=encoded.change,
        features=encoded.features,
        problems=encoded.problems,
        plan=plan,
        embedding=embedding,
        timings_ms={**encoded.timings_ms, "plan": round(elapsed, 3)},
    )


def _rules_for_plan(change: CodeChange, plan: Plan) -> dict[str, Any]:
    options: Mapping[str, Any] = change.rules if isinstance(change.rules, dict) else {}
    return {rule: options.get(rule) for rule in plan.rules}


def fix_change(planned: PlannedChange, matcher: PatternMatcher,
               min_reliability: float = 0.0, planner: FixPlanner | None = None,
               pending: PendingSteps | None = None) -> FixResult:
    """Apply the plan with the pattern engine and describe the outcome.

    With a planner the plan runs rule by rule, each step verified and recorded as a
    transition for training: with ``pending``, steps that applied fixes wait there for
    the users' verdicts (under the change's id, the fix id of its feedback), the others
    are recorded at once; without, every step is recorded with its expected reward.
    Without a planner the plan runs in one multipass run of the fixer.
    """
    started = time.perf_counter()
    change = planned.change
    language = change.language or resolve_language(change)
    applied_fixes: list[Any] = []
    remaining_problems: list[Any] | None = None
    if not planned.plan.rules:
        fixed = change.content
    elif planner is not None:
        execution = planner.execute(matcher, change.content, language, planned.plan.rules,
                                    rules=change.rules, min_reliability=min_reliability,
                                    embedding=planned.embedding, record=pending is None)
        if pending is not None:
            pending.hold(change.id, execution.steps)
        fixed, applied_fixes = execution.code, list(execution.applied)
        remaining_problems = execution.remaining  # already analysed under change.rules
    else:
        fixed, report = matcher.apply_fixes(
            change.content, language=language, rules=_rules_for_plan(change, planned.plan),
            min_reliability=min_reliability,
        )
        applied_fixes = list(report.applied)
    applied = [
        {"rule": a.rule, "start": a.start, "end": a.end, "reliability": a.reliability,
         "pass": a.pass_index}
        for a in applied_fixes
    ]
    # Remaining problems are those of the full selection, after the fixes.
    if remaining_problems is None:
        remaining_problems = matcher.analyze_code(fixed, language=language,
                                                  rules=change.rules)
    remaining = [
        {"rule": p.rule, "message": p.message, "line": p.line, "column": p.column,
         "end_line": p.end_line, "end_column": p.end_column, "fixable": p.fix is not None}
        for p in remaining_problems
    ]
    elapsed = (time.perf_counter() - started) * 1000
    timings = {**planned.timings_ms, "fix": round(elapsed, 3)}
    timings["total"] = round(sum(timings.values()), 3)
    return FixResult(
        change_id=change.id,
        repo=change.repo,
        path=change.path,
        revision=change.revision,
        language=language,
        content_hash=content_hash(change.content),
        ruleset_version=RULESET_VERSION,
        edits=to_lsp_edits(change.content, fixed),
        fixed_content=fixed,
        applied=applied,
        remaining=remaining,
        plan=planned.plan,
        timings_ms=timings,
        cache_hit=False,
        client=change.client,
    )


def result_cache_key(change: CodeChange, language: str, min_reliability: float,
                     model: str | None = None) -> str:
    """Content-addressed key: content, language, rule-set version, every option, and the
    planner checkpoint in use (a new model may plan differently)."""
    return content_key(
        change.content,
        language=language,
        ruleset_version=RULESET_VERSION,
        options={"rules": change.rules, "min_reliability": min_reliability,
                 "pipeline": PIPELINE_VERSION, "model": model},
    )


_PER_CHANGE_FIELDS = ("change_id", "repo", "path", "revision", "client", "produced_at",
                      "timings_ms", "cache_hit")


def cacheable(result: FixResult) -> dict[str, Any]:
    """The part of a result that depends on the content alone, for the cache."""
    return result.model_dump(mode="json", exclude=set(_PER_CHANGE_FIELDS))


def result_from_cache(change: CodeChange, cached: Mapping[str, Any],
                      lookup_ms: float) -> FixResult:
    """A result for ``change`` rebuilt from a cached one, marked as a cache hit."""
    plan = dict(cached["plan"])
    plan.update(source="cache", reason=f"cached result of a {plan.get('source')} plan")
    return FixResult.model_validate({
        **cached,
        "plan": plan,
        "change_id": change.id,
        "repo": change.repo,
        "path": change.path,
        "revision": change.revision,
        "client": change.client,
        "timings_ms": {"cache": round(lookup_ms, 3), "total": round(lookup_ms, 3)},
        "cache_hit": True,
    })
