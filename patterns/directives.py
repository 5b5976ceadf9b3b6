"""ESLint directive comments: ``/* eslint ... */``, ``/* exported ... */``,
``// eslint-disable-next-line ...`` and friends, and the filtering of problems
that disable comments turn off.

The parsing follows ESLint's: the comment body is trimmed, a ``-- reason``
suffix is dropped, and the first word names the directive. ``eslint``,
``exported`` and ``global(s)`` only count in block comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ._bytes import contains_any
from .parsing import ParsedSource
from .types import Problem

__all__ = [
    "Directive",
    "comments",
    "directives",
    "exported_names",
    "parse_rule_list",
    "unsuppressed",
]

_LABEL: Final = re.compile(
    r"^(eslint(?:-env|-enable|-disable(?:(?:-next)?-line)?)?|exported|globals?)(?:\s|$)"
)
_REASON: Final = re.compile(r"\s-{2,}\s")
_BLOCK_ONLY: Final = frozenset({"eslint", "eslint-env", "exported", "global", "globals"})


@dataclass(frozen=True, slots=True)
class Directive:
    label: str  # "eslint-disable-next-line", "exported", ...
    value: str  # the text after the label, without any "-- reason"
    start_byte: int  # the comment's range
    end_byte: int
    block: bool  # a /* */ comment (else a // comment)


def comments(source: ParsedSource) -> list[tuple[int, int, str]]:
    """Every comment as ``(start_byte, end_byte, text)``, in document order."""
    return [
        (node.start_byte, node.end_byte, source.node_text(node))
        for node in source.nodes_of("comment")
    ]


# Every directive's first word holds one of these.
_DIRECTIVE_WORDS: Final = (b"eslint", b"exported", b"global")


def _directives(source: ParsedSource) -> list[Directive]:
    data = source.data
    if not contains_any(data, _DIRECTIVE_WORDS):
        return []
    found = []
    for start, end, text in comments(source):
        block = text.startswith("/*")
        body = text[2:-2] if block and text.endswith("*/") else text[2:]
        body = _REASON.split(body, maxsplit=1)[0].strip()
        match = _LABEL.match(body)
        if match is None:
            continue
        label = match.group(1)
        if label in _BLOCK_ONLY and not block:
            continue
        found.append(Directive(label, body[match.end() :].strip(), start, end, block))
    return found


def directives(source: ParsedSource) -> list[Directive]:
    """The directive comments of a source, in document order."""
    return list(source.fact("patterns.directives:directives", _directives))


def parse_rule_list(value: str) -> list[str]:
    """Names in a directive value such as ``a, b`` or ``a:true b``."""
    names = []
    for item in re.split(r"[\s,]+", value):
        name = item.split(":", 1)[0].strip()
        if name:
            names.append(name)
    return names


def exported_names(source: ParsedSource) -> set[str]:
    """Names listed in ``/* exported ... */`` comments (ESLint marks them used)."""
    names: set[str] = set()
    for directive in directives(source):
        if directive.label == "exported":
            names.update(parse_rule_list(directive.value))
    return names


_DISABLE_LABELS: Final = frozenset(
    {"eslint-disable", "eslint-enable", "eslint-disable-line", "eslint-disable-next-line"}
)


def _rule_names(value: str) -> frozenset[str] | None:
    """The rules a disable/enable directive names; None means every rule."""
    names = frozenset(n.strip() for n in value.split(",") if n.strip())
    return names or None


def unsuppressed(source: ParsedSource, problems: list[Problem]) -> list[Problem]:
    """Drop the problems that ``eslint-disable`` comments turn off, as ESLint does.

    ``/* eslint-disable [rules] */`` and ``/* eslint-enable [rules] */`` act from
    their position on (the last one that names a problem's rule, or names no
    rule, decides); ``eslint-disable-line`` acts on its own line and
    ``eslint-disable-next-line`` on the line after the comment.
    """
    if not problems or not contains_any(source.data, (b"eslint-",)):
        return problems
    ranges: list[tuple[tuple[int, int], bool, frozenset[str] | None]] = []
    lines: dict[int, list[frozenset[str] | None]] = {}
    for directive in directives(source):
        if directive.label not in _DISABLE_LABELS:
            continue
        rules = _rule_names(directive.value)
        start = source.position(source.char_offset(directive.start_byte))
        if directive.label == "eslint-disable-line":
            end = source.position(source.char_offset(directive.end_byte))
            if end[0] == start[0]:
                lines.setdefault(start[0], []).append(rules)
        elif directive.label == "eslint-disable-next-line":
            end = source.position(source.char_offset(directive.end_byte))
            lines.setdefault(end[0] + 1, []).append(rules)
        else:
            ranges.append((start, directive.label == "eslint-disable", rules))
    if not ranges and not lines:
        return problems
    kept = []
    for problem in problems:
        if any(r is None or problem.rule in r for r in lines.get(problem.line, ())):
            continue
        disabled = False
        location = (problem.line, problem.column)
        for position, disable, rules in ranges:
            if position > location:
                break
            if rules is None or problem.rule in rules:
                disabled = disable
        if not disabled:
            kept.append(problem)
    return kept
