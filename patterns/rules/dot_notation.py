"""dot-notation: ``a["b"]`` should be ``a.b`` where ``b`` is a valid identifier.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/dot-notation) with its
options ``allowKeywords`` (default true; when false, ``a.while`` is reported
and bracketed instead, as ES3 required) and ``allowPattern`` (a regular
expression of property names that may stay in brackets).

Fixes are withheld, as in ESLint, when a comment sits inside the brackets (or
between the dot and the name), and for ``let.if`` (``let[`` would start a
declaration). A decimal integer object gets a space before the dot
(``5 .prop``), and a property glued to the next word gets a space after it.

Reliability 1.0: ``a["b"]`` and ``a.b`` are the same property access.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import STATIC_INDEX
from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._js_values import static_string_value
from ._token_nav import has_comment_between, next_token, unparenthesised

__all__ = ["DotNotation"]

_VALID_IDENTIFIER: Final = re.compile(r"[a-zA-Z_$][\w$]*", re.ASCII)
# ESLint's list of ES3 reserved words (utils/keywords.js).
KEYWORDS: Final = frozenset(
    "abstract boolean break byte case catch char class const continue debugger default delete "
    "do double else enum export extends false final finally float for function goto if "
    "implements import in instanceof int interface long native new null package private "
    "protected public return short static super switch synchronized this throw throws "
    "transient true try typeof var void volatile while with".split()
)
_DECIMAL_INTEGER: Final = re.compile(r"0|0[0-7]*[89]\d*|[1-9](?:_?\d)*")
_WORD_START: Final = re.compile(r"[\w$\\]|[^\x00-\x7f]")


def _key_of(index: Node, data: bytes) -> tuple[str, str] | None:
    """The property name a computed key stands for, and how ESLint quotes it."""
    node = unparenthesised(index)
    kind = node.type
    if kind in ("null", "true", "false"):
        return kind, kind
    if kind == "string":
        value = static_string_value(node, data)
        return (value, f'"{value}"') if value is not None else None
    if kind == "template_string":
        value = static_string_value(node, data)
        return (value, f"`{value}`") if value is not None else None
    return None


_ACCESSES: Final = ("subscript_expression", "member_expression")


def _child(node: Node, kind: str) -> Node | None:
    return next((c for c in node.children if c.type == kind), None)


class DotNotation(Rule):
    name: ClassVar[str] = "dot-notation"
    description: ClassVar[str] = "Enforce dot notation whenever possible"
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ({"allowKeywords": True, "allowPattern": ""},)
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        opts = options[0]
        if not isinstance(opts["allowKeywords"], bool):
            raise InvalidRuleOptions(self.name, "allowKeywords must be a boolean")
        if not isinstance(opts["allowPattern"], str):
            raise InvalidRuleOptions(self.name, "allowPattern must be a string")
        try:
            re.compile(opts["allowPattern"])
        except re.error as error:
            raise InvalidRuleOptions(self.name, f"allowPattern is not a regex: {error}") from None

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        opts = ctx.options[0]
        allow_keywords: bool = opts["allowKeywords"]
        pattern = re.compile(opts["allowPattern"]) if opts["allowPattern"] else None
        fixable = not ctx.source.has_errors
        # `a.b` is only ever reported with allowKeywords off: leave those out otherwise.
        # A subscript is only reported with a static key (see _key_of).
        nodes = (
            ctx.source.nodes_shaped(STATIC_INDEX)
            if allow_keywords
            else ctx.source.nodes_of(*_ACCESSES)
        )
        for node in nodes:
            # With allowKeywords every node is a subscript: no need to ask.
            if allow_keywords or node.type == "subscript_expression":
                problem = self._computed(ctx, node, allow_keywords, pattern, fixable)
            elif not allow_keywords:
                problem = self._keyword(ctx, node, fixable)
            else:
                continue
            if problem is not None:
                yield problem

    def _computed(
        self,
        ctx: RuleContext,
        node: Node,
        allow_keywords: bool,
        pattern: re.Pattern[str] | None,
        fixable: bool,
    ) -> Problem | None:
        index = node.child_by_field_name("index")
        if index is None:
            return None
        key = _key_of(index, ctx.source.data)
        if key is None:
            return None
        value, quoted = key
        if not _VALID_IDENTIFIER.fullmatch(value):
            return None
        if not allow_keywords and value in KEYWORDS:
            return None
        if pattern is not None and pattern.search(value):
            return None
        property_node = unparenthesised(index)
        message = f"[{quoted}] is better written in dot notation."
        fix = self._dot_fix(ctx, node, value) if fixable else None
        return ctx.problem(message, property_node.start_byte, property_node.end_byte, fix)

    @staticmethod
    def _dot_fix(ctx: RuleContext, node: Node, value: str) -> TextEdit | None:
        source = ctx.source
        left = _child(node, "[")
        right = node.children[-1]
        obj = node.child_by_field_name("object")
        if left is None or right.type != "]" or obj is None:
            return None
        if has_comment_between(node, left.end_byte, right.start_byte):
            return None
        text = value
        if _child(node, "optional_chain") is None:
            inner = unparenthesised(obj)
            decimal = inner.type == "number" and _DECIMAL_INTEGER.fullmatch(source.node_text(inner))
            text = (" ." if decimal else ".") + text
        after = next_token(node)
        if (
            after is not None
            and after.start_byte == right.end_byte
            and _WORD_START.match(source.node_text(after)[:1])
        ):
            text += " "
        return ctx.edit(left.start_byte, right.end_byte, text)

    @staticmethod
    def _keyword(ctx: RuleContext, node: Node, fixable: bool) -> Problem | None:
        prop = node.child_by_field_name("property")
        if prop is None or prop.type != "property_identifier":
            return None
        source = ctx.source
        name = source.node_text(prop)
        if name not in KEYWORDS:
            return None
        message = f".{name} is a syntax error."
        fix = None
        optional = _child(node, "optional_chain")
        dot = _child(node, ".")
        obj = node.child_by_field_name("object")
        punctuator = optional if optional is not None else dot
        if (
            fixable
            and obj is not None
            and punctuator is not None
            and not has_comment_between(node, punctuator.end_byte, prop.start_byte)
        ):
            is_let = obj.type == "identifier" and source.node_text(obj) == "let"
            if optional is not None:
                fix = ctx.edit(prop.start_byte, prop.end_byte, f'["{name}"]')
            elif not is_let:
                between = source.byte_text(punctuator.end_byte, prop.start_byte)
                fix = ctx.edit(punctuator.start_byte, prop.end_byte, f'{between}["{name}"]')
        return ctx.problem(message, prop.start_byte, prop.end_byte, fix)
