"""Syntax helpers shared by the object-literal rules (no-useless-computed-key,
no-useless-rename, prefer-template, prefer-object-spread, object-shorthand).

Tree-sitter keeps parentheses and comments as nodes; ESTree (what ESLint rules
see) drops parentheses and keeps comments aside. These helpers bridge the two:
unwrapping parentheses, finding the tokens and comments of a range, decoding
literals, and ESLint's "can these two tokens touch" test.
"""

from __future__ import annotations

import re
from typing import Final

from tree_sitter import Node

from ..parsing import ParsedSource

__all__ = [
    "can_tokens_be_adjacent",
    "has_comment_between",
    "name_value",
    "number_name",
    "string_value",
    "unparen",
]

# Nodes that are one token for ESLint although tree-sitter splits them up.
_LITERAL_TOKENS: Final = frozenset(
    {"string", "template_string", "regex", "number", "jsx_text", "html_comment"}
)
_COMMENTS: Final = frozenset({"comment", "html_comment"})
_IDENTIFIERS: Final = frozenset(
    {
        "identifier",
        "property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
    }
)

_SIMPLE_ESCAPES: Final = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "0": "\0",
}
_ESCAPE: Final = re.compile(
    r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[0-7]{1,3}|[\s\S])"
)


def unparen(node: Node) -> Node:
    """The expression inside any number of parentheses."""
    while node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type not in _COMMENTS]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def has_comment_between(node: Node, start: int, end: int) -> bool:
    """Whether a comment of ``node``'s subtree lies within bytes ``[start, end)``."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.end_byte <= start or current.start_byte >= end:
            continue
        if current.type in _COMMENTS:
            return True
        if current.type in _LITERAL_TOKENS:
            continue
        stack.extend(current.children)
    return False


def string_value(raw: str) -> str:
    """The value of a JavaScript string literal given with its quotes."""
    body = raw[1:-1]
    if "\\" not in body:
        return body

    def cooked(match: re.Match[str]) -> str:
        escape = match.group(1)
        head = escape[0]
        if head == "u" and escape.startswith("u{"):
            return _char(int(escape[2:-1], 16))
        if head == "u" and len(escape) == 5:
            return _char(int(escape[1:], 16))
        if head == "x" and len(escape) == 3:
            return chr(int(escape[1:], 16))
        if head in "01234567" and (len(escape) > 1 or head != "0"):
            return chr(int(escape, 8))
        if escape in ("\n", "\r", "\r\n", "\u2028", "\u2029"):
            return ""  # a line continuation
        return _SIMPLE_ESCAPES.get(escape, escape)

    return _ESCAPE.sub(cooked, body)


def name_value(source: ParsedSource, node: Node) -> str | None:
    """The name an identifier or string literal stands for, escapes decoded."""
    text = source.node_text(node)
    if node.type == "string":
        return string_value(text)
    if node.type in _IDENTIFIERS:
        return string_value(f'"{text}"') if "\\" in text else text
    return None


def number_name(raw: str) -> str | None:
    """JavaScript's ``String(n)`` for a number literal (None for a BigInt or odd input)."""
    text = raw.replace("_", "")
    if text.endswith("n"):
        return None
    try:
        if text[:2].lower() in ("0x", "0o", "0b"):
            value = float(int(text, 0))
        elif len(text) > 1 and text[0] == "0" and text.isdigit():
            value = float(int(text, 8 if set(text) <= set("01234567") else 10))
        else:
            value = float(text)
    except ValueError:
        return None
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _char(code: int) -> str:
    return chr(code) if code <= 0x10FFFF else "\ufffd"


def _is_word_char(char: str) -> bool:
    """Whether ``char`` may continue an identifier, a keyword or a number."""
    return char.isalnum() or char in "_$\\" or (ord(char) > 0x7F and char.isidentifier())


def can_tokens_be_adjacent(left: str, right: str) -> bool:
    """Whether the token texts ``left`` and ``right`` stay two tokens when joined.

    A simplification of ESLint's ``canTokensBeAdjacent`` that covers what the
    rules here join: words and numbers, punctuators that would merge, and
    comments or regexes next to a slash.
    """
    if not left or not right:
        return True
    last, first = left[-1], right[0]
    if _is_word_char(last) and (_is_word_char(first) or first == "#"):
        return False
    if first == "." and left[-1].isdigit() and not left.startswith(("'", '"', "`")):
        return False
    if last in "+-" and first == last:
        return False
    if last == "/" and first in "/*":
        return False
    if first == "/" and last in "/*" and not left.startswith(("'", '"', "`")):
        return False
    if last == "." and first.isdigit():
        return False
    punct = "=<>!&|?*%^+-/:"
    return not (last in punct and first in "=" and len(left) <= 3 and not left[0].isalnum())
