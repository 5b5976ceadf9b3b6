"""no-extra-bind: ``.bind()`` on a function that does not use ``this``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/no-extra-bind): a
function expression or arrow function called through ``.bind(x)`` with
exactly one argument (not a spread) is reported when the binding changes
nothing: always for an arrow function, and for a function expression whose
body never uses its own ``this`` (nested arrow functions count, nested
functions do not). The property may be written ``.bind``, ``["bind"]`` or
```` [`bind`] ````, optionally chained.

The fix deletes the member access and the call's arguments, keeping any
parentheses around the function. ESLint does not fix when a comment sits in
the removed text, or when the argument might have side effects (anything but
an identifier, a literal, ``this`` or a function expression).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar, Final

from tree_sitter import Node

from .._bytes import contains_any
from .._node_index import sort_in_document_order
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._function_forms import has_comment_in, outer_parens, static_string, unparen, uses_this

__all__ = ["NoExtraBind"]

MESSAGE: Final = "The function binding is unnecessary."

_FUNCTIONS: Final = frozenset({"function_expression", "function", "generator_function"})
_BINDABLE: Final = frozenset({*_FUNCTIONS, "arrow_function"})
_MEMBER_ACCESSES: Final = frozenset({"member_expression", "subscript_expression"})
# ESTree Literal, Identifier, ThisExpression and FunctionExpression.
_SIDE_EFFECT_FREE: Final = frozenset(
    {
        "identifier",
        "undefined",
        "this",
        "string",
        "number",
        "regex",
        "true",
        "false",
        "null",
        *_FUNCTIONS,
    }
)


def _arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None or args.type != "arguments":
        return []
    return [c for c in args.named_children if c.type != "comment"]


# What may follow a function (and the parentheses around it) when it is the
# object of a member access: `.`, `?.` or `[`, or a comment (`/`, `<!--`,
# `-->`) or a non-ASCII space before them.
_AFTER_OBJECT: Final = re.compile(rb"[ \t\n\r\x0b\x0c)]*+(?:[.?\[/<\-]|[\x80-\xff])")


def _candidate_calls(data: bytes, functions: list[Node]) -> list[Node]:
    """The calls that may be ``function.bind(...)`` for one of ``functions``, in
    document order, in an error-free tree (see the calls it may skip below).

    Every call of the rule has a function as the object of its callee; only a
    function followed by a member access (past its parentheses, spaces and
    comments) can be one, and that test reads bytes only. The others (the
    first and only parent walks) are checked again by the rule.
    """
    match = _AFTER_OBJECT.match
    calls: list[Node] = []
    for function in functions:
        if match(data, function.end_byte) is None:
            continue
        outer = outer_parens(function)
        member = outer.parent
        if member is None or member.type not in _MEMBER_ACCESSES:
            continue
        callee = outer_parens(member)
        call = callee.parent
        if call is not None and call.type == "call_expression":
            calls.append(call)
    sort_in_document_order(calls)
    return calls


class NoExtraBind(Rule):
    """Reliability 0.95: a local, mechanical rewrite; the rule only fires where
    the bound ``this`` is provably unused, and the fix is withheld where the
    argument could have side effects or a comment would be lost."""

    name: ClassVar[str] = "no-extra-bind"
    description: ClassVar[str] = "Disallow unnecessary calls to `.bind()`"
    default_reliability: ClassVar[float] = 0.95
    fix_kind = "code"
    options_schema = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        # The property read is `bind` as a name or a static string, whose text
        # then holds the word or an escape.
        if not contains_any(source.data, (b"bind", b"\\")):
            return
        calls = (
            source.nodes_of("call_expression")
            if source.has_errors
            else _candidate_calls(source.data, source.nodes_of(*_BINDABLE))
        )
        for call in calls:
            callee_field = call.child_by_field_name("function")
            if callee_field is None:
                continue
            member = unparen(callee_field)
            if member.type not in _MEMBER_ACCESSES:
                continue
            # The object first: it is seldom a function, and cheaper to read.
            object_field = member.child_by_field_name("object")
            if object_field is None:
                continue
            function = unparen(object_field)
            if function.type not in _BINDABLE:
                continue
            property_node = self._bind_property(ctx, member)
            if property_node is None:
                continue
            if function.type == "arrow_function" or not uses_this(function):
                args = _arguments(call)
                if len(args) != 1 or args[0].type == "spread_element":
                    continue
                fix = self._fix(ctx, call, callee_field, member, object_field, args[0])
                yield ctx.problem(MESSAGE, property_node.start_byte, property_node.end_byte, fix)

    @staticmethod
    def _bind_property(ctx: RuleContext, member: Node) -> Node | None:
        """The node naming ``bind`` when ``member`` reads a static ``bind`` property."""
        if member.type == "member_expression":
            prop = member.child_by_field_name("property")
            if prop is not None and prop.type == "property_identifier":
                if ctx.source.node_text(prop) == "bind":
                    return prop
        elif member.type == "subscript_expression":
            index = member.child_by_field_name("index")
            if index is not None:
                index = unparen(index)
                if static_string(index, ctx.source.node_text(index)) == "bind":
                    return index
        return None

    @staticmethod
    def _fix(
        ctx: RuleContext,
        call: Node,
        callee_field: Node,
        member: Node,
        object_field: Node,
        argument: Node,
    ) -> TextEdit | None:
        if unparen(argument).type not in _SIDE_EFFECT_FREE:
            return None
        # The access starts at the first token after the (parenthesised) function.
        start = next(
            (
                c.start_byte
                for c in member.children
                if c.start_byte >= object_field.end_byte and c.type != "comment"
            ),
            None,
        )
        if start is None or has_comment_in(call, start, call.end_byte):
            return None
        # Keep what sits between the member access and the call: closing parentheses.
        kept = ctx.source.byte_text(member.end_byte, callee_field.end_byte)
        return ctx.edit(start, call.end_byte, kept)
