"""no-useless-computed-key: ``{ ['a']: 1 }`` is ``{ 'a': 1 }``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/no-useless-computed-key):
a computed key that is a string or number literal is reported on object
properties, destructuring properties, methods and class fields (class members
only with ``enforceForClassMembers``, the default). Keys whose computed form
means something else are kept: ``['__proto__']`` in an object literal (a plain
``__proto__:`` sets the prototype), ``['constructor']`` on a non-static class
member and ``['prototype']`` on a static one (and both on static fields).

The fix drops the brackets (and parentheses) around the literal's raw text; it
is skipped when a comment sits inside the brackets, and a space is inserted
where the key would otherwise run into the token before the bracket
(``get[2]`` becomes ``get 2``).

Reliability 1.0: the rewrite is purely syntactic and keeps the key's value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..types import Problem
from ._object_syntax import (
    can_tokens_be_adjacent,
    has_comment_between,
    string_value,
    unparen,
)

__all__ = ["NoUselessComputedKey"]

_CLASS_MEMBERS: Final = frozenset(
    {"method_definition", "field_definition", "public_field_definition"}
)
_OBJECT_MEMBERS: Final = frozenset({"pair", "pair_pattern", "method_definition"})


def _key_value(node: Node, ctx: RuleContext) -> str | float | None:
    """The value of a literal key: a str, a number (float), or None for anything else."""
    if node.type == "string":
        return string_value(ctx.source.node_text(node))
    if node.type == "number":
        text = ctx.source.node_text(node)
        return None if text.endswith("n") else 0.0  # any number: not one of the special names
    return None


def _is_static(member: Node) -> bool:
    return any(child.type == "static" for child in member.children)


class NoUselessComputedKey(Rule):
    name: ClassVar[str] = "no-useless-computed-key"
    description: ClassVar[str] = (
        "Disallow unnecessary computed property keys in objects and classes"
    )
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ({"enforceForClassMembers": True},)
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        if not isinstance(options[0]["enforceForClassMembers"], bool):
            raise InvalidRuleOptions(self.name, "enforceForClassMembers must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        enforce_classes = bool(ctx.options[0]["enforceForClassMembers"])
        for node in ctx.source.nodes_of("computed_property_name"):
            member = node.parent
            if member is None:
                continue
            problem = self._check_key(ctx, node, member, enforce_classes)
            if problem is not None:
                yield problem

    def _check_key(
        self, ctx: RuleContext, bracket: Node, member: Node, enforce_classes: bool
    ) -> Problem | None:
        in_class = member.parent is not None and member.parent.type == "class_body"
        if in_class:
            if not enforce_classes or member.type not in _CLASS_MEMBERS:
                return None
        elif member.type not in _OBJECT_MEMBERS:
            return None
        inner = [c for c in bracket.named_children if c.type != "comment"]
        if len(inner) != 1:
            return None
        key = unparen(inner[0])
        value = _key_value(key, ctx)
        if value is None:
            return None
        if in_class:
            if member.type == "method_definition":
                forbidden = "prototype" if _is_static(member) else "constructor"
                if value == forbidden:
                    return None
            elif value == "constructor" or (_is_static(member) and value == "prototype"):
                return None
        elif member.type == "pair" and value == "__proto__":
            return None
        raw = ctx.source.node_text(key)
        message = f"Unnecessarily computed property {raw} found."
        fix = None
        if not has_comment_between(bracket, bracket.start_byte, bracket.end_byte):
            before = bracket.prev_sibling
            while before is not None and before.type == "comment":
                before = before.prev_sibling
            text = raw
            if (
                before is not None
                and before.end_byte == bracket.start_byte
                and not can_tokens_be_adjacent(ctx.source.node_text(before), raw)
            ):
                text = " " + raw
            fix = ctx.edit(bracket.start_byte, bracket.end_byte, text)
        return ctx.problem(message, member.start_byte, member.end_byte, fix)
