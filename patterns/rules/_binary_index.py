"""The binary expressions of a source grouped by operator, shared by the rules.

Several rules (eqeqeq, yoda, prefer-template, logical-assignment-operators,
arrow-body-style) each care about a few operators only, and used to read the
operator of every binary expression in the source. :func:`binary_expressions`
reads each operator once per source and hands every rule the expressions of
its operators.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from tree_sitter import Node

from ..parsing import ParsedSource

__all__ = ["binary_expressions"]

_KEY: Final = "patterns.rules._binary_index:by-operator"


class _BinaryIndex:
    """Every binary expression with its operator (the operator token's type; ``""``
    when the node has none), in document order."""

    __slots__ = ("_nodes", "_operators", "_selections")

    def __init__(self, source: ParsedSource) -> None:
        self._nodes = nodes = source.nodes_of("binary_expression")
        field = source.tree.language.field_id_for_name("operator") if nodes else None
        if field is None:
            self._operators = [_operator(node) for node in nodes]
        else:
            # The field asked by id, the token's kind by number (a name is made
            # once per kind): what `_operator` reads, with less made per node.
            names: dict[int, str] = {}
            operators: list[str] = []
            for node in nodes:
                operator = node.child_by_field_id(field)
                if operator is None:
                    operators.append("")
                    continue
                kind = operator.kind_id
                name = names.get(kind)
                if name is None:
                    name = names[kind] = operator.type
                operators.append(name)
            self._operators = operators
        self._selections: dict[frozenset[str], tuple[Node, ...]] = {}

    def select(self, operators: frozenset[str]) -> tuple[Node, ...]:
        found = self._selections.get(operators)
        if found is None:
            found = self._selections[operators] = tuple(
                node
                for node, operator in zip(self._nodes, self._operators, strict=True)
                if operator in operators
            )
        return found


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return "" if operator is None else operator.type


def binary_expressions(source: ParsedSource, operators: Iterable[str]) -> tuple[Node, ...]:
    """The binary expressions of ``source`` whose operator token is of one of
    ``operators`` (a type such as ``"+"`` or ``"instanceof"``), in document order.

    The type of an operator token is its text, except for a token that error
    recovery inserted (MISSING, zero width): rules that compare the text still
    must check it.
    """
    index: _BinaryIndex = source.fact(_KEY, _BinaryIndex)
    return index.select(frozenset(operators))
