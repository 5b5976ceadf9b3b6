"""no-extra-boolean-cast: ``!!x`` and ``Boolean(x)`` are redundant where the value
is used as a boolean anyway (``if (!!x)``, ``!Boolean(x)``, ``x ? ...``).

Follows ESLint 9 (https://eslint.org/docs/latest/rules/no-extra-boolean-cast).
Boolean contexts are the tests of ``if``, ``while``, ``do``, ``for`` and
``?:``, the operand of ``!`` and the first argument of ``Boolean(...)`` /
``new Boolean(...)``. With ``enforceForLogicalOperands`` the operands of
``&&``/``||`` in such a context count too; ``enforceForInnerExpressions``
adds the branches of ``?:``, the last expression of a sequence and the right
side of ``??``.

The fix drops the cast, adding parentheses where precedence needs them and a
space where two words would run together (``void!Boolean()`` becomes
``void true``); it is withheld when a comment inside the cast would be lost
and for ``Boolean(...spread)`` or several arguments.

Reliability 1.0: in a boolean context the cast cannot change the outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._bytes import contains_any
from .._node_index import NEGATED_UNARY
from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._estree_view import arguments_of, estree_parent, is_parenthesised, operator_of, precedence
from ._token_nav import (
    first_token,
    has_comment_between,
    previous_token,
    span,
    unparenthesised,
)

__all__ = ["NoExtraBooleanCast"]

NEGATION: Final = "Redundant double negation."
CALL: Final = "Redundant Boolean call."
_TESTED: Final = frozenset({"if_statement", "while_statement", "do_statement", "for_statement"})
_LOGICAL: Final = frozenset({"&&", "||"})


def _is_negation(node: Node | None) -> bool:
    return node is not None and node.type == "unary_expression" and operator_of(node) == "!"


def _is_boolean_call(node: Node | None, source_data: bytes) -> bool:
    """``Boolean(...)`` or ``new Boolean(...)``."""
    if node is None or node.type not in ("call_expression", "new_expression"):
        return False
    field = "function" if node.type == "call_expression" else "constructor"
    callee = node.child_by_field_name(field)
    if callee is None:
        return False
    callee = unparenthesised(callee)
    return (
        callee.type == "identifier"
        and source_data[callee.start_byte : callee.end_byte] == b"Boolean"
    )


def _same(a: Node | None, b: Node | None) -> bool:
    return a is not None and b is not None and a.id == b.id


def _word_like(token: Node | str, data: bytes) -> str:
    """The kind of token ESLint's ``canTokensBeAdjacent`` sees."""
    if isinstance(token, str):
        text = token
        kind = ""
    else:
        text = data[token.start_byte : token.end_byte].decode("utf-8", "surrogatepass")
        kind = token.type
    if kind in ("string", "'", '"') or kind == "template_string" or text[:1] == "`":
        return "string"
    if kind == "regex":
        return "regex"
    if kind == "private_property_identifier" or text[:1] == "#":
        return "private"
    head = text[:1]
    if head.isalnum() or head in "_$\\" or not head.isascii():
        return "word"
    if head == "." and text[1:2].isdigit():
        return "number-dot"
    return "punctuator"


def _can_be_adjacent(left: Node, right: Node | str, data: bytes) -> bool:
    left_kind = _word_like(left, data)
    right_kind = _word_like(right, data)
    left_text = data[left.start_byte : left.end_byte].decode("utf-8", "surrogatepass")
    right_text = (
        right
        if isinstance(right, str)
        else data[right.start_byte : right.end_byte].decode("utf-8", "surrogatepass")
    )
    if left_kind == "punctuator" or right_kind == "punctuator":
        if left_kind == "punctuator" and right_kind == "punctuator":
            plus, minus = ("+", "++"), ("-", "--")
            return not (
                (left_text in plus and right_text in plus)
                or (left_text in minus and right_text in minus)
            )
        if left_kind == "punctuator" and left_text == "/":
            return right_kind != "regex"
        return True
    if "string" in (left_kind, right_kind):
        return True
    if right_kind == "number-dot" or right_kind == "private":
        return True
    return False


