"""Token-level navigation over tree-sitter trees, in ESLint's terms.

ESLint rules reason about tokens (``getTokenBefore``, ``getLastToken``...) and
ESTree ranges. tree-sitter differs in three ways these helpers hide:

- comments are ordinary children, and a statement may end with a trailing
  comment (``foo() // x`` is one ``expression_statement``), so a node's
  ESTree range is from its first to its last *token*;
- parentheses are ``parenthesized_expression`` nodes, where ESTree drops them;
- strings and regexes are split into pieces; here each counts as one token,
  as in ESLint (a template literal's pieces stay separate, which keeps its
  first and last characters right).

Zero-width nodes (tree-sitter's MISSING tokens) are never tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from tree_sitter import Node

from .._bytes import word_starts
from ..parsing import ParsedSource
from . import _tokens
from ._function_forms import outer_parens

__all__ = [
    "COMMENTS",
    "first_token",
    "has_comment_between",
    "is_parenthesised",
    "line_of",
    "may_declare",
    "last_token",
    "next_token",
    "occurrences",
    "outer_parens",
    "previous_token",
    "span",
    "tokens",
    "unparenthesised",
]

COMMENTS: Final = frozenset({"comment", "html_comment"})
_OPAQUE: Final = frozenset({"string", "regex", "jsx_text", "hash_bang_line"})


def _is_token(node: Node) -> bool:
    return node.type not in COMMENTS and node.end_byte > node.start_byte


def _is_leaf(node: Node) -> bool:
    return node.child_count == 0 or node.type in _OPAQUE


def first_token(node: Node) -> Node | None:
    """The first token of ``node`` (itself when it is one), comments skipped."""
    if _is_leaf(node):
        return node if _is_token(node) else None
    for child in node.children:
        found = first_token(child)
        if found is not None:
            return found
    return None


def last_token(node: Node) -> Node | None:
    """The last token of ``node`` (itself when it is one), comments skipped."""
    if _is_leaf(node):
        return node if _is_token(node) else None
    for child in reversed(node.children):
        found = last_token(child)
        if found is not None:
            return found
    return None


def next_token(node: Node) -> Node | None:
    """The first token after ``node`` (ESLint's ``getTokenAfter``)."""
    return _tokens.token_after(node, first_token)


def previous_token(node: Node) -> Node | None:
    """The last token before ``node`` (ESLint's ``getTokenBefore``)."""
    return _tokens.token_before(node, last_token)


def tokens(node: Node) -> Iterator[Node]:
    """The tokens of ``node`` in document order (comments skipped)."""
    if _is_leaf(node):
        if _is_token(node):
            yield node
        return
    stack = list(reversed(node.children))
    while stack:
        current = stack.pop()
        if _is_leaf(current):
            if _is_token(current):
                yield current
        else:
            stack.extend(reversed(current.children))


def span(node: Node) -> tuple[int, int]:
    """The ESTree byte range of ``node``: first token start to last token end."""
    first = first_token(node)
    last = last_token(node)
    if first is None or last is None:
        return node.start_byte, node.end_byte
    return first.start_byte, last.end_byte


def has_comment_between(node: Node, start_byte: int, end_byte: int) -> bool:
    """Whether a comment under ``node`` overlaps the bytes ``[start_byte, end_byte)``."""
    if node.end_byte <= start_byte or node.start_byte >= end_byte:
        return False
    if node.type in COMMENTS:
        return True
    if _is_leaf(node):
        return False
    return any(has_comment_between(c, start_byte, end_byte) for c in node.children)


def unparenthesised(node: Node) -> Node:
    """``node`` without any parentheses around it (ESTree's view of an expression)."""
    while node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type not in COMMENTS]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def is_parenthesised(node: Node) -> bool:
    """Whether ``node`` sits directly inside parentheses of its own."""
    parent = node.parent
    return parent is not None and parent.type == "parenthesized_expression"


def line_of(source: ParsedSource, byte_offset: int) -> int:
    """ESLint's 1-based line of a byte offset (every ECMAScript line break counts)."""
    return source.position(source.char_offset(byte_offset))[0]


def occurrences(source: ParsedSource, word: str) -> Iterator[Node]:
    """The nodes that are exactly ``word`` (identifiers, keywords...), in order.

    A text search plus one descent per hit: far cheaper than a query when the
    word is rare, as names such as ``undefined``, ``RegExp`` or ``Boolean`` are.
    Hits inside strings, comments or longer names are skipped.
    """
    root = source.root
    size = len(word.encode())
    for start in word_starts(source.data, word.encode()):
        end = start + size
        node = root.descendant_for_byte_range(start, end)
        if node is not None and node.start_byte == start and node.end_byte == end:
            yield node


def _is_plain_use(node: Node) -> bool:
    """``node`` is called, constructed or has a member read: it cannot be a binding."""
    parent = node.parent
    if parent is None:
        return False
    for field in ("function", "constructor", "object"):
        child = parent.child_by_field_name(field)
        if child is not None and child.id == node.id:
            return parent.type in ("call_expression", "new_expression", "member_expression")
    return False


_NAME_TYPES: Final = frozenset(
    {"identifier", "shorthand_property_identifier_pattern", "type_identifier"}
)


def may_declare(source: ParsedSource, name: str) -> bool:
    """Whether ``name`` might be declared anywhere in ``source`` (never a false "no").

    Lets a rule skip the full scope analysis in the usual case where a global
    such as ``undefined`` or ``RegExp`` is never shadowed.
    """
    return any(_may_bind(node) for node in occurrences(source, name))


# Where tree-sitter spells a binding named `undefined` as an `undefined` node.
_BINDING_PARENTS: Final = frozenset(
    {
        "formal_parameters",
        "required_parameter",
        "optional_parameter",
        "array_pattern",
        "pair_pattern",
        "assignment_pattern",
        "object_assignment_pattern",
        "rest_pattern",
        "variable_declarator",
        "catch_clause",
    }
)


def _may_bind(node: Node) -> bool:
    if node.type in _NAME_TYPES:
        return not _is_plain_use(node)
    if node.type == "undefined":
        parent = node.parent
        if parent is None or parent.type not in _BINDING_PARENTS:
            return False
        if parent.type == "pair_pattern":
            return True  # `{a: undefined} = o` binds it
        # `x = undefined` and `[a = undefined]` read it; only the left side binds.
        value = parent.child_by_field_name("value") or parent.child_by_field_name("right")
        return value is None or value.id != node.id
    return False
