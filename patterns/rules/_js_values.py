"""Values of JavaScript literals, as ESLint's ``Literal.value`` gives them."""

from __future__ import annotations

import re
from typing import Final

from tree_sitter import Node

__all__ = ["cook", "static_string_value"]

_ESCAPE: Final = re.compile(
    r"\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([0-7]{1,3})|(\r\n|[\s\S]))"
)
_SIMPLE: Final = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\n": "",
    "\r\n": "",
    "\r": "",
    "\u2028": "",
    "\u2029": "",
}


def _unescape(match: re.Match[str]) -> str:
    braced, four, two, octal, other = match.groups()
    if braced is not None:
        return chr(int(braced, 16)) if int(braced, 16) <= 0x10FFFF else ""
    if four is not None:
        return chr(int(four, 16))
    if two is not None:
        return chr(int(two, 16))
    if octal is not None:
        # Legacy octal escapes stop at \377.
        if int(octal, 8) > 0o377:
            return chr(int(octal[:2], 8)) + octal[2:]
        return chr(int(octal, 8))
    return _SIMPLE.get(other, other)


def cook(raw: str) -> str:
    """The value of a string or template piece from its raw text (no quotes).

    Lone surrogates from ``\\uD800``-style escapes are kept as they are.
    """
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(_unescape, raw)


def static_string_value(node: Node, data: bytes) -> str | None:
    """The value of a string literal or a template literal without ``${}``.

    None for anything else (including templates with substitutions).
    """
    if node.type not in ("string", "template_string"):
        return None
    if node.type == "template_string" and any(
        child.type == "template_substitution" for child in node.children
    ):
        return None
    raw = data[node.start_byte + 1 : node.end_byte - 1].decode("utf-8", "surrogatepass")
    if node.type == "template_string" and "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    return cook(raw)
