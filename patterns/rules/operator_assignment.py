"""operator-assignment: require (``"always"``, the default) or forbid (``"never"``)
assignment operator shorthand such as ``x += y``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/operator-assignment).
``"always"`` reports ``x = x + y`` (the target repeated as the left operand of an
arithmetic, shift or bitwise operator) and ``x = y * x`` for the commutative
``*``, ``&``, ``^`` and ``|``; only the first is fixed, because swapping the
operands of the second could change the order of ``valueOf`` calls. ``"never"``
reports every shorthand except the logical ``&&=``, ``||=`` and ``??=``. Fixes
only touch a plain variable or a one-level member (``a.b``, ``this[0]``), which
can be repeated without evaluating anything twice, and are withheld when a
comment would be lost or duplicated.

Reliability 0.95: the rewrite is mechanical, but ``x = x + y`` and ``x += y``
differ in how many times a getter on the target runs, which a reviewer may care
about.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import ASSIGNED_BINARY
from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._estree import (
    binary_precedence,
    can_tokens_be_adjacent,
    comments_between,
    first_token,
    is_parenthesised,
    is_same_reference,
    misparsed_non_null,
    operator_token,
    precedence,
    token_kind,
    unparen,
)

__all__ = ["OperatorAssignment"]

_COMMUTATIVE: Final = frozenset({"*", "&", "^", "|"})
_NON_COMMUTATIVE: Final = frozenset({"+", "-", "/", "%", "<<", ">>", ">>>", "**"})
_LOGICAL_ASSIGNMENTS: Final = frozenset({"&&=", "||=", "??="})


def _can_be_fixed(node: Node) -> bool:
    """A target that can be written twice: ``x``, ``x.y``, ``this.y``, ``x[0]``."""
    node = unparen(node)
    if node.type == "identifier":
        return True
    if node.type not in ("member_expression", "subscript_expression"):
        return False
    if any(c.type == "optional_chain" for c in node.children):
        return False
    obj = node.child_by_field_name("object")
    if obj is None or unparen(obj).type not in ("identifier", "this"):
        return False
    if node.type == "subscript_expression":
        index = node.child_by_field_name("index")
        return index is not None and unparen(index).type in (
            "string",
            "number",
            "regex",
            "true",
            "false",
            "null",
        )
    prop = node.child_by_field_name("property")
    return prop is not None and prop.type in ("property_identifier", "private_property_identifier")


class OperatorAssignment(Rule):
    name: ClassVar[str] = "operator-assignment"
    description: ClassVar[str] = "Require or disallow assignment operator shorthand where possible"
    default_reliability: ClassVar[float] = 0.95
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ("always",)
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        if options[0] not in ("always", "never"):
            raise InvalidRuleOptions(self.name, 'the option must be "always" or "never"')

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        never = ctx.options[0] == "never"
        # "always" reads `x = x + y` only: an assignment of a binary expression.
        nodes = (
            ctx.source.nodes_of("augmented_assignment_expression")
            if never
            else ctx.source.nodes_shaped(ASSIGNED_BINARY)
        )
        for node in nodes:
            if node.has_error or misparsed_non_null(ctx.source, node):
                continue
            problem = self._prohibit(ctx, node) if never else self._verify(ctx, node)
            if problem is not None:
                yield problem

    @staticmethod
    def _verify(ctx: RuleContext, node: Node) -> Problem | None:
        """``x = x + y`` under "always"."""
        source = ctx.source
        right = node.child_by_field_name("right")
        if right is None:
            return None
        expression = unparen(right)
        if expression.type != "binary_expression" or misparsed_non_null(source, expression):
            return None  # the common case, settled before reading the target
        left = node.child_by_field_name("left")
        if left is None:
            return None
        operator_node = expression.child_by_field_name("operator")
        operand = expression.child_by_field_name("left")
        other = expression.child_by_field_name("right")
        if operator_node is None or operand is None or other is None:
            return None
        operator = source.node_text(operator_node)
        if operator not in _COMMUTATIVE and operator not in _NON_COMMUTATIVE:
            return None
        message = f"Assignment (=) can be replaced with operator assignment ({operator}=)."
        if is_same_reference(left, operand, source, True):
            fix = None
            equals = operator_token(node)
            if (
                equals is not None
                and _can_be_fixed(left)
                and _can_be_fixed(operand)
                and not comments_between(node, equals.end_byte, operator_node.start_byte)
            ):
                text = (
                    source.byte_text(node.start_byte, equals.start_byte)
                    + operator
                    + "="
                    + source.byte_text(operator_node.end_byte, expression.end_byte)
                )
                fix = ctx.edit(node.start_byte, node.end_byte, text)
            return ctx.problem(message, node.start_byte, node.end_byte, fix)
        if operator in _COMMUTATIVE and is_same_reference(left, other, source, True):
            return ctx.problem(message, node.start_byte, node.end_byte)
        return None

    @staticmethod
    def _prohibit(ctx: RuleContext, node: Node) -> Problem | None:
        """``x += y`` under "never"."""
        source = ctx.source
        operator_node = operator_token(node)
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if operator_node is None or left is None or right is None:
            return None
        operator = source.node_text(operator_node)
        if operator in _LOGICAL_ASSIGNMENTS:
            return None
        message = f"Unexpected operator assignment ({operator}) shorthand."
        fix = _expand(ctx, node, left, operator_node, right, operator[:-1])
        return ctx.problem(message, node.start_byte, node.end_byte, fix)


def _expand(
    ctx: RuleContext, node: Node, left: Node, operator_node: Node, right: Node, operator: str
) -> TextEdit | None:
    """``x += y`` written out as ``x = x + y``."""
    source = ctx.source
    first = first_token(node)
    if not _can_be_fixed(left) or first is None:
        return None
    if comments_between(node, first.end_byte, operator_node.start_byte):
        return None
    left_text = source.byte_text(node.start_byte, operator_node.start_byte)
    inner = unparen(right)
    if precedence(inner, source) <= binary_precedence(operator) and not is_parenthesised(inner):
        right_text = (
            source.byte_text(operator_node.end_byte, inner.start_byte)
            + "("
            + source.node_text(inner)
            + ")"
        )
    else:
        prefix = ""
        after = _token_or_comment_after(node, operator_node)
        if after is not None and after.start_byte == operator_node.end_byte:
            if not can_tokens_be_adjacent(
                "Punctuator", operator, token_kind(after, source), source.node_text(after)
            ):
                prefix = " "
        right_text = prefix + source.byte_text(operator_node.end_byte, node.end_byte)
    return ctx.edit(
        node.start_byte, node.end_byte, f"{left_text}= {left_text}{operator}{right_text}"
    )


def _token_or_comment_after(node: Node, operator_node: Node) -> Node | None:
    """The first token or comment after the operator, inside ``node``."""
    for child in node.children:
        if child.start_byte >= operator_node.end_byte:
            found = first_token(child, comments=True)
            if found is not None:
                return found
    return None
