"""prefer-numeric-literals: ``parseInt("1F7", 16)`` should be the literal ``0x1F7``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/prefer-numeric-literals):
a call of ``parseInt`` or ``Number.parseInt`` (optional chaining and parentheses
allowed) with exactly two arguments, a static string or template and the radix
2, 8 or 16 as a number literal, is reported. The fix writes the binary
(``0b``), octal (``0o``) or hexadecimal (``0x``) literal; it is withheld when
the call holds a comment, or when the literal would not have the value the
call returns (``parseInt("19", 8)`` stops at the ``9``; ``"1_0"`` has a
separator that ``parseInt`` does not read). A space is added where the literal
would otherwise run into a neighbouring word (``yield(parseInt)("A", 16)``).

Reliability 1.0: the literal is checked to have exactly the call's value, and
the rule only matches the global names, which code rarely shadows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._bytes import contains_any
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._estree import (
    COMMENTS,
    can_tokens_be_adjacent,
    comments_between,
    static_property_name,
    token_after,
    token_before,
    token_kind,
    unparen,
)
from ._literals import number_value, static_template_value, string_value

__all__ = ["PreferNumericLiterals"]

_RADIXES: Final = {
    2: ("binary", "0b", re.compile(r"[01]+")),
    8: ("octal", "0o", re.compile(r"[0-7]+")),
    16: ("hexadecimal", "0x", re.compile(r"[0-9a-fA-F]+")),
}
# What JavaScript's StringToNumber trims (WhiteSpace and LineTerminator).
_JS_SPACE: Final = "\t\n\v\f\r \xa0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    chr(c) for c in range(0x2000, 0x200B)
)


_CALLEE_STARTS: Final = (b"parseInt", b"Number", b"(")


def _is_parse_int(callee: Node, source: ParsedSource) -> bool:
    """``parseInt`` or ``Number.parseInt`` (also ``Number?.parseInt``, ``Number["parseInt"]``)."""
    callee = unparen(callee)
    if callee.type == "identifier":
        return _has_text(callee, source, b"parseInt")
    if callee.type not in ("member_expression", "subscript_expression"):
        return False
    obj = callee.child_by_field_name("object")
    if obj is None:
        return False
    obj = unparen(obj)
    return (
        obj.type == "identifier"
        and _has_text(obj, source, b"Number")
        and static_property_name(callee, source) == "parseInt"
    )


def _has_text(node: Node, source: ParsedSource, text: bytes) -> bool:
    """Whether the source text of ``node`` is ``text`` (compared as bytes: no decoding)."""
    start = node.start_byte
    return node.end_byte - start == len(text) and source.data[start : node.end_byte] == text


def _static_string(node: Node, source: ParsedSource) -> str | None:
    """The value of a string literal or a template without substitutions."""
    node = unparen(node)
    if node.type == "string":
        return string_value(source.node_text(node))
    return static_template_value(node, source)


def _radix(node: Node, source: ParsedSource) -> int | None:
    node = unparen(node)
    if node.type != "number":
        return None
    value = number_value(source.node_text(node))
    if not isinstance(value, float) or not value.is_integer():
        return None
    return int(value)


def _same_value(digits: str, pattern: re.Pattern[str]) -> bool:
    """Whether the literal ``<prefix><digits>`` equals ``parseInt(digits, radix)``.

    The literal is read by StringToNumber, which trims trailing white space and
    fails on anything else that is not a digit; parseInt stops at the first
    non-digit. Both agree exactly when what is left is all digits.
    """
    return pattern.fullmatch(digits.rstrip(_JS_SPACE)) is not None


class PreferNumericLiterals(Rule):
    name: ClassVar[str] = "prefer-numeric-literals"
    description: ClassVar[str] = (
        "Disallow parseInt() and Number.parseInt() in favor of binary, octal, "
        "and hexadecimal literals"
    )
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        # The callee is the identifier `parseInt` or a member of the identifier
        # `Number` (its key may be an escaped string): either word is in the text.
        if not contains_any(source.data, (b"parseInt", b"Number")):
            return
        data = source.data
        # Without syntax errors a call starts with its callee: `parseInt`,
        # `Number` (the object of the member) or a parenthesis.
        prefilter = not source.has_errors
        for node in source.nodes_of("call_expression"):
            if prefilter and not data.startswith(_CALLEE_STARTS, node.start_byte):
                continue
            callee = node.child_by_field_name("function")
            if callee is None or not _is_parse_int(callee, source):
                continue  # most calls: settled before looking at anything else
            if node.has_error:
                continue
            arguments = node.child_by_field_name("arguments")
            if arguments is None or arguments.type != "arguments":
                continue
            args = [c for c in arguments.named_children if c.type not in COMMENTS]
            if len(args) != 2:
                continue
            digits = _static_string(args[0], source)
            radix = _radix(args[1], source)
            if digits is None or radix not in _RADIXES:
                continue
            system, prefix, pattern = _RADIXES[radix]
            name = source.node_text(unparen(callee))
            message = f"Use {system} literals instead of {name}()."
            fix = None
            if _same_value(digits, pattern) and not comments_between(
                node, node.start_byte, node.end_byte
            ):
                fix = self._fix(ctx, node, prefix + digits)
            yield ctx.problem(message, node.start_byte, node.end_byte, fix)

    @staticmethod
    def _fix(ctx: RuleContext, node: Node, literal: str) -> TextEdit:
        source = ctx.source
        before = token_before(node)
        after = token_after(node)
        prefix = suffix = ""
        if (
            before is not None
            and before.end_byte == node.start_byte
            and not can_tokens_be_adjacent(
                token_kind(before, source), source.node_text(before), "Numeric", literal
            )
        ):
            prefix = " "
        if (
            after is not None
            and after.start_byte == node.end_byte
            and not can_tokens_be_adjacent(
                "Numeric", literal, token_kind(after, source), source.node_text(after)
            )
        ):
            suffix = " "
        return ctx.edit(node.start_byte, node.end_byte, prefix + literal + suffix)
