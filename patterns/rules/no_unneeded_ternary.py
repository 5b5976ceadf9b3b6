"""no-unneeded-ternary: disallow ternaries that a simpler expression can replace.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/no-unneeded-ternary).
``x ? true : false`` becomes ``!!x`` (or ``x`` when ``x`` is already a boolean:
a comparison or a ``!``), ``x ? false : true`` becomes ``!x`` (a comparison is
inverted instead: ``a === b ? false : true`` becomes ``a !== b``), and ``x ? true
: true`` becomes ``true`` when ``x`` is a plain variable (a call might have side
effects, so it is reported but not fixed). With ``defaultAssignment: false``,
``x ? x : y`` is reported too and becomes ``x || y``, with the alternate
parenthesised where ``||`` would otherwise bind it differently.

Reliability 0.9: the fixes are mechanical, but ``!!x`` and ``x || y`` read
differently from the ternary, and reviewers sometimes keep the explicit form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import BOOLEAN_BRANCH
from ..exceptions import InvalidRuleOptions
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._estree import (
    binary_precedence,
    is_parenthesised,
    misparsed_non_null,
    operator_token,
    parenthesised_range,
    precedence,
    unparen,
)

__all__ = ["NoUnneededTernary"]

_BOOLEAN_OPERATORS: Final = frozenset(
    {"==", "===", "!=", "!==", ">", ">=", "<", "<=", "in", "instanceof"}
)
_INVERSES: Final = {"==": "!=", "!=": "==", "===": "!==", "!==": "==="}
_UNARY_PRECEDENCE: Final = 16
_OR_PRECEDENCE: Final = binary_precedence("||")


def _operator(node: Node, source: ParsedSource) -> str | None:
    operator = node.child_by_field_name("operator")
    return source.node_text(operator) if operator is not None else None


def _parenthesised_text(node: Node, source: ParsedSource) -> str:
    return source.byte_text(*parenthesised_range(node))


def _invert(node: Node, source: ParsedSource) -> str:
    """ESLint's ``invertExpression`` of the test ``node`` (without parentheses)."""
    if node.type == "binary_expression" and _operator(node, source) in _INVERSES:
        operator = operator_token(node)
        if operator is not None:
            return (
                source.byte_text(node.start_byte, operator.start_byte)
                + _INVERSES[source.node_text(operator)]
                + source.byte_text(operator.end_byte, node.end_byte)
            )
    if precedence(node, source) < _UNARY_PRECEDENCE:
        return f"!({_parenthesised_text(node, source)})"
    return f"!{_parenthesised_text(node, source)}"


def _is_boolean_expression(node: Node, source: ParsedSource) -> bool:
    if node.type == "binary_expression":
        return _operator(node, source) in _BOOLEAN_OPERATORS
    return node.type == "unary_expression" and _operator(node, source) == "!"


def _boolean_value(node: Node) -> bool | None:
    node = unparen(node)
    if node.type == "true":
        return True
    if node.type == "false":
        return False
    return None


def _is_coalesce(node: Node, source: ParsedSource) -> bool:
    return node.type == "binary_expression" and _operator(node, source) == "??"


class NoUnneededTernary(Rule):
    name: ClassVar[str] = "no-unneeded-ternary"
    description: ClassVar[str] = "Disallow ternary operators when simpler alternatives exist"
    default_reliability: ClassVar[float] = 0.9
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ({"defaultAssignment": True},)
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        if not isinstance(options[0]["defaultAssignment"], bool):
            raise InvalidRuleOptions(self.name, "defaultAssignment must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        default_assignment = bool(ctx.options[0]["defaultAssignment"])
        # Allowing `a ? a : b`, only a ternary with true or false in both branches
        # is reported: skip those with neither unread.
        nodes = (
            source.nodes_shaped(BOOLEAN_BRANCH)
            if default_assignment
            else source.nodes_of("ternary_expression")
        )
        for node in nodes:
            if node.has_error or misparsed_non_null(ctx.source, node):
                continue
            test = node.child_by_field_name("condition")
            consequent = node.child_by_field_name("consequence")
            alternate = node.child_by_field_name("alternative")
            if test is None or consequent is None or alternate is None:
                continue
            test, consequent, alternate = unparen(test), unparen(consequent), unparen(alternate)
            when_true = _boolean_value(consequent)
            when_false = _boolean_value(alternate)
            if when_true is not None and when_false is not None:
                fix = self._simplify(ctx, node, test, when_true, when_false)
                yield ctx.problem(
                    "Unnecessary use of boolean literals in conditional expression.",
                    node.start_byte,
                    node.end_byte,
                    fix,
                )
            elif (
                not default_assignment
                and test.type == "identifier"
                and consequent.type == "identifier"
                and source.node_text(test) == source.node_text(consequent)
            ):
                yield ctx.problem(
                    "Unnecessary use of conditional expression for default assignment.",
                    node.start_byte,
                    node.end_byte,
                    self._default_assignment(ctx, node, test, alternate),
                )

    @staticmethod
    def _simplify(
        ctx: RuleContext, node: Node, test: Node, when_true: bool, when_false: bool
    ) -> TextEdit | None:
        source = ctx.source
        if when_true == when_false:
            if test.type != "identifier":
                return None  # evaluating the test might matter
            text = "true" if when_true else "false"
        elif when_false:
            text = _invert(test, source)
        elif _is_boolean_expression(test, source):
            text = _parenthesised_text(test, source)
        else:
            text = "!" + _invert(test, source)
        return ctx.edit(node.start_byte, node.end_byte, text)

    @staticmethod
    def _default_assignment(ctx: RuleContext, node: Node, test: Node, alternate: Node) -> TextEdit:
        source = ctx.source
        if (
            precedence(alternate, source) < _OR_PRECEDENCE or _is_coalesce(alternate, source)
        ) and not is_parenthesised(alternate):
            alternate_text = f"({source.node_text(alternate)})"
        else:
            alternate_text = _parenthesised_text(alternate, source)
        text = f"{_parenthesised_text(test, source)} || {alternate_text}"
        return ctx.edit(node.start_byte, node.end_byte, text)
