"""eqeqeq: require ``===`` and ``!==`` instead of ``==`` and ``!=``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/eqeqeq) with its
options: ``"always"`` (the default; a second option ``{"null": "always" |
"never" | "ignore"}`` decides comparisons with ``null``), ``"smart"`` (allows
``typeof`` comparisons, comparisons of two literals of one type, and ``null``
checks) and the deprecated ``"allow-null"``.

The problem sits on the operator. As in ESLint, the operator is only rewritten
where that cannot change the result: one side is a ``typeof`` expression, or
both sides are literals of one type. Elsewhere ``==`` coerces its operands and
the problem comes without a fix (ESLint offers a suggestion there).

Reliability 1.0: the fixes it makes are exactly those that keep semantics.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._bytes import contains_any
from .._node_index import EQUALITY, LOOSE_EQUALITY
from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..types import Problem
from ._token_nav import unparenthesised

__all__ = ["Eqeqeq"]

# tree-sitter literal node -> JavaScript's typeof of its value (regex: "object").
_LITERAL_TYPES: Final = {
    "string": "string",
    "number": "number",
    "true": "boolean",
    "false": "boolean",
    "null": "object",
    "regex": "object",
}


def _literal_type(node: Node, data: bytes) -> str | None:
    node = unparenthesised(node)
    kind = _LITERAL_TYPES.get(node.type)
    if kind == "number" and data[node.end_byte - 1 : node.end_byte] == b"n":
        return "bigint"
    return kind


def _is_typeof(node: Node) -> bool:
    node = unparenthesised(node)
    if node.type != "unary_expression":
        return False
    operator = node.child_by_field_name("operator")
    return operator is not None and operator.type == "typeof"


def _is_null(node: Node) -> bool:
    return unparenthesised(node).type == "null"


class Eqeqeq(Rule):
    name: ClassVar[str] = "eqeqeq"
    description: ClassVar[str] = "Require the use of === and !=="
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ("always", {"null": "always"})
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        if options[0] not in ("always", "smart", "allow-null"):
            raise InvalidRuleOptions(self.name, 'the first option must be "always" or "smart"')
        if options[1]["null"] not in ("always", "never", "ignore"):
            raise InvalidRuleOptions(self.name, 'null must be "always", "never" or "ignore"')

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        config = ctx.options[0]
        null_option = ctx.options[1]["null"] if config == "always" else "ignore"
        data = ctx.source.data
        if not contains_any(data, (b"==", b"!=")):
            return  # no equality operator
        fixable = not ctx.source.has_errors
        # `===` and `!==` are only reported with "null": "never": otherwise leave
        # them unread.
        shape = EQUALITY if null_option == "never" else LOOSE_EQUALITY
        for node in ctx.source.nodes_shaped(shape):
            operator = node.child_by_field_name("operator")
            assert operator is not None  # the index found it
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is None or right is None:
                continue
            actual = operator.type
            safe = _is_typeof(left) or _is_typeof(right)
            if not safe:
                left_type = _literal_type(left, data)
                safe = left_type is not None and left_type == _literal_type(right, data)
            if actual in ("===", "!=="):
                if null_option != "never" or not (_is_null(left) or _is_null(right)):
                    continue
                expected = actual[:-1]
            else:
                # Whether an operand is `null` matters to "smart" and to a "null"
                # option other than "always" only.
                if (config == "smart" or null_option != "always") and (
                    _is_null(left) or _is_null(right)
                ):
                    continue
                if config == "smart" and safe:
                    continue
                expected = actual + "="
            message = f"Expected '{expected}' and instead saw '{actual}'."
            start, end = operator.start_byte, operator.end_byte
            fix = ctx.edit(start, end, expected) if safe and fixable else None
            yield ctx.problem(message, start, end, fix)
