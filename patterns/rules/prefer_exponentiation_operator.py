"""prefer-exponentiation-operator: ``a ** b`` instead of ``Math.pow(a, b)``.

Follows ESLint 9
(https://eslint.org/docs/latest/rules/prefer-exponentiation-operator): every
call of the global ``Math.pow`` is reported, however it is reached (see
:mod:`._reference_tracker`). The fix, only for exactly two plain arguments and
no comment inside the call, writes ``base**exponent`` with the parentheses
precedence needs: around a base that binds no tighter than ``**`` or is a
unary/await expression, around an exponent that binds looser, and around the
whole when the context binds tighter (unless it is already parenthesised). A
space is added where the new first or last token would fuse with its
neighbour (``a+ ++b**c``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Final

from tree_sitter import Node

from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._function_forms import (
    can_be_adjacent,
    first_token,
    has_comment_in,
    last_token,
    next_token,
    previous_token,
    token_kind,
    unparen,
)
from ._reference_tracker import global_calls
from ._tokens import BINARY_PRECEDENCE

__all__ = ["PreferExponentiationOperator"]

MESSAGE: Final = "Use the '**' operator instead of 'Math.pow'."

_EXPONENTIATION: Final = 15
_BINARY_PRECEDENCE: Final = BINARY_PRECEDENCE
_PRECEDENCE: Final = {
    "sequence_expression": 0,
    "assignment_expression": 1,
    "augmented_assignment_expression": 1,
    "arrow_function": 1,
    "yield_expression": 1,
    "ternary_expression": 3,
    "unary_expression": 16,
    "await_expression": 16,
    "update_expression": 17,
    "call_expression": 18,
    "new_expression": 19,
    # TypeScript nodes ESLint does not know: assumed to bind loosest.
    "as_expression": -1,
    "satisfies_expression": -1,
    "non_null_expression": -1,
    "type_assertion": -1,
}
# Parents that bind at least as tightly as `**` (ESTree types ending in
# "Expression"), so that the replacement needs parentheses there.
_TIGHT_PARENTS: Final = frozenset(
    {
        "unary_expression",
        "await_expression",
        "call_expression",
        "new_expression",
        "member_expression",
        "subscript_expression",
        "class",
        "class_heritage",
        "extends_clause",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
    }
)


def _precedence(node: Node) -> int:
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        return _BINARY_PRECEDENCE.get(operator.type if operator else "", 20)
    return _PRECEDENCE.get(node.type, 20)


def _parenthesised(node: Node) -> bool:
    """ESLint's token test: a ``(`` right before and a ``)`` right after."""
    before = previous_token(node)
    after = next_token(node)
    return before is not None and after is not None and before.type == "(" and after.type == ")"


def _whole_needs_parens(call: Node) -> bool:
    parent = call.parent
    if parent is None or parent.type not in _TIGHT_PARENTS and parent.type != "binary_expression":
        return False
    kind = parent.type
    if kind == "binary_expression":
        operator = parent.child_by_field_name("operator")
        if operator is None or operator.type != "**" or parent.child_by_field_name("right") == call:
            return False
    elif kind in ("call_expression", "new_expression"):
        field = "function" if kind == "call_expression" else "constructor"
        args = parent.child_by_field_name("arguments")
        if parent.child_by_field_name(field) != call and (args is None or args.type == "arguments"):
            return False  # an argument (a tagged template's tag stays tight)
    elif kind == "subscript_expression" and parent.child_by_field_name("index") == call:
        return False
    return not _parenthesised(call)


class PreferExponentiationOperator(Rule):
    """Reliability 0.9: the rewrite itself is mechanical, but finding
    ``Math.pow`` depends on scope analysis (shadowing, aliases, globals) and
    ``**`` differs from ``Math.pow`` for BigInt arguments (it works where
    ``Math.pow`` throws)."""

    name: ClassVar[str] = "prefer-exponentiation-operator"
    description: ClassVar[str] = "Disallow the use of `Math.pow` in favor of the `**` operator"
    default_reliability: ClassVar[float] = 0.9
    fix_kind = "code"
    options_schema = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        for call in global_calls(ctx, ("Math", "pow")):
            yield ctx.problem(MESSAGE, call.start_byte, call.end_byte, self._fix(ctx, call))

    @staticmethod
    def _fix(ctx: RuleContext, call: Node) -> TextEdit | None:
        source = ctx.source
        args_node = call.child_by_field_name("arguments")
        if args_node is None:
            return None
        args = [c for c in args_node.named_children if c.type not in ("comment", "html_comment")]
        if len(args) != 2 or any(a.type == "spread_element" for a in args):
            return None
        if has_comment_in(call, call.start_byte, call.end_byte):
            return None
        base, exponent = unparen(args[0]), unparen(args[1])
        base_parens = _precedence(base) <= _EXPONENTIATION or base.type in (
            "unary_expression",
            "await_expression",
        )
        exponent_parens = _precedence(exponent) < _EXPONENTIATION
        whole_parens = _whole_needs_parens(call)
        base_text = source.node_text(base)
        exponent_text = source.node_text(exponent)
        if base_parens:
            base_text = f"({base_text})"
        if exponent_parens:
            exponent_text = f"({exponent_text})"
        replacement = f"{base_text}**{exponent_text}"
        if whole_parens:
            return ctx.edit(call.start_byte, call.end_byte, f"({replacement})")
        prefix = suffix = ""
        before = previous_token(call)
        if before is not None and before.end_byte == call.start_byte:
            first = ("Punctuator", "(") if base_parens else _token(ctx, first_token(base))
            if first is not None and not can_be_adjacent(_token(ctx, before), first):
                prefix = " "
        after = next_token(call)
        if after is not None and after.start_byte == call.end_byte:
            last = ("Punctuator", ")") if exponent_parens else _token(ctx, last_token(exponent))
            if last is not None and not can_be_adjacent(last, _token(ctx, after)):
                suffix = " "
        return ctx.edit(call.start_byte, call.end_byte, f"{prefix}{replacement}{suffix}")


def _token(ctx: RuleContext, token: Node | None) -> tuple[str, str]:
    if token is None:
        return ("Punctuator", "")
    text = ctx.source.node_text(token)
    return (token_kind(token, text), text)
