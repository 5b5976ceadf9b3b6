"""Statement-level helpers for no-useless-return, no-else-return and curly.

ESTree and tree-sitter differ in small ways these rules care about: ESTree's
tokens leave comments aside (tree-sitter keeps ``comment`` nodes among the
children), a method's function starts at its parameters, and TypeScript
module bodies are not statement lists. Offsets here are byte offsets.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Final

from tree_sitter import Node

from .._bytes import has_word
from ..parsing import ParsedSource
from . import _tokens

__all__ = [
    "ATOMIC_TOKENS",
    "FUNCTIONS",
    "MODULE_BODY_OWNERS",
    "enclosing_function",
    "first_token",
    "function_range",
    "has_module_bodies",
    "has_word",
    "is_statement_list",
    "last_token",
    "line_break_between",
    "named",
    "token_after",
    "token_before",
]

FUNCTIONS: Final = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
# Nodes ESLint sees as one token (their inner leaves are not tokens of their own).
ATOMIC_TOKENS: Final = frozenset({"string", "regex", "template_string", "jsx_text"})
# A statement_block owned by one of these is a TypeScript module body.
MODULE_BODY_OWNERS: Final = frozenset({"internal_module", "module", "ambient_declaration"})
_MODULE_BODIES: dict[str, bool] = {}  # by language name, see has_module_bodies
_PARENT: Final[Callable[[Node], Node | None]] = attrgetter("parent")
_LINE_BREAKS: Final = (b"\n", b"\r", "\u2028".encode(), "\u2029".encode())


def named(node: Node) -> list[Node]:
    """The named children of ``node`` other than comments."""
    return [c for c in node.named_children if c.type != "comment"]


def has_module_bodies(source: ParsedSource) -> bool:
    """Whether the grammar of ``source`` has the TypeScript nodes whose block is
    a module body (JavaScript's has none)."""
    known = _MODULE_BODIES.get(source.language)
    if known is None:
        language = source.tree.language
        known = any(language.id_for_node_kind(kind, True) for kind in MODULE_BODY_OWNERS)
        _MODULE_BODIES[source.language] = known
    return known


def is_statement_list(node: Node, parent_of: Callable[[Node], Node | None] = _PARENT) -> bool:
    """ESLint's STATEMENT_LIST_PARENTS: a program, block, static block or switch case.

    ``parent_of`` finds a node's parent: a caller that already knows it saves a
    ``Node.parent`` (which searches down from the root).
    """
    kind = node.type
    if kind in ("program", "switch_case", "switch_default"):
        return True
    if kind != "statement_block":
        return False
    owner = parent_of(node)
    return owner is None or owner.type not in MODULE_BODY_OWNERS


def enclosing_function(node: Node) -> Node | None:
    """The nearest function around ``node`` (ESLint's getUpperFunction)."""
    current = node.parent
    while current is not None:
        if current.type in FUNCTIONS:
            return current
        current = current.parent
    return None


def function_range(node: Node) -> tuple[int, int]:
    """ESTree's range of a function: a method's function starts at its parameters."""
    if node.type == "method_definition":
        start = node.child_by_field_name("type_parameters") or node.child_by_field_name(
            "parameters"
        )
        if start is not None:
            return start.start_byte, node.end_byte
    return node.start_byte, node.end_byte


def _is_token(node: Node) -> bool:
    return node.type in ATOMIC_TOKENS or (node.child_count == 0 and node.type != "comment")


def _edge_token(node: Node, last: bool) -> Node | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "comment" or current.end_byte <= current.start_byte:
            continue
        if _is_token(current):
            return current
        children = current.children
        # The stack pops the edge-most child first.
        stack.extend(children if last else reversed(children))
    return None


def first_token(node: Node) -> Node | None:
    """The first token of ``node`` (comments are not tokens)."""
    return _edge_token(node, last=False)


def last_token(node: Node) -> Node | None:
    """The last token of ``node``."""
    return _edge_token(node, last=True)


def token_before(node: Node) -> Node | None:
    """The token just before ``node`` in the source."""
    return _tokens.token_before(node, last_token)


def token_after(node: Node) -> Node | None:
    """The token just after ``node`` in the source."""
    return _tokens.token_after(node, first_token)


def line_break_between(data: bytes, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` holds a line break (ESLint's set of them)."""
    chunk = data[start:end]
    return any(mark in chunk for mark in _LINE_BREAKS)
