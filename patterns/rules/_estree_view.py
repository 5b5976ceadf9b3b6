"""ESTree's view of tree-sitter expressions: parents without parentheses, and
operator precedence (ESLint's ``astUtils.getPrecedence``).

tree-sitter keeps parentheses as ``parenthesized_expression`` nodes, and the
parentheses that ``if``/``while``/``do``/``switch``/``with`` require are one
too; ESTree has neither. These helpers look through both.
"""

from __future__ import annotations

from typing import Final

from tree_sitter import Node

from ._token_nav import COMMENTS
from ._tokens import BINARY_PRECEDENCE

__all__ = [
    "arguments_of",
    "estree_parent",
    "is_parenthesised",
    "operator_of",
    "precedence",
]

# Statements whose condition sits in parentheses that belong to the syntax.
_PAREN_HOSTS: Final = frozenset(
    {"if_statement", "while_statement", "do_statement", "switch_statement", "with_statement"}
)
_BINARY_PRECEDENCE: Final = BINARY_PRECEDENCE
_PRECEDENCE: Final = {
    "sequence_expression": 0,
    "assignment_expression": 1,
    "augmented_assignment_expression": 1,
    "arrow_function": 1,
    "yield_expression": 1,
    "ternary_expression": 3,
    # TypeScript's `as` and `satisfies` bind like relational operators.
    "as_expression": 10,
    "satisfies_expression": 10,
    "unary_expression": 16,
    "await_expression": 16,
    "type_assertion": 16,
    "update_expression": 17,
    "call_expression": 18,
    "new_expression": 19,
}


def _is_syntax_paren(node: Node) -> bool:
    parent = node.parent
    return (
        node.type == "parenthesized_expression"
        and parent is not None
        and parent.type in _PAREN_HOSTS
    )


def estree_parent(node: Node) -> tuple[Node | None, Node]:
    """The ESTree parent of ``node`` and the child of it that holds ``node``.

    Parentheses are skipped. For a condition the parent is the statement and the
    child its (syntax) parenthesised condition; for a call argument the parent
    is the ``arguments`` node.
    """
    child = node
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        if _is_syntax_paren(parent):
            return parent.parent, parent
        child = parent
        parent = parent.parent
    return parent, child


def is_parenthesised(node: Node) -> bool:
    """Whether ``node`` has parentheses of its own (not a statement's or a call's)."""
    parent = node.parent
    return (
        parent is not None
        and parent.type == "parenthesized_expression"
        and not _is_syntax_paren(parent)
    )


def operator_of(node: Node) -> str | None:
    """The operator of a unary, binary, update or assignment expression."""
    operator = node.child_by_field_name("operator")
    return operator.type if operator is not None else None


def precedence(node: Node) -> int:
    """ESLint's precedence of an expression (higher binds tighter; 20 for atoms)."""
    if node.type == "binary_expression":
        return _BINARY_PRECEDENCE.get(operator_of(node) or "", 20)
    return _PRECEDENCE.get(node.type, 20)


def arguments_of(arguments: Node) -> list[Node]:
    """The arguments in an ``arguments`` node (comments left out)."""
    return [c for c in arguments.named_children if c.type not in COMMENTS]
