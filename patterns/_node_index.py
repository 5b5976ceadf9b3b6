"""One node index per syntax tree: the nodes of the kinds rules start from.

Rules used to run a tree-sitter query each (or walk the tree in Python) to find
their candidate nodes; every query is a full walk of the tree in C, and a walk
in Python costs far more. :class:`NodeIndex` runs a single query that captures
every kind in :data:`INDEXED_KINDS` under a capture of its own name, once per
tree, and hands out document-ordered lists from it. A kind outside that set
still works, through a query of its own.

The same walk collects the nodes of some :class:`Shape` s: a kind whose child in
a given field is of given kinds (an assignment whose right side is a binary
expression, a binary expression whose operator is ``+``...). A rule that would
read every node of a common kind only to skip most of them at once asks for its
shape instead, and never touches the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import Final

from tree_sitter import Language, Node, Query, QueryCursor, Tree

from ._native_core import native_index

__all__ = [
    "INDEXED_KINDS",
    "SHAPES",
    "NodeIndex",
    "Shape",
    "captured_by_query",
    "sort_in_document_order",
]

INDEXED_KINDS: Final = frozenset(
    {
        "arrow_function",
        "assignment_expression",
        "binary_expression",
        "call_expression",
        "comment",
        "computed_property_name",
        "do_statement",
        "else_clause",
        "export_specifier",
        "for_in_statement",
        "for_statement",
        "function",
        "function_declaration",
        "function_expression",
        "generator_function",
        "generator_function_declaration",
        "if_statement",
        "import_specifier",
        "meta_property",
        "method_definition",
        "non_null_expression",
        "object",
        "pair_pattern",
        "regex",
        "subscript_expression",
        "super",
        "ternary_expression",
        "this",
        "unary_expression",
        "while_statement",
    }
)
"""The kinds one walk collects: the union of what the rules look for. (A kind no
rule asks for costs a node object per occurrence for nothing: member_expression,
the most common, is deliberately left out.)"""

_SORTED_KINDS: Final = tuple(sorted(INDEXED_KINDS))

_PARENTHESIZED: Final = "parenthesized_expression"


@dataclass(frozen=True, slots=True, eq=False)
class Shape:
    """The named nodes of ``kind`` with a child (named or not: an operator token)
    in one of ``fields`` whose kind is one of ``kinds`` or a parenthesized
    expression (whatever that holds: rules see through parentheses each in their
    own way, so a shape keeps those nodes for the rule to decide); ``negated``:
    whose kind is none of ``kinds``.

    A shape is the test a rule would apply first anyway, and it is exact: its
    nodes are those of the kind that pass the test (:meth:`matches`), so a rule
    may rely on it (eqeqeq reads the operators of :data:`EQUALITY`, curly reports
    every node of :data:`UNBRACED_IF`). The index collects the shapes in
    :data:`SHAPES` in its one walk; another shape still works, filtered from the
    kind's nodes. Shapes compare by identity (they are the rules' constants, asked
    for on every analysis).
    """

    kind: str
    fields: tuple[str, ...]
    kinds: frozenset[str]
    negated: bool = False
    # The shape's key among the index's lists (no kind name has a ``/``).
    name: str = field(init=False)
    # ``kinds``, with parentheses when not negated: a child in one of the fields
    # matches when its kind is in there (not in there, negated).
    child_kinds: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        test = "!" if self.negated else ":"
        name = f"{self.kind}/{'|'.join(self.fields)}{test}{'|'.join(sorted(self.kinds))}"
        object.__setattr__(self, "name", name)
        kinds = self.kinds if self.negated else self.kinds | {_PARENTHESIZED}
        object.__setattr__(self, "child_kinds", kinds)

    def matches(self, node: Node) -> bool:
        """Whether ``node`` (of the shape's kind) has the shape."""
        kinds = self.child_kinds
        for field_name in self.fields:
            child = node.child_by_field_name(field_name)
            if child is not None and (child.type in kinds) != self.negated:
                return True
        return False


ASSIGNED_BINARY: Final = Shape(
    "assignment_expression", ("right",), frozenset({"binary_expression"})
)
"""``a = b + c``: operator-assignment and logical-assignment-operators."""
NEGATED_UNARY: Final = Shape("unary_expression", ("argument",), frozenset({"unary_expression"}))
"""``!!a`` (and ``-!a``, ``!typeof a``...): no-extra-boolean-cast."""
BOOLEAN_BRANCH: Final = Shape(
    "ternary_expression", ("consequence", "alternative"), frozenset({"true", "false"})
)
"""``a ? true : b``: no-unneeded-ternary."""

NAME_OR_FUNCTION_VALUE: Final = Shape(
    "pair",
    ("value",),
    frozenset(
        {"identifier", "function_expression", "function", "generator_function", "arrow_function"}
    ),
)
"""``{a: a}``, ``{a: function () {}}``: object-shorthand."""
STATIC_INDEX: Final = Shape(
    "subscript_expression",
    ("index",),
    frozenset({"string", "template_string", "null", "true", "false"}),
)
"""``a["b"]``, ``a[`b`]``, ``a[null]``: dot-notation."""
WITH_ELSE: Final = Shape("if_statement", ("alternative",), frozenset({"else_clause"}))
"""``if (a) {} else {}``: no-else-return."""
_BLOCK: Final = frozenset({"statement_block"})
UNBRACED_IF: Final = Shape("if_statement", ("consequence",), _BLOCK, negated=True)
UNBRACED_WHILE: Final = Shape("while_statement", ("body",), _BLOCK, negated=True)
UNBRACED_DO: Final = Shape("do_statement", ("body",), _BLOCK, negated=True)
UNBRACED_FOR: Final = Shape("for_statement", ("body",), _BLOCK, negated=True)
UNBRACED_FOR_IN: Final = Shape("for_in_statement", ("body",), _BLOCK, negated=True)
"""``if (a) b;``, ``while (a) b;``...: curly (a body without braces)."""


def _operators(*operators: str) -> Shape:
    """The binary expressions whose operator token is one of ``operators``."""
    return Shape("binary_expression", ("operator",), frozenset(operators))


# Binary expressions by operator (the operator token's type, its text).
CONCATENATION: Final = _operators("+")
"""``a + b``: prefer-template."""
LOGICAL: Final = _operators("||", "&&", "??")
"""``a || b``: logical-assignment-operators."""
LOOSE_EQUALITY: Final = _operators("==", "!=")
EQUALITY: Final = _operators("==", "!=", "===", "!==")
"""``a == b``: eqeqeq (``===`` too with ``"null": "never"``)."""
COMPARISON: Final = _operators("===", "!==", "==", "!=", "<", ">", "<=", ">=")
"""``a < b``: yoda."""
IN: Final = _operators("in")
"""``a in b``: arrow-body-style."""

SHAPES: Final = (
    ASSIGNED_BINARY,
    NEGATED_UNARY,
    BOOLEAN_BRANCH,
    NAME_OR_FUNCTION_VALUE,
    STATIC_INDEX,
    WITH_ELSE,
    UNBRACED_IF,
    UNBRACED_WHILE,
    UNBRACED_DO,
    UNBRACED_FOR,
    UNBRACED_FOR_IN,
    CONCATENATION,
    LOGICAL,
    LOOSE_EQUALITY,
    EQUALITY,
    COMPARISON,
    IN,
)
"""The shapes the index walk collects (the rules' own)."""
_COLLECTED: Final = frozenset(SHAPES)

_QUERIES: dict[tuple[str, str], Query | None] = {}
_QUERIES_LOCK = threading.Lock()


def _query(language: Language, language_name: str, kinds: Sequence[str]) -> Query | None:
    """A compiled query capturing each kind the grammar knows as ``@<kind>``
    (None when it knows none of them), cached per language."""
    key = (language_name, " ".join(kinds))
    try:
        return _QUERIES[key]
    except KeyError:
        pass
    with _QUERIES_LOCK:
        if key not in _QUERIES:
            known = [kind for kind in kinds if language.id_for_node_kind(kind, True)]
            pattern = " ".join(f"({kind}) @{kind}" for kind in known)
            _QUERIES[key] = Query(language, pattern) if known else None
        return _QUERIES[key]


def captured_by_query(
    tree: Tree, language_name: str, kinds: Sequence[str]
) -> dict[str, list[Node]]:
    """``{kind: nodes}`` for the kinds present in ``tree``, by one query's captures
    (not in document order)."""
    query = _query(tree.language, language_name, kinds)
    return {} if query is None else QueryCursor(query).captures(tree.root_node)


_START: Final = attrgetter("start_byte")
_END: Final = attrgetter("end_byte")


def sort_in_document_order(nodes: list[Node]) -> None:
    """Sort by start, then outer before inner (the longer first), else keep the
    order: two stable sorts with C-level keys, cheaper than one tuple key."""
    nodes.sort(key=_END, reverse=True)
    nodes.sort(key=_START)


class NodeIndex:
    """The nodes of :data:`INDEXED_KINDS` in one tree (``language_name`` keys the
    compiled query: "javascript", "typescript" or "tsx")."""

    __slots__ = (
        "_by_kind",
        "_captured",
        "_in_order",
        "_language",
        "_language_name",
        "_merged",
        "_root",
    )

    def __init__(self, tree: Tree, language_name: str) -> None:
        self._root = tree.root_node
        self._language = tree.language
        self._language_name = language_name
        # The native walk when built (already in document order), else one query.
        # Sorted into document order (in _by_kind) on first use: some kinds are
        # never asked for.
        captured = native_index(tree, _SORTED_KINDS, SHAPES)
        self._in_order = captured is not None  # the native lists need no sorting
        if captured is None:
            captured = captured_by_query(tree, language_name, _SORTED_KINDS)
        self._captured: dict[str, list[Node]] = captured
        self._by_kind: dict[str, list[Node]] = {}
        self._merged: dict[tuple[str, ...], list[Node]] = {}

    def _of_kind(self, kind: str) -> list[Node]:
        found = self._by_kind.get(kind)
        if found is None:
            captured = self._captured.get(kind)
            in_order = self._in_order
            if captured is None and kind not in INDEXED_KINDS:
                in_order = False
                query = _query(self._language, self._language_name, (kind,))
                if query is not None:
                    captured = QueryCursor(query).captures(self._root).get(kind)
            # Kept as is when in order, else a sorted copy (a source shared by
            # threads then at worst sorts twice); either way never handed out.
            if captured is None:
                found = []
            elif in_order:
                found = captured
            else:
                found = list(captured)
                sort_in_document_order(found)
            self._by_kind[kind] = found
        return found

    def shaped(self, shape: Shape) -> list[Node]:
        """The nodes of ``shape``, in document order (a new list)."""
        name = shape.name
        found = self._by_kind.get(name)
        if found is None:
            if self._in_order and shape in _COLLECTED:  # the native walk collected it
                found = self._captured.get(name, [])
            else:
                found = [node for node in self._of_kind(shape.kind) if shape.matches(node)]
            self._by_kind[name] = found
        return list(found)

    def nodes_of(self, kinds: tuple[str, ...]) -> list[Node]:
        """The nodes of ``kinds`` in document order, outer before inner (a new list)."""
        if len(kinds) == 1:
            return list(self._of_kind(kinds[0]))
        merged = self._merged.get(kinds)
        if merged is None:
            merged = list(chain.from_iterable(self._of_kind(kind) for kind in kinds))
            sort_in_document_order(merged)
            self._merged[kinds] = merged
        return list(merged)
