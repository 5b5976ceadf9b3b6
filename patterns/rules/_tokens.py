"""Helpers every rule family shares: walking to a neighbouring token, operator
precedence. (Finding a word in the source bytes: :mod:`patterns._bytes`.)

Rule families define "token" slightly differently (which nodes are opaque, whether
zero-width nodes count), so the walks take the family's own edge-token function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tree_sitter import Node

__all__ = ["BINARY_PRECEDENCE", "token_after", "token_before"]

EdgeToken = Callable[[Node], Node | None]

#: ESTree binary/logical operator precedence (ESLint's ``getPrecedence``).
BINARY_PRECEDENCE: Final = {
    "??": 4, "||": 4, "&&": 5, "|": 6, "^": 7, "&": 8,
    "==": 9, "!=": 9, "===": 9, "!==": 9,
    "<": 10, "<=": 10, ">": 10, ">=": 10, "in": 10, "instanceof": 10,
    "<<": 11, ">>": 11, ">>>": 11,
    "+": 12, "-": 12, "*": 13, "/": 13, "%": 13, "**": 15,
}


def token_after(node: Node, first_token: EdgeToken) -> Node | None:
    """The first token after ``node`` in the whole tree (ESLint's ``getTokenAfter``)."""
    current: Node | None = node
    while current is not None:
        sibling = current.next_sibling
        while sibling is not None:
            token = first_token(sibling)
            if token is not None:
                return token
            sibling = sibling.next_sibling
        current = current.parent
    return None


def token_before(node: Node, last_token: EdgeToken) -> Node | None:
    """The last token before ``node`` in the whole tree (ESLint's ``getTokenBefore``)."""
    current: Node | None = node
    while current is not None:
        sibling = current.prev_sibling
        while sibling is not None:
            token = last_token(sibling)
            if token is not None:
                return token
            sibling = sibling.prev_sibling
        current = current.parent
    return None
