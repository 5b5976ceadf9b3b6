"""The public entry point: :class:`PatternMatcher`."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import Any, Final, TypeAlias

from ._gc import collector_paused
from .directives import unsuppressed
from .ecma import EcmaVersion, normalize_ecma_version
from .exceptions import ParseFailure
from .fixer import fix_source
from .parsing import ParsedSource, normalize_language, parse
from .registry import RULES, RULESET_VERSION, all_rule_names, get_rule
from .rule import Rule, RuleContext
from .scope import ScopeManager, SourceType
from .types import FixReport, Problem

__all__ = ["RULESET_VERSION", "PatternMatcher", "RuleSelection"]

log = logging.getLogger(__name__)

RuleSelection: TypeAlias = Iterable[str] | Mapping[str, Any] | None
"""Rule names, or a mapping of rule name to options, or None for all rules.

A mapping's values are ESLint-style: an options list (``[{"destructuring":
"all"}]``), a single options dict, None for the defaults, or an ESLint rule
config with a severity (``"error"``, ``["warn", {...}]``; ``"off"``/``0``
leaves the rule out).
"""

_SOURCE_TYPES: tuple[SourceType, ...] = ("module", "script", "commonjs")
_RANGE: Final = attrgetter("start", "end")


_SEVERITIES = {"off": False, "warn": True, "error": True, 0: False, 1: True, 2: True}


def _strip_severity(options: Any) -> tuple[bool, Any]:
    """Accept ESLint config values: ``"error"``, ``["warn", {...}]``, ``0``..."""
    if isinstance(options, (str, int)) and not isinstance(options, bool):
        if options in _SEVERITIES:
            return _SEVERITIES[options], None
    if isinstance(options, (list, tuple)) and options:
        head = options[0]
        if isinstance(head, (str, int)) and not isinstance(head, bool) and head in _SEVERITIES:
            return _SEVERITIES[head], list(options[1:])
    return True, options


def _resolve(selection: RuleSelection) -> list[tuple[Rule, tuple[Any, ...]]]:
    if selection is None:
        return [(RULES[name], RULES[name].resolve_options(None)) for name in all_rule_names()]
    if isinstance(selection, str):
        selection = [selection]
    resolved = []
    if isinstance(selection, Mapping):
        items: Iterable[tuple[str, Any]] = selection.items()
    else:
        items = ((name, None) for name in selection)
    seen = set()
    for name, value in items:
        rule = get_rule(name)
        enabled, options = _strip_severity(value)
        if name in seen or not enabled:
            continue
        seen.add(name)
        resolved.append((rule, rule.resolve_options(options)))
    return resolved


def _source_type(value: str | None) -> SourceType:
    if value is None:
        return "module"
    for known in _SOURCE_TYPES:
        if value == known:
            return known
    raise ValueError(f"source_type must be one of {', '.join(_SOURCE_TYPES)}, got {value!r}")


class PatternMatcher:
    """Finds problems and applies verified fixes with the registered rules.

    ``rules`` picks the rules (and their options) this matcher runs by default;
    ``reliabilities`` overrides rules' default reliabilities. Both raise
    :class:`~patterns.exceptions.UnknownRule` for a name not in the registry.
    ``parse_time_limit`` caps each tree-sitter parse in seconds (default: scaled
    to the source size); a source that cannot be parsed in time gets no
    problems and no fixes. A matcher holds no per-file state: one instance may
    serve many files.
    """

    def __init__(
        self,
        rules: RuleSelection = None,
        reliabilities: Mapping[str, float] | None = None,
        *,
        parse_time_limit: float | None = None,
    ) -> None:
        self._rules = _resolve(rules)
        self._parse_time_limit = parse_time_limit
        self._reliabilities = {name: rule.default_reliability for name, rule in RULES.items()}
        for name, value in (reliabilities or {}).items():
            self.set_reliability(name, value)

    @property
    def rule_names(self) -> tuple[str, ...]:
        """The rules this matcher runs by default."""
        return tuple(rule.name for rule, _ in self._rules)

    @property
    def reliabilities(self) -> dict[str, float]:
        """The current reliability of every registered rule (a copy)."""
        return dict(self._reliabilities)

    def set_reliability(self, rule: str, value: float) -> None:
        """Set a rule's reliability (in [0, 1]), e.g. from user feedback."""
        get_rule(rule)
        number = float(value)
        if math.isnan(number) or not 0.0 <= number <= 1.0:
            raise ValueError(f"reliability of {rule!r} must be within [0, 1], got {value!r}")
        self._reliabilities[rule] = number

    def analyze_code(
        self,
        code: str,
        language: str = "javascript",
        rules: RuleSelection = None,
        source_type: str | None = None,
        *,
        ecma_version: EcmaVersion = None,
    ) -> list[Problem]:
        """The problems of ``code``, sorted by position.

        ``language``: "javascript" (JSX included), "typescript" or "tsx", or an
        alias ("js", "ts", "jsx"). ``source_type``: "module" (the default, as in
        ESLint 9), "script" or "commonjs". ``ecma_version``: ESLint's
        ``ecmaVersion`` (3, 5, 6 to 17, 2015 to 2026, or "latest", the default);
        it decides the built-in globals rules know, e.g. ``globalThis`` from 2020.
        Raises ValueError for an unknown source type or ECMAScript version.
        """
        selected = self._rules if rules is None else _resolve(rules)
        kind = _source_type(source_type)
        version = normalize_ecma_version(ecma_version)
        lang = normalize_language(language)
        with collector_paused():
            try:
                source = parse(code, lang, time_limit=self._parse_time_limit)
            except ParseFailure as error:
                log.warning("no analysis: %s", error)
                return []
            return self._analyze(source, selected, kind, version)

    def analyze_parsed(
        self,
        parsed: ParsedSource,
        rules: RuleSelection = None,
        source_type: str | None = None,
        *,
        ecma_version: EcmaVersion = None,
    ) -> list[Problem]:
        """The problems of an already parsed source, sorted by position.

        For a fresh parse, the same result as :meth:`analyze_code` on
        ``parsed.text`` in ``parsed.language``, without parsing again; pair it
        with :class:`~patterns.incremental.IncrementalDocument`, whose edits
        re-parse only what changed. (tree-sitter's incremental parse can attach
        a comment that ends a statement without a semicolon to another node
        than a fresh parse does; rules then see that tree.) ``rules``,
        ``source_type`` and ``ecma_version`` as for :meth:`analyze_code`. Facts
        derived from the tree alone (its node index, its directive comments) are
        kept with ``parsed`` and reused by later calls on it.
        """
        selected = self._rules if rules is None else _resolve(rules)
        kind = _source_type(source_type)
        version = normalize_ecma_version(ecma_version)
        with collector_paused():
            return self._analyze(parsed, selected, kind, version)

    def apply_fixes(
        self,
        code: str,
        language: str = "javascript",
        rules: RuleSelection = None,
        passes: int = 10,
        min_reliability: float = 0.0,
        source_type: str | None = None,
        *,
        ecma_version: EcmaVersion = None,
    ) -> tuple[str, FixReport]:
        """Fix ``code`` in up to ``passes`` verified passes; see :mod:`patterns.fixer`.

        Returns the fixed text and a report of the applied and skipped fixes and
        the problems left. ``language``, ``source_type`` and ``ecma_version`` as
        for :meth:`analyze_code`; every pass uses them.
        """
        selected = self._rules if rules is None else _resolve(rules)
        kind = _source_type(source_type)
        version = normalize_ecma_version(ecma_version)
        try:
            with collector_paused():
                return fix_source(
                    code,
                    normalize_language(language),
                    lambda parsed: self._analyze(parsed, selected, kind, version),
                    passes=passes,
                    min_reliability=min_reliability,
                    parse_time_limit=self._parse_time_limit,
                )
        except ParseFailure as error:
            log.warning("no fixes: %s", error)
            return code, FixReport()

    def _analyze(
        self,
        source: ParsedSource,
        selected: list[tuple[Rule, tuple[Any, ...]]],
        source_type: SourceType,
        ecma_version: int,
    ) -> list[Problem]:
        shared: dict[str, object] = {}
        problems: list[Problem] = []
        # One context for the whole pass, re-pointed at each rule in turn: every
        # rule's problems are collected before the next rule runs.
        ctx = RuleContext(
            source,
            rule_name="",
            options=(),
            reliability=0.0,
            source_type=source_type,
            ecma_version=ecma_version,
            shared=shared,
        )
        reliabilities = self._reliabilities
        for rule, options in selected:
            ctx.rule_name = rule.name
            ctx.options = options
            ctx.reliability = reliabilities[rule.name]
            try:
                problems.extend(rule.check(ctx))
            except RecursionError:
                # A rule that recurses over the tree can exhaust the stack on absurdly
                # deep input; it then reports nothing for this source.
                log.warning("rule %s gave up on a too deeply nested source", rule.name)
        for fact in shared.values():
            if isinstance(fact, ScopeManager):
                fact.release()  # no rule holds it any more; frees it without the collector
        problems.sort(key=_RANGE)
        return unsuppressed(source, problems)