class NoExtraBooleanCast(Rule):
    name: ClassVar[str] = "no-extra-boolean-cast"
    description: ClassVar[str] = "Disallow unnecessary boolean casts"
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = (
        {"enforceForLogicalOperands": False, "enforceForInnerExpressions": False},
    )
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        opts = options[0]
        for key, value in opts.items():
            if not isinstance(value, bool):
                raise InvalidRuleOptions(self.name, f"{key} must be a boolean")
        if opts["enforceForLogicalOperands"] and opts["enforceForInnerExpressions"]:
            raise InvalidRuleOptions(
                self.name,
                "use either enforceForLogicalOperands or enforceForInnerExpressions, not both",
            )

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        return _Check(ctx).run()


class _Check:
    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.data = ctx.source.data
        opts = ctx.options[0]
        self.inner = bool(opts["enforceForInnerExpressions"])
        self.logical = bool(opts["enforceForLogicalOperands"]) or self.inner
        self.fixable = not ctx.source.has_errors

    def run(self) -> Iterator[Problem]:
        # A call is a cast only where the callee's text is `Boolean`.
        if contains_any(self.data, (b"Boolean",)):
            kinds: tuple[str, ...] = ("unary_expression", "call_expression")
        else:
            kinds = ("unary_expression",)
        if self.fixable:  # no syntax error: see _candidates
            for is_call, node in self._candidates(kinds):
                problem = self.check_call(node) if is_call else self.check_negation(node)
                if problem is not None:
                    yield problem
            return
        for node in self.ctx.source.nodes_of(*kinds):
            if node.type == "unary_expression":
                problem = self.check_negation(node)
            else:
                problem = self.check_call(node)
            if problem is not None:
                yield problem

    def _candidates(self, kinds: tuple[str, ...]) -> list[tuple[bool, Node]]:
        """The ``!`` expressions and the calls that may call ``Boolean``, in
        document order, each with whether it is a call.

        In a tree without errors a node starts with its first child: a ``!``
        expression with its operator, a call with its callee (``Boolean`` or,
        parenthesised, ``(``), so one byte or two rule out the others unread.
        A ``!`` expression and a call never start at the same byte.
        """
        data = self.data
        source = self.ctx.source
        # Only a `!` over another `!` (maybe parenthesised) can be reported.
        found: list[tuple[int, bool, Node]] = [
            (start, False, node)
            for node in source.nodes_shaped(NEGATED_UNARY)
            if data.startswith(b"!", start := node.start_byte)
        ]
        if "call_expression" in kinds:
            calls = [
                (start, True, node)
                for node in source.nodes_of("call_expression")
                if data.startswith(b"Boolean", start := node.start_byte)
                or data.startswith(b"(", start)
            ]
            if calls:
                found.extend(calls)
                found.sort(key=lambda item: item[0])
        return [(is_call, node) for _, is_call, node in found]

    # -- contexts (ESLint's isInFlaggedContext / isInBooleanContext) --------
    def in_flagged_context(self, node: Node) -> bool:
        while True:
            parent, child = estree_parent(node)
            if parent is None:
                return False
            if self.logical and parent.type == "binary_expression":
                if operator_of(parent) in _LOGICAL:
                    node = parent
                    continue
            if self.inner and self.is_inner_position(parent, child):
                node = parent
                continue
            return self.in_boolean_context(parent, child)

    def is_inner_position(self, parent: Node, child: Node) -> bool:
        kind = parent.type
        if kind == "ternary_expression":
            return _same(child, parent.child_by_field_name("consequence")) or _same(
                child, parent.child_by_field_name("alternative")
            )
        if kind == "sequence_expression":
            items = arguments_of(parent)
            return bool(items) and _same(child, items[-1])
        if kind == "binary_expression" and operator_of(parent) == "??":
            return _same(child, parent.child_by_field_name("right"))
        return False

    def in_boolean_context(self, parent: Node, child: Node) -> bool:
        kind = parent.type
        if kind == "arguments":
            items = arguments_of(parent)
            return (
                _is_boolean_call(parent.parent, self.data)
                and bool(items)
                and _same(child, items[0])
            )
        if kind in _TESTED:
            return _same(child, parent.child_by_field_name("condition"))
        if kind == "ternary_expression":
            return _same(child, parent.child_by_field_name("condition"))
        return _is_negation(parent)

    def needs_parens(self, previous: Node, replacement: Node) -> bool:
        """Whether ``replacement`` needs parentheses where ``previous`` stood."""
        if is_parenthesised(previous):
            return False  # its parentheses stay
        parent, child = estree_parent(previous)
        if parent is None:
            return False
        kind = parent.type
        if kind == "arguments":
            return replacement.type == "sequence_expression"
        if kind in _TESTED or kind == "sequence_expression":
            return False
        if kind == "ternary_expression":
            if _same(child, parent.child_by_field_name("condition")):
                return precedence(replacement) <= precedence(parent)
            return precedence(replacement) < 1
        if kind == "unary_expression":
            return precedence(replacement) < precedence(parent)
        if kind == "binary_expression":
            if self.mixes_coalesce(replacement, parent):
                return True
            if _same(child, parent.child_by_field_name("left")):
                return precedence(replacement) < precedence(parent)
            return precedence(replacement) <= precedence(parent)
        return False

    @staticmethod
    def mixes_coalesce(node: Node, parent: Node) -> bool:
        if node.type != "binary_expression" or parent.type != "binary_expression":
            return False
        inner, outer = operator_of(node), operator_of(parent)
        return (inner in _LOGICAL and outer == "??") or (inner == "??" and outer in _LOGICAL)

    # -- reports -----------------------------------------------------------
    def has_comments(self, node: Node) -> bool:
        start, end = span(node)
        return has_comment_between(node, start, end)

    def replace(self, node: Node, text: str, first: Node | str) -> TextEdit:
        """Replace ``node`` by ``text``, spaced from a word just before it."""
        start, end = span(node)
        before = previous_token(node)
        if (
            before is not None
            and before.end_byte == start
            and not _can_be_adjacent(before, first, self.data)
        ):
            text = " " + text
        return self.ctx.edit(start, end, text)

    def drop_cast(self, node: Node, argument: Node) -> TextEdit:
        """Replace the cast ``node`` by the (unparenthesised) ``argument``."""
        start, end = span(argument)
        text = self.ctx.source.byte_text(start, end)
        if self.needs_parens(node, argument):
            outer_start, outer_end = span(node)
            return self.ctx.edit(outer_start, outer_end, f"({text})")
        first = first_token(argument)
        return self.replace(node, text, first if first is not None else text)

    def check_negation(self, node: Node) -> Problem | None:
        if not _is_negation(node):
            return None
        argument = node.child_by_field_name("argument")
        if argument is None:
            return None
        inner = unparenthesised(argument)
        if not _is_negation(inner) or not self.in_flagged_context(node):
            return None
        fix = None
        target = inner.child_by_field_name("argument")
        if self.fixable and target is not None and not self.has_comments(node):
            fix = self.drop_cast(node, unparenthesised(target))
        start, end = span(node)
        return self.ctx.problem(NEGATION, start, end, fix)

    def check_call(self, node: Node) -> Problem | None:
        arguments = node.child_by_field_name("arguments")
        if arguments is None or arguments.type != "arguments":
            return None
        if not _is_boolean_call(node, self.data) or not self.in_flagged_context(node):
            return None
        fix = self.call_fix(node, arguments_of(arguments)) if self.fixable else None
        start, end = span(node)
        return self.ctx.problem(CALL, start, end, fix)

    def call_fix(self, node: Node, items: list[Node]) -> TextEdit | None:
        if not items:
            parent, _ = estree_parent(node)
            if _is_negation(parent):
                assert parent is not None
                if self.has_comments(parent):
                    return None
                return self.replace(parent, "true", "true")  # !Boolean() is true
            if self.has_comments(node):
                return None
            start, end = span(node)
            return self.ctx.edit(start, end, "false")  # Boolean() is false
        if len(items) > 1 or items[0].type == "spread_element" or self.has_comments(node):
            return None
        return self.drop_cast(node, unparenthesised(items[0]))
