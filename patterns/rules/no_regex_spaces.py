"""no-regex-spaces: several spaces in a row in a regular expression are hard to
count; ``/a   b/`` reads better as ``/a {3}b/``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/no-regex-spaces):
regex literals and ``RegExp(...)`` / ``new RegExp(...)`` calls with a string
pattern (unless ``RegExp`` is shadowed in scope or the flags are not a
string literal) are checked. Spaces inside character classes do not count,
a run before a quantifier leaves its last space to the quantifier, invalid
patterns are ignored, and only the first run of each pattern is reported.
The fix writes `` {n}``; it is withheld for a string pattern whose source
spelling differs from its value (escapes would shift the offsets).

Reliability 1.0: `` {n}`` matches exactly what ``n`` spaces matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from ..rule import Rule, RuleContext
from ..types import Problem
from ._js_values import static_string_value
from ._regex_syntax import RegexSyntaxError, character_classes
from ._token_nav import COMMENTS, may_declare, occurrences, outer_parens, unparenthesised

__all__ = ["NoRegexSpaces"]

_SPACES: Final = re.compile(r"( {2,})(?: [+*{?]|[^+*{?]|\Z)")


def _string_value(node: Node | None, data: bytes) -> str | None:
    if node is None:
        return None
    node = unparenthesised(node)
    return static_string_value(node, data) if node.type == "string" else None


class NoRegexSpaces(Rule):
    name: ClassVar[str] = "no-regex-spaces"
    description: ClassVar[str] = "Disallow multiple spaces in regular expressions"
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        data = source.data
        candidates = source.nodes_of("regex")
        for callee in occurrences(source, "RegExp"):
            call = outer_parens(callee).parent
            if call is not None and call.type in ("call_expression", "new_expression"):
                candidates.append(call)
        for node in candidates:
            if b"  " not in data[node.start_byte : node.end_byte]:
                continue
            if node.type == "regex":
                raw = source.node_text(node)
                pattern = raw[1 : raw.rindex("/")]
                flags_node = node.child_by_field_name("flags")
                flags = source.node_text(flags_node) if flags_node is not None else ""
                problem = self._check_pattern(ctx, node, pattern, pattern, node, flags)
            else:
                problem = self._check_call(ctx, node)
            if problem is not None:
                yield problem

    def _check_call(self, ctx: RuleContext, node: Node) -> Problem | None:
        data = ctx.source.data
        field = "function" if node.type == "call_expression" else "constructor"
        callee = node.child_by_field_name(field)
        arguments = node.child_by_field_name("arguments")
        if callee is None or arguments is None or arguments.type != "arguments":
            return None
        callee = unparenthesised(callee)
        if callee.type != "identifier" or ctx.source.node_text(callee) != "RegExp":
            return None
        args = [c for c in arguments.named_children if c.type not in COMMENTS]
        pattern = _string_value(args[0] if args else None, data)
        if pattern is None:
            return None
        flags = ""
        if len(args) >= 2:
            given = _string_value(args[1], data)
            if given is None:
                return None  # the flags are not known
            flags = given
        if ctx.shared("may-declare:RegExp", lambda: may_declare(ctx.source, "RegExp")):
            variable = ctx.scopes().enclosing_scope(node).lookup("RegExp")
            if variable is not None and variable.definitions:
                return None
        literal = unparenthesised(args[0])
        raw = ctx.source.byte_text(literal.start_byte + 1, literal.end_byte - 1)
        return self._check_pattern(ctx, node, pattern, raw, literal, flags)

    @staticmethod
    def _check_pattern(
        ctx: RuleContext, report: Node, pattern: str, raw: str, literal: Node, flags: str
    ) -> Problem | None:
        if "  " not in raw:
            return None  # e.g. RegExp(' \\ '): the value has two spaces, the source not
        try:
            classes = character_classes(pattern, flags)
        except RegexSyntaxError:
            return None
        for match in _SPACES.finditer(pattern):
            index = match.start(1)
            if any(start <= index < end for start, end in classes):
                continue
            length = len(match.group(1))
            fix = None
            if pattern == raw and not ctx.source.has_errors:
                # The pattern starts one character after the literal's opening quote or slash.
                start = ctx.source.char_offset(literal.start_byte) + 1 + index
                fix = ctx.edit(
                    ctx.source.byte_offset(start),
                    ctx.source.byte_offset(start + length),
                    f" {{{length}}}",
                )
            message = f"Spaces are hard to count. Use {{{length}}}."
            return ctx.problem(message, report.start_byte, report.end_byte, fix)
        return None
