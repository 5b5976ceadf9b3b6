"""yoda: require (``"never"``, the default) or forbid (``"always"``) the literal on
the right of a comparison: ``if ("red" === color)`` is a "Yoda condition".

Follows ESLint 9 (https://eslint.org/docs/latest/rules/yoda): literals are
ESTree literals, negative numbers (``-1``) and templates without substitutions;
``exceptRange`` allows range tests written inside parentheses (``if (0 <= x &&
x < 10)``), ``onlyEquality`` restricts the rule to ``==`` and ``===`` (ESLint's
``isEqualityOperator``: ``!=`` and ``!==`` are then left alone too). The fix
swaps the operands (their parentheses and the comments around the operator stay
in place) and mirrors the operator (``<`` becomes ``>``), adding a space where
the swapped operand would otherwise merge with a neighbour token (``yield(1) <
a`` becomes ``yield a > (1)``).

Reliability 1.0: the rewrite is mechanical and local; comparing literals with
non-literals has no side effects whose order could change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import COMPARISON
from ..exceptions import InvalidRuleOptions
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._estree import (
    can_tokens_be_adjacent,
    estree_parent,
    is_parenthesised,
    is_same_reference,
    last_token,
    misparsed_non_null,
    operator_token,
    token_after,
    token_before,
    token_kind,
    unparen,
)
from ._literals import (
    JsValue,
    is_literal,
    js_less_equal,
    literal_value,
    number_value,
    static_template_value,
)

__all__ = ["Yoda"]

_FLIPPED: Final = {
    "===": "===",
    "!==": "!==",
    "==": "==",
    "!=": "!=",
    "<": ">",
    ">": "<",
    "<=": ">=",
    ">=": "<=",
}
_EQUALITY: Final = frozenset({"==", "==="})  # ESLint's isEqualityOperator
_RANGE_OPERATORS: Final = frozenset({"<", "<="})


def _negative_number(node: Node) -> Node | None:
    """The number of a ``-<number>`` expression, else None."""
    if node.type != "unary_expression":
        return None
    operator = node.child_by_field_name("operator")
    argument = node.child_by_field_name("argument")
    if operator is None or operator.type != "-" or argument is None:
        return None
    argument = unparen(argument)
    return argument if argument.type == "number" else None


def _looks_like_literal(node: Node, source: ParsedSource) -> bool:
    node = unparen(node)
    return (
        is_literal(node)
        or _negative_number(node) is not None
        or static_template_value(node, source) is not None
    )


def _normalized_value(node: Node, source: ParsedSource) -> tuple[JsValue | None, bool]:
    """ESLint's ``getNormalizedLiteral``: (value, whether it is a literal at all)."""
    node = unparen(node)
    if is_literal(node):
        return literal_value(node, source), True
    number = _negative_number(node)
    if number is not None:
        value = number_value(source.node_text(number))
        if isinstance(value, float):
            return -value, True
        return type(value)(-value.value), True
    template = static_template_value(node, source)
    if template is not None:
        return template, True
    return None, False


def _binary_parts(node: Node, source: ParsedSource) -> tuple[Node, str, Node] | None:
    if node.type != "binary_expression":
        return None
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    operator = node.child_by_field_name("operator")
    if left is None or right is None or operator is None:
        return None
    return left, source.node_text(operator), right


# The first bytes of what _looks_like_literal accepts: a string, a number
# (`.5` too), a regex, a template, `-<number>`, `(`, and `true`/`false`/`null`.
_LITERAL_FIRST_BYTES: Final = frozenset(b"\"'0123456789./`-(")
_KEYWORD_LITERALS: Final = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}


def _may_start_literal(data: bytes, start: int) -> bool:
    """Whether an expression starting at byte ``start`` may look like a literal."""
    if start >= len(data):
        return True
    first = data[start]
    if first in _LITERAL_FIRST_BYTES:
        return True
    word = _KEYWORD_LITERALS.get(first)
    return word is not None and data.startswith(word, start)


