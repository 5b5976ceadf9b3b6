"""Syntax helpers shared by the function-shape rules (no-extra-bind,
arrow-body-style, prefer-exponentiation-operator, prefer-arrow-callback).

tree-sitter keeps parentheses as ``parenthesized_expression`` nodes and
comments as ``comment`` nodes wherever they occur, where ESTree drops the
first and keeps the second aside. These helpers bridge the two views, working
on byte offsets of :class:`~patterns.parsing.ParsedSource`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from tree_sitter import Node

from ..parsing import iter_leaves
from . import _tokens

__all__ = [
    "FUNCTION_BOUNDARIES",
    "can_be_adjacent",
    "comments_in",
    "first_token",
    "has_comment_in",
    "last_token",
    "leaves_in",
    "merge_edits",
    "next_token",
    "outer_parens",
    "parent_skipping_parens",
    "previous_token",
    "static_string",
    "token_kind",
    "tokens_of",
    "unescape_js",
    "unparen",
    "uses_this",
]

# Nodes that start a new ``this`` binding (ESTree function declarations and
# expressions, methods included); arrow functions do not.
FUNCTION_BOUNDARIES: Final = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "generator_function_declaration",
        "method_definition",
    }
)

# Tokens tree-sitter gives as one leaf but whose insides are not tokens.
_OPAQUE: Final = frozenset(
    {"string", "template_string", "regex", "comment", "html_comment", "jsx_text"}
)


def unparen(node: Node) -> Node:
    """The expression inside any number of parentheses (ESTree's view of ``node``)."""
    while node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def outer_parens(node: Node) -> Node:
    """The outermost ``parenthesized_expression`` wrapping ``node`` (or ``node``)."""
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node = parent
        parent = node.parent
    return node


def parent_skipping_parens(node: Node) -> Node | None:
    """The ESTree parent of ``node``: its first ancestor that is not a parenthesis."""
    return outer_parens(node).parent


def leaves_in(root: Node, start: int, end: int) -> Iterator[Node]:
    """Tokens (comments included) of ``root`` lying within bytes ``[start, end)``.

    Only the nodes that overlap the range are visited.
    """
    if end <= start:
        return
    covering = root.descendant_for_byte_range(start, end - 1)
    stack = [covering if covering is not None else root]
    while stack:
        node = stack.pop()
        if node.end_byte <= start or node.start_byte >= end:
            continue
        if node.child_count == 0 or node.type in _OPAQUE:
            if start <= node.start_byte < node.end_byte <= end:
                yield node
            continue
        stack.extend(reversed(node.children))


def comments_in(root: Node, start: int, end: int) -> list[Node]:
    """Comments of ``root`` lying within bytes ``[start, end)``."""
    return [
        leaf for leaf in leaves_in(root, start, end) if leaf.type in ("comment", "html_comment")
    ]


def has_comment_in(root: Node, start: int, end: int) -> bool:
    """Whether a comment of ``root`` lies within bytes ``[start, end)``."""
    return bool(comments_in(root, start, end))


_ESCAPE: Final = re.compile(
    r"\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(\r\n|[\s\S]))"
)
_SIMPLE_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2) or match.group(3)
    if code is not None:
        return chr(int(code, 16))
    char = match.group(4)
    if char in ("\n", "\r", "\r\n", "\u2028", "\u2029"):
        return ""  # a line continuation
    if char == "0":
        return "\0"
    return _SIMPLE_ESCAPES.get(char, char)


def static_string(node: Node, text: str) -> str | None:
    """The value of a string literal or substitution-free template (``text`` is
    the node's source), or None for anything else."""
    if node.type == "string":
        body = text[1:-1]
    elif node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        body = text[1:-1]
    else:
        return None
    return unescape_js(body)


def unescape_js(body: str) -> str:
    """The value of the body of a JavaScript string or template literal."""
    return _ESCAPE.sub(_unescape, body)


def uses_this(function: Node) -> bool:
    """Whether ``this`` in ``function`` refers to the function's own ``this``:
    a ``this`` expression anywhere inside it, nested arrow functions included,
    other nested functions excluded (a method's computed key is outside its
    function, as in ESTree)."""
    stack = [c for c in reversed(function.children)]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind == "this":
            parent = node.parent
            # TypeScript's `this` parameter declares a type, it is not a use.
            if parent is None or parent.type not in ("required_parameter", "optional_parameter"):
                return True
        elif kind in FUNCTION_BOUNDARIES:
            if kind == "method_definition":
                key = node.child_by_field_name("name")
                if key is not None and key.type == "computed_property_name":
                    stack.append(key)
            continue
        stack.extend(node.children)
    return False


