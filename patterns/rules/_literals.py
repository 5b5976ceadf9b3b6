"""JavaScript literal values for the expression rules: what ESLint reads from an
ESTree ``Literal`` (``node.value``, ``regex``, ``bigint``), cooked template
strings, ``String(number)`` and the ``<=`` comparison of two literal values.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final, TypeAlias

from tree_sitter import Node

from ..parsing import ParsedSource

__all__ = [
    "BigInt",
    "JsNull",
    "JsValue",
    "Regex",
    "is_literal",
    "js_less_equal",
    "js_number_string",
    "literal_value",
    "number_value",
    "static_template_value",
    "string_value",
]


class JsNull:
    """JavaScript's ``null``."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsNull)

    def __hash__(self) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class BigInt:
    value: int


@dataclass(frozen=True, slots=True)
class Regex:
    pattern: str
    flags: str


JsValue: TypeAlias = "str | float | bool | JsNull | BigInt | Regex"

_SIMPLE_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_ESCAPE: Final = re.compile(
    r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[0-7]{1,3}|[\s\S])"
)


def _cook(body: str) -> str:
    if "\\" not in body:
        return body

    def cooked(match: re.Match[str]) -> str:
        escape = match.group(1)
        head = escape[0]
        if escape.startswith("u{"):
            code = int(escape[2:-1], 16)
            return chr(code) if code <= 0x10FFFF else "\ufffd"
        if head == "u" and len(escape) == 5:
            return chr(int(escape[1:], 16))
        if head == "x" and len(escape) == 3:
            return chr(int(escape[1:], 16))
        if head in "01234567":
            return chr(int(escape, 8))
        if escape in ("\n", "\r", "\r\n", "\u2028", "\u2029"):
            return ""  # a line continuation
        return _SIMPLE_ESCAPES.get(escape, escape)

    return _ESCAPE.sub(cooked, body)


def string_value(raw: str) -> str:
    """The value of a string literal given with its quotes."""
    return _cook(raw[1:-1])


def static_template_value(node: Node, source: ParsedSource) -> str | None:
    """The cooked value of a template literal without substitutions, else None."""
    if node.type != "template_string" or any(
        c.type == "template_substitution" for c in node.children
    ):
        return None
    return _cook(source.node_text(node)[1:-1])


def number_value(raw: str) -> float | BigInt:
    """The value of a numeric literal (a BigInt for ``123n``)."""
    text = raw.replace("_", "")
    if text.endswith("n"):
        return BigInt(int(text[:-1], 0))
    lower = text.lower()
    if lower.startswith(("0x", "0o", "0b")):
        return float(int(lower, 0))
    if len(text) > 1 and text[0] == "0" and text.isdigit():
        # A legacy octal literal, or a decimal one when a digit is 8 or 9.
        return float(int(text, 8)) if all(c in "01234567" for c in text) else float(text)
    return float(text)


def is_literal(node: Node) -> bool:
    """Whether ``node`` is an ESTree Literal (string, number, regex, boolean, null)."""
    return node.type in ("string", "number", "regex", "true", "false", "null")


def literal_value(node: Node, source: ParsedSource) -> JsValue | None:
    """The value of an ESTree Literal node, None for any other node."""
    kind = node.type
    if kind == "string":
        return string_value(source.node_text(node))
    if kind == "number":
        return number_value(source.node_text(node))
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "null":
        return JsNull()
    if kind == "regex":
        pattern = node.child_by_field_name("pattern")
        flags = node.child_by_field_name("flags")
        return Regex(
            source.node_text(pattern) if pattern is not None else "",
            source.node_text(flags) if flags is not None else "",
        )
    return None


def js_number_string(value: float) -> str:
    """JavaScript's ``String(number)``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # The shortest round-tripping digits, as repr finds them.
    mantissa = repr(abs(value))
    point: int
    if "e" in mantissa:
        mantissa, _, exponent_text = mantissa.partition("e")
        exponent = int(exponent_text)
        digits = mantissa.replace(".", "")
        point = exponent + 1
    else:
        whole, _, fraction = mantissa.partition(".")
        fraction = fraction.rstrip("0")
        if whole != "0":
            digits = whole + fraction
            point = len(whole)
        else:
            stripped = fraction.lstrip("0")
            point = -(len(fraction) - len(stripped))
            digits = stripped
    digits = digits.rstrip("0") or "0"
    digits = digits.lstrip("0") or "0"
    count = len(digits)
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    exponent = point - 1
    exp = f"e{'+' if exponent >= 0 else '-'}{abs(exponent)}"
    if count == 1:
        return sign + digits + exp
    return sign + digits[0] + "." + digits[1:] + exp


def _to_number(value: JsValue) -> float | BigInt | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float | BigInt):
        return value
    if isinstance(value, JsNull):
        return 0.0
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            if text.lower().startswith(("0x", "0o", "0b")):
                return float(int(text, 0))
            return float(text)
        except ValueError:
            return math.nan
    return math.nan  # a regex (an object): NaN unless compared as strings


def _to_primitive_string(value: JsValue) -> str:
    if isinstance(value, Regex):
        return f"/{value.pattern}/{value.flags}"
    return str(value)


def js_less_equal(left: JsValue, right: JsValue) -> bool:
    """JavaScript's ``left <= right`` for two literal values."""
    if isinstance(left, Regex) or isinstance(right, Regex):
        left_p: JsValue = _to_primitive_string(left) if isinstance(left, Regex) else left
        right_p: JsValue = _to_primitive_string(right) if isinstance(right, Regex) else right
        return js_less_equal(left_p, right_p)
    if isinstance(left, str) and isinstance(right, str):
        return left.encode("utf-16-be", "surrogatepass") <= right.encode(
            "utf-16-be", "surrogatepass"
        )
    a = _to_number(left)
    b = _to_number(right)
    if a is None or b is None:
        return False
    x = a.value if isinstance(a, BigInt) else a
    y = b.value if isinstance(b, BigInt) else b
    if isinstance(x, float) and math.isnan(x) or isinstance(y, float) and math.isnan(y):
        return False
    return x <= y
