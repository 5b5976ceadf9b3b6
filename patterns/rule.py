"""The rule API: one :class:`Rule` subclass per module under ``patterns/rules``.

A rule is stateless. The engine gives it a :class:`RuleContext` (the parsed
source, the rule's resolved options, its reliability, lazily built shared facts
such as the scope analysis) and the rule yields :class:`~patterns.types.Problem`
values, each with an optional fix. Rules work on tree-sitter byte offsets; the
context's helpers turn them into the character offsets of the public API.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar

from ._native_core import native_maker
from .ecma import EcmaVersion, builtin_globals, normalize_ecma_version
from .exceptions import InvalidRuleOptions
from .parsing import ParsedSource
from .scope import ScopeManager, SourceType, analyze_scopes
from .types import Problem, TextEdit

__all__ = ["FixKind", "Rule", "RuleContext", "SourceType"]

FixKind = Literal["code", "whitespace", "layout", "none"]

_T = TypeVar("_T")

# A rule may report thousands of problems per pass: made natively where the
# native core is built (the dataclasses' generated __init__ costs ten times more).
_PROBLEM: Callable[..., Problem] = native_maker(Problem) or Problem
_EDIT: Callable[..., TextEdit] = native_maker(TextEdit) or TextEdit


class RuleContext:
    """What a rule sees while it checks one source text.

    ``ecma_version`` is ESLint's ``ecmaVersion``, normalised (a year from 2015
    on, or 3 or 5; see :func:`patterns.ecma.normalize_ecma_version`); None
    stands for "latest".
    """

    __slots__ = (
        "_shared",
        "ecma_version",
        "options",
        "reliability",
        "rule_name",
        "source",
        "source_type",
    )

    def __init__(
        self,
        source: ParsedSource,
        *,
        rule_name: str,
        options: tuple[Any, ...],
        reliability: float,
        source_type: SourceType = "module",
        ecma_version: EcmaVersion = None,
        shared: dict[str, object] | None = None,
    ) -> None:
        self.source = source
        self.rule_name = rule_name
        self.options = options
        self.reliability = reliability
        self.source_type: SourceType = source_type
        self.ecma_version: int = normalize_ecma_version(ecma_version)
        # Facts computed once per source text and shared by every rule of a pass.
        self._shared: dict[str, object] = {} if shared is None else shared

    def shared(self, key: str, compute: Callable[[], _T]) -> _T:
        """A fact about this source computed once and shared by all rules of the pass."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[return-value]

    def is_builtin_global(self, name: str) -> bool:
        """Whether ESLint declares ``name`` as a built-in global at ``ecma_version``
        (``globalThis`` only from 2020). Comments and shadowing are the rule's
        business."""
        return name in builtin_globals(self.ecma_version)

    def scopes(self) -> ScopeManager:
        """The scope analysis of the source (built on first use, then shared)."""
        return self.shared(
            f"scopes:{self.source_type}",
            lambda: analyze_scopes(self.source, self.source_type),
        )

    def edit(self, start_byte: int, end_byte: int, text: str) -> TextEdit:
        """A fix replacing the bytes ``[start_byte, end_byte)`` by ``text``."""
        start, end = self.source.char_span(start_byte, end_byte)
        return _EDIT(start, end, text)

    def problem(
        self,
        message: str,
        start_byte: int,
        end_byte: int,
        fix: TextEdit | None = None,
    ) -> Problem:
        """A problem located at the bytes ``[start_byte, end_byte)``."""
        src = self.source
        start, end = src.char_span(start_byte, end_byte)
        line, column = src.position(start)
        end_line, end_column = src.position(end)
        return _PROBLEM(
            self.rule_name,
            message,
            start,
            end,
            line,
            column,
            end_line,
            end_column,
            self.reliability,
            fix,
        )


class Rule:
    """Base class of every rule.

    Class attributes a rule sets:

    - ``name``: the ESLint rule name (or our own, for rules ESLint lacks).
    - ``description``: one line, for listings.
    - ``default_reliability``: the prior probability in [0, 1] that a fix of this
      rule is accepted, from the rule's nature (a pure typo fix: 1.0; a fix that
      depends on whole-file analysis: lower). Feedback updates it at run time.
    - ``fix_kind``: what the fixes touch (``"code"``, ``"whitespace"``, ...).
    - ``options_schema``: the default options list, ESLint style (an object
      option is a dict of defaults; user options are merged key by key).
    - ``version``: bump it whenever the rule's findings or fixes change; it feeds
      :data:`patterns.matcher.RULESET_VERSION` and so the result cache keys.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    default_reliability: ClassVar[float]
    fix_kind: ClassVar[FixKind] = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterable[Problem]:
        """Yield the problems of ``ctx.source``."""
        raise NotImplementedError

    def resolve_options(self, options: Sequence[Any] | Mapping[str, Any] | None) -> tuple[Any, ...]:
        """Merge user options over ``options_schema`` and validate them.

        ``None`` gives the defaults; a single dict stands for ``[dict]``.
        Raises :class:`~patterns.exceptions.InvalidRuleOptions`.
        """
        defaults = self.options_schema
        if options is None:
            given: Sequence[Any] = ()
        elif isinstance(options, Mapping):
            given = [options]
        elif isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
            raise InvalidRuleOptions(self.name, f"expected a list of options, got {options!r}")
        else:
            given = options
        if len(given) > len(defaults):
            raise InvalidRuleOptions(
                self.name, f"takes at most {len(defaults)} option(s), got {len(given)}"
            )
        resolved: list[Any] = []
        for index, default in enumerate(defaults):
            if index >= len(given) or given[index] is None:
                resolved.append(copy.deepcopy(default))
                continue
            value = given[index]
            if isinstance(default, dict):
                if not isinstance(value, Mapping):
                    raise InvalidRuleOptions(self.name, f"option {index} must be an object")
                unknown = sorted(set(value) - set(default))
                if unknown:
                    raise InvalidRuleOptions(self.name, f"unknown option(s): {', '.join(unknown)}")
                merged = copy.deepcopy(default)
                merged.update(value)
                resolved.append(merged)
            else:
                resolved.append(value)
        result = tuple(resolved)
        self.validate_options(result)
        return result

    def validate_options(self, options: tuple[Any, ...]) -> None:
        """Check resolved option values; raise InvalidRuleOptions when one is wrong."""

    def __repr__(self) -> str:
        return f"<Rule {self.name}>"