class Yoda(Rule):
    name: ClassVar[str] = "yoda"
    description: ClassVar[str] = 'Require or disallow "Yoda" conditions'
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = (
        "never",
        {"exceptRange": False, "onlyEquality": False},
    )
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        if options[0] not in ("always", "never"):
            raise InvalidRuleOptions(self.name, 'the first option must be "always" or "never"')
        for key in ("exceptRange", "onlyEquality"):
            if not isinstance(options[1][key], bool):
                raise InvalidRuleOptions(self.name, f"{key} must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        always = ctx.options[0] == "always"
        except_range = bool(ctx.options[1]["exceptRange"])
        only_equality = bool(ctx.options[1]["onlyEquality"])
        side = "left" if always else "right"
        # With "never", only a comparison whose left operand looks like a literal
        # is reported; in an error-free tree that operand starts the comparison,
        # and its first byte tells most others apart unread.
        data = source.data
        prefilter = not always and not source.has_errors
        for node in source.nodes_shaped(COMPARISON):
            if prefilter and not _may_start_literal(data, node.start_byte):
                continue
            parts = _binary_parts(node, source)
            if parts is None or parts[1] not in _FLIPPED or node.has_error:
                continue
            if misparsed_non_null(ctx.source, node):
                continue  # tree-sitter read `1 < x!` as `(1 < x)!`
            left, operator, right = parts
            expected_literal, expected_other = (left, right) if always else (right, left)
            if not _looks_like_literal(expected_other, source) or _looks_like_literal(
                expected_literal, source
            ):
                continue
            if only_equality and operator not in _EQUALITY:
                continue
            if except_range and self._in_range_test(node, source):
                continue
            message = f"Expected literal to be on the {side} side of {operator}."
            fix = self._flip(ctx, node, left, right)
            yield ctx.problem(message, node.start_byte, node.end_byte, fix)

    @staticmethod
    def _in_range_test(node: Node, source: ParsedSource) -> bool:
        """ESLint's ``isRangeTest(node.parent)``."""
        parent = estree_parent(node)
        if parent is None:
            return False
        parts = _binary_parts(parent, source)
        if parts is None or parts[1] not in ("&&", "||"):
            return False
        outer_left, logical, outer_right = parts
        left = _binary_parts(unparen(outer_left), source)
        right = _binary_parts(unparen(outer_right), source)
        if left is None or right is None:
            return False
        if left[1] not in _RANGE_OPERATORS or right[1] not in _RANGE_OPERATORS:
            return False
        if logical == "&&":
            same = is_same_reference(left[2], right[0], source)
            low, high = left[0], right[2]
        else:
            same = is_same_reference(left[0], right[2], source)
            low, high = left[2], right[0]
        if not same:
            return False
        low_value, low_literal = _normalized_value(low, source)
        high_value, high_literal = _normalized_value(high, source)
        if not low_literal and not high_literal:
            return False
        if low_literal and high_literal:
            if low_value is None or high_value is None:
                return False
            if not js_less_equal(low_value, high_value):
                return False
        return is_parenthesised(parent)

    @staticmethod
    def _flip(ctx: RuleContext, node: Node, left: Node, right: Node) -> TextEdit | None:
        source = ctx.source
        operator = operator_token(node)
        last_left = last_token(left)
        if operator is None or last_left is None:
            return None
        first_right = token_after(operator)
        if first_right is None:
            return None
        left_text = source.byte_text(node.start_byte, last_left.end_byte)
        before_operator = source.byte_text(last_left.end_byte, operator.start_byte)
        after_operator = source.byte_text(operator.end_byte, first_right.start_byte)
        right_text = source.byte_text(first_right.start_byte, node.end_byte)
        prefix = suffix = ""
        previous = token_before(node)
        if previous is not None and previous.end_byte == node.start_byte:
            if not can_tokens_be_adjacent(
                token_kind(previous, source),
                source.node_text(previous),
                token_kind(first_right, source),
                source.node_text(first_right),
            ):
                prefix = " "
        following = token_after(node)
        if following is not None and following.start_byte == node.end_byte:
            if not can_tokens_be_adjacent(
                token_kind(last_left, source),
                source.node_text(last_left),
                token_kind(following, source),
                source.node_text(following),
            ):
                suffix = " "
        flipped = _FLIPPED[source.node_text(operator)]
        text = prefix + right_text + before_operator + flipped + after_operator + left_text + suffix
        return ctx.edit(node.start_byte, node.end_byte, text)
