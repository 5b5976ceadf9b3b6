"""The multipass fixer: text in, fixed text and a report out.

One pass works exactly like ESLint's ``SourceCodeFixer.applyFixes``: the
problems' fixes are sorted by range (start, then end) and applied left to
right; a fix whose start is at or before the end of the last applied fix
(overlapping *or touching* it) is left for a later pass. Then the text is
re-parsed and analysed again, up to ``passes`` times.

On top of ESLint, the fixer verifies every pass: a pass may not add syntax
errors (ERROR/MISSING nodes) to the tree it started from. When it would, its
fixes are retried in smaller groups, left to right, and those that still break
the parse are dropped (reported as skipped, "would break the parse"). It stops
when a pass changes nothing, when the text comes back to what it was two
passes earlier (fixes undoing each other), or after ``passes`` passes.

For a run that ends before the pass limit, ``fix(fix(x)) == fix(x)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ._native_core import native_maker
from .exceptions import ParseFailure
from .parsing import ParsedSource, error_count, parse
from .types import AppliedFix, FixReport, Problem, SkippedFix, TextEdit

__all__ = [
    "Analyze",
    "PassResult",
    "apply_edits",
    "apply_pass",
    "fix_source",
]

Analyze = Callable[[ParsedSource], list[Problem]]
"""Gives the problems (with their fixes) of a parsed source."""

BREAKS_PARSE = "would break the parse"

# One per applied fix: made natively where the native core is built (see patterns.rule).
_APPLIED: Callable[..., AppliedFix] = native_maker(AppliedFix) or AppliedFix


@dataclass(frozen=True, slots=True)
class PassResult:
    """The outcome of one ESLint-style pass."""

    text: str
    applied: list[Problem] = field(default_factory=list)  # in the order applied
    overlapping: list[Problem] = field(default_factory=list)  # left for a later pass


def _fix_of(problem: Problem) -> TextEdit:
    assert problem.fix is not None
    return problem.fix


def apply_pass(text: str, problems: Iterable[Problem]) -> PassResult:
    """Apply one pass of fixes with ESLint's semantics.

    Problems without a fix are ignored. A fix identical to the one applied just
    before it (several problems of one rule often share a fix) is applied once.
    """
    fixable = sorted(
        (p for p in problems if p.fix is not None),
        key=lambda p: (_fix_of(p).start, _fix_of(p).end),
    )
    pieces: list[str] = []
    applied: list[Problem] = []
    overlapping: list[Problem] = []
    last_end: int | None = None
    last_fix: TextEdit | None = None
    for problem in fixable:
        fix = _fix_of(problem)
        if fix.start > fix.end or fix.start < 0 or fix.end > len(text):
            overlapping.append(problem)
            continue
        if last_end is not None and fix.start <= last_end:
            if fix != last_fix:
                overlapping.append(problem)
            continue
        pieces.append(text[last_end or 0 : fix.start])
        pieces.append(fix.text)
        last_end = fix.end
        last_fix = fix
        applied.append(problem)
    pieces.append(text[last_end or 0 :])
    return PassResult("".join(pieces), applied, overlapping)


def apply_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """Apply sorted, non-overlapping edits (all relative to ``text``)."""
    pieces: list[str] = []
    position = 0
    for edit in edits:
        pieces.append(text[position : edit.start])
        pieces.append(edit.text)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def _parse_within(text: str, language: str, time_limit: float | None) -> ParsedSource | None:
    """The parse of ``text``, or None when tree-sitter gives up on it."""
    try:
        return parse(text, language, time_limit=time_limit)
    except ParseFailure:
        return None


def _no_worse(parsed: ParsedSource | None, allowed_errors: int) -> bool:
    return parsed is not None and error_count(parsed) <= allowed_errors


def _keep_parseable(
    text: str,
    language: str,
    fixes: list[Problem],
    allowed_errors: int,
    time_limit: float | None,
) -> tuple[list[Problem], list[Problem]]:
    """Split fixes into those that keep the parse no worse and those that break it.

    Groups are tried left to right, halving a group that fails, so one bad fix
    among n costs about log2(n) parses.
    """
    kept: list[Problem] = []
    dropped: list[Problem] = []

    def attempt(group: list[Problem], known_bad: bool) -> None:
        if not known_bad:
            candidate = apply_edits(text, [_fix_of(p) for p in kept + group])
            if _no_worse(_parse_within(candidate, language, time_limit), allowed_errors):
                kept.extend(group)
                return
        if len(group) == 1:
            dropped.extend(group)
            return
        middle = len(group) // 2
        attempt(group[:middle], False)
        attempt(group[middle:], False)

    attempt(fixes, True)
    return kept, dropped


@dataclass(slots=True)
class _Step:
    parsed: ParsedSource | None  # the new text, None when the pass changed nothing
    applied: list[Problem]
    breaking: list[Problem]


def _verified_pass(
    text: str, parsed: ParsedSource, candidates: list[Problem], time_limit: float | None
) -> _Step:
    """One pass that adds no syntax error; fixes that would are set aside."""
    language = parsed.language
    allowed = error_count(parsed)
    breaking: list[Problem] = []
    while True:
        excluded = {id(p) for p in breaking}
        result = apply_pass(text, [p for p in candidates if id(p) not in excluded])
        if not result.applied:
            return _Step(None, [], breaking)
        new_parsed = _parse_within(result.text, language, time_limit)
        if new_parsed is not None and _no_worse(new_parsed, allowed):
            return _Step(new_parsed, result.applied, breaking)
        kept, dropped = _keep_parseable(text, language, result.applied, allowed, time_limit)
        breaking.extend(dropped)
        if kept:
            new_parsed = _parse_within(
                apply_edits(text, [_fix_of(p) for p in kept]), language, time_limit
            )
            if new_parsed is not None:
                return _Step(new_parsed, kept, breaking)
            breaking.extend(kept)  # only when tree-sitter's time runs out on a retry
        # Everything applied broke the parse: fixes it blocked may still be fine.


def fix_source(
    code: str,
    language: str,
    analyze: Analyze,
    *,
    passes: int = 10,
    min_reliability: float = 0.0,
    parse_time_limit: float | None = None,
) -> tuple[str, FixReport]:
    """Fix ``code`` in up to ``passes`` verified passes.

    Fixes with a reliability below ``min_reliability`` are never applied. The
    report's ``skipped`` lists the fixes still proposed for the final text and
    why each was not applied. ``parse_time_limit`` caps each parse (seconds;
    default: :func:`patterns.parsing.parse_time_limit`); raises
    :class:`~patterns.exceptions.ParseTimeout` only when ``code`` itself cannot
    be parsed in time; a fixed text that cannot is treated as broken.
    """
    parsed = parse(code, language, time_limit=parse_time_limit)
    text = code
    problems = analyze(parsed)
    history = [text]
    applied: list[AppliedFix] = []
    breaking: list[Problem] = []
    passes_done = 0
    stopped_early = False  # ended by the pass limit or a cycle, with fixes left
    stop_reason = ""
    for pass_index in range(max(passes, 0)):
        candidates = [
            p
            for p in problems
            if p.fix is not None
            and p.reliability >= min_reliability
            and text[p.fix.start : p.fix.end] != p.fix.text
        ]
        step = _verified_pass(text, parsed, candidates, parse_time_limit)
        breaking = step.breaking
        if step.parsed is None:
            break
        applied.extend(
            _APPLIED(p.rule, _fix_of(p).start, _fix_of(p).end, p.reliability, pass_index)
            for p in step.applied
        )
        passes_done += 1
        parsed = step.parsed
        text = parsed.text
        problems = analyze(parsed)
        breaking = []
        history.append(text)
        if len(history) >= 3 and history[-1] == history[-3]:
            stopped_early, stop_reason = True, "stopped: the fixes undo each other"
            break
    else:
        stopped_early = True
        stop_reason = f"not applied within the pass limit ({max(passes, 0)})"
    report = FixReport(
        applied=applied,
        skipped=_skipped(text, problems, breaking, min_reliability, stopped_early, stop_reason),
        passes=passes_done,
        remaining=problems,
    )
    return text, report


def _skipped(
    text: str,
    problems: list[Problem],
    breaking: list[Problem],
    min_reliability: float,
    stopped_early: bool,
    stop_reason: str,
) -> list[SkippedFix]:
    broken = {id(p) for p in breaking}
    skipped = []
    for p in problems:
        fix = p.fix
        if fix is None or text[fix.start : fix.end] == fix.text:
            continue
        if p.reliability < min_reliability:
            reason = f"reliability {p.reliability:.2f} is below the threshold {min_reliability:.2f}"
        elif id(p) in broken:
            reason = BREAKS_PARSE
        elif stopped_early:
            reason = stop_reason
        else:
            continue  # shares its range with a fix that was applied in the same pass
        skipped.append(SkippedFix(p.rule, fix.start, fix.end, reason))
    return skipped