def _is_comment(node: Node) -> bool:
    return node.type in ("comment", "html_comment")


def _edge_token(node: Node, last: bool) -> Node | None:
    """The first (or last) token of ``node``: a non-empty leaf that is no comment."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.child_count == 0 or current.type in _OPAQUE:
            if current.end_byte > current.start_byte and not _is_comment(current):
                return current
            continue
        # The stack pops the last pushed child first.
        stack.extend(current.children if last else reversed(current.children))
    return None


def first_token(node: Node) -> Node | None:
    """The first token of ``node`` (comments and zero-width nodes are no tokens)."""
    return _edge_token(node, last=False)


def last_token(node: Node) -> Node | None:
    """The last token of ``node``."""
    return _edge_token(node, last=True)


def next_token(node: Node) -> Node | None:
    """The first token after ``node`` in the whole tree."""
    return _tokens.token_after(node, first_token)


def previous_token(node: Node) -> Node | None:
    """The last token before ``node`` in the whole tree."""
    return _tokens.token_before(node, last_token)


def tokens_of(node: Node) -> list[Node]:
    """The tokens of ``node`` in order (no comments, no zero-width nodes)."""
    return [
        leaf
        for leaf in iter_leaves(node, _OPAQUE)
        if leaf.end_byte > leaf.start_byte and not _is_comment(leaf)
    ]


def merge_edits(data: bytes, edits: list[tuple[int, int, str]]) -> tuple[int, int, str]:
    """ESLint's merge of one problem's fixes into a single replacement.

    ``edits`` are non-overlapping ``(start_byte, end_byte, text)`` replacements of
    ``data``; the result spans from the first start to the last end, with the
    untouched bytes in between kept.
    """
    ordered = sorted(edits, key=lambda e: (e[0], e[1]))
    start = ordered[0][0]
    end = max(e[1] for e in ordered)
    pieces: list[str] = []
    position = start
    for edit_start, edit_end, text in ordered:
        pieces.append(data[position:edit_start].decode("utf-8", "surrogatepass"))
        pieces.append(text)
        position = max(position, edit_end)
    pieces.append(data[position:end].decode("utf-8", "surrogatepass"))
    return start, end, "".join(pieces)


def token_kind(token: Node, text: str) -> str:
    """The espree token type of a tree-sitter token: ``Punctuator``, ``Numeric``,
    ``String``, ``Template``, ``RegularExpression``, ``Block``, ``Line``,
    ``PrivateIdentifier`` or ``Identifier`` (words: names and keywords)."""
    kind = token.type
    if kind in ("comment", "html_comment"):
        return "Block" if text.startswith("/*") else "Line"
    if kind == "string":
        return "String"
    if kind == "template_string":
        return "Template"
    parent = token.parent
    if parent is not None and parent.type == "template_substitution" and text in ("${", "}"):
        return "Template"  # espree's template tokens run from `}` to `${`
    if kind == "regex":
        return "RegularExpression"
    if kind == "number":
        return "Numeric"
    if kind == "private_property_identifier":
        return "PrivateIdentifier"
    first = text[:1]
    if first and (first.isalnum() or first in "_$\\" or ord(first) > 0x7F):
        return "Identifier"
    return "Punctuator"


_PLUS: Final = frozenset({"+", "++"})
_MINUS: Final = frozenset({"-", "--"})


def can_be_adjacent(left: tuple[str, str], right: tuple[str, str]) -> bool:
    """ESLint's ``canTokensBeAdjacent`` for two ``(kind, text)`` tokens (see
    :func:`token_kind`): whether nothing is needed between them."""
    left_kind, left_text = left
    right_kind, right_text = right
    if left_kind == "Punctuator" or right_kind == "Punctuator":
        if left_kind == "Punctuator" and right_kind == "Punctuator":
            return not (
                (left_text in _PLUS and right_text in _PLUS)
                or (left_text in _MINUS and right_text in _MINUS)
            )
        if left_kind == "Punctuator" and left_text == "/":
            return right_kind not in ("Block", "Line", "RegularExpression")
        return True
    if "String" in (left_kind, right_kind) or "Template" in (left_kind, right_kind):
        return True
    if left_kind != "Numeric" and right_kind == "Numeric" and right_text.startswith("."):
        return True
    if left_kind == "Block" or right_kind in ("Block", "Line"):
        return True
    return right_kind == "PrivateIdentifier"
