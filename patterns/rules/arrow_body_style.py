"""arrow-body-style: braces around arrow function bodies, as needed, always or never.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/arrow-body-style) and
its fixes:

- ``{ return x; }`` becomes ``x``: the braces, ``return`` and the final ``;``
  go, with the blanks next to them unless a comment sits there (then only the
  tokens go). The value is parenthesised when it starts with ``{``, is a
  sequence, or holds an ``in`` inside a ``for`` loop's initialiser (where a
  bare ``in`` would read as a for-in). No fix when the next token after the
  block could continue the expression across a line break (ASI).
- ``x`` becomes ``{return x}``; a parenthesised object literal loses the
  parentheses it needed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import IN
from ..exceptions import InvalidRuleOptions
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._function_forms import (
    first_token,
    has_comment_in,
    last_token,
    merge_edits,
    next_token,
    unparen,
)

__all__ = ["ArrowBodyStyle"]

_BLOCK: Final = "Unexpected block statement surrounding arrow body."
MESSAGES: Final = {
    "unexpectedOtherBlock": _BLOCK,
    "unexpectedEmptyBlock": _BLOCK,
    "unexpectedObjectBlock": _BLOCK[:-1]
    + "; parenthesize the returned value and move it immediately after the `=>`.",
    "unexpectedSingleBlock": _BLOCK[:-1] + "; move the returned value immediately after the `=>`.",
    "expectedBlock": "Expected block statement surrounding arrow body.",
}

# Tokens that would continue an expression across a line break.
_ASI_HAZARDS: Final = ("(", "[", "/", "+", "-")


def _statements(block: Node) -> list[Node]:
    return [c for c in block.named_children if c.type not in ("comment", "html_comment")]


def _in_for_initializer(node: Node) -> bool:
    child = node
    parent = node.parent
    while parent is not None:
        if parent.type == "for_statement":
            init = parent.child_by_field_name("initializer")
            if init is not None and init.id == child.id:
                return True
        child, parent = parent, parent.parent
    return False


class ArrowBodyStyle(Rule):
    """Reliability 0.95: a purely syntactic rewrite of one arrow function. The
    fix keeps comments, adds the parentheses the grammar needs and is withheld
    on ASI hazards, so it does not change behaviour."""

    name: ClassVar[str] = "arrow-body-style"
    description: ClassVar[str] = "Require braces around arrow function bodies"
    default_reliability: ClassVar[float] = 0.95
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = (
        "as-needed",
        {"requireReturnForObjectLiteral": False},
    )
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        if options[0] not in ("as-needed", "always", "never"):
            raise InvalidRuleOptions(self.name, 'option must be "as-needed", "always" or "never"')
        if not isinstance(options[1]["requireReturnForObjectLiteral"], bool):
            raise InvalidRuleOptions(self.name, "requireReturnForObjectLiteral must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        arrows = ctx.source.nodes_of("arrow_function")
        if not arrows:
            return
        # Start bytes of the `a in b` expressions.
        in_operators = [n.start_byte for n in ctx.source.nodes_shaped(IN)]
        mode = ctx.options[0]
        object_needs_return = (
            mode == "as-needed" and ctx.options[1]["requireReturnForObjectLiteral"]
        )
        for arrow in arrows:
            body = arrow.child_by_field_name("body")
            if body is None:
                continue
            if body.type == "statement_block":
                index = bisect_left(in_operators, arrow.start_byte)
                has_in = index < len(in_operators) and in_operators[index] < arrow.end_byte
                problem = self._check_block(ctx, arrow, body, mode, object_needs_return, has_in)
                if problem is not None:
                    yield problem
            elif mode == "always" or (object_needs_return and unparen(body).type == "object"):
                value = unparen(body)
                yield ctx.problem(
                    MESSAGES["expectedBlock"],
                    value.start_byte,
                    value.end_byte,
                    self._add_block(ctx, arrow, body),
                )

    def _check_block(
        self,
        ctx: RuleContext,
        arrow: Node,
        block: Node,
        mode: str,
        object_needs_return: bool,
        has_in: bool,
    ) -> Problem | None:
        statements = _statements(block)
        never = mode == "never"
        if len(statements) != 1 and not never:
            return None
        single = statements[0] if len(statements) == 1 else None
        returned = self._returned(single)
        if object_needs_return and returned is not None and unparen(returned).type == "object":
            return None
        is_return = single is not None and single.type == "return_statement"
        if not (never or (mode == "as-needed" and is_return)):
            return None
        if not statements:
            message_id = "unexpectedEmptyBlock"
        elif single is None or not is_return:
            message_id = "unexpectedOtherBlock"
        elif returned is None:
            message_id = "unexpectedSingleBlock"
        else:
            value_start = self._value_start(single)
            is_object = value_start is not None and value_start.type == "{"
            message_id = "unexpectedObjectBlock" if is_object else "unexpectedSingleBlock"
        fix = None
        if single is not None and returned is not None:
            fix = self._remove_block(ctx, arrow, block, single, returned, has_in)
        return ctx.problem(MESSAGES[message_id], block.start_byte, block.end_byte, fix)

    @staticmethod
    def _returned(statement: Node | None) -> Node | None:
        """The argument of a return statement (None for `return;` or another statement)."""
        if statement is None or statement.type != "return_statement":
            return None
        values = [c for c in statement.named_children if c.type not in ("comment", "html_comment")]
        return values[0] if values else None

    @staticmethod
    def _value_start(statement: Node) -> Node | None:
        keyword = first_token(statement)
        return next_token(keyword) if keyword is not None else None

    def _remove_block(
        self,
        ctx: RuleContext,
        arrow: Node,
        block: Node,
        statement: Node,
        returned: Node,
        has_in: bool,
    ) -> TextEdit | None:
        source = ctx.source
        after = next_token(block)
        if (
            after is not None
            and not after.is_named
            and source.node_text(after).startswith(_ASI_HAZARDS)
        ):
            return None
        opening = first_token(block)
        closing = last_token(block)
        keyword = first_token(statement)
        first_value = self._value_start(statement)
        last_value = last_token(statement)
        if None in (opening, closing, keyword, first_value, last_value):
            return None
        assert opening and closing and keyword and first_value and last_value
        edits: list[tuple[int, int, str]] = []
        if has_comment_in(block, opening.end_byte, first_value.start_byte) or has_comment_in(
            block, last_value.end_byte, closing.start_byte
        ):
            edits += [
                (opening.start_byte, opening.end_byte, ""),
                (closing.start_byte, closing.end_byte, ""),
                (keyword.start_byte, keyword.end_byte, ""),
            ]
        else:
            edits += [
                (opening.start_byte, first_value.start_byte, ""),
                (last_value.end_byte, closing.end_byte, ""),
            ]
        needs_parens = (
            first_value.type == "{"
            or returned.type == "sequence_expression"
            or (has_in and _in_for_initializer(arrow))
        )
        if needs_parens and returned.type != "parenthesized_expression":
            edits += [
                (first_value.start_byte, first_value.start_byte, "("),
                (last_value.end_byte, last_value.end_byte, ")"),
            ]
        if last_value.type == ";":
            edits.append((last_value.start_byte, last_value.end_byte, ""))
        start, end, text = merge_edits(source.data, edits)
        return ctx.edit(start, end, text)

    @staticmethod
    def _add_block(ctx: RuleContext, arrow: Node, body: Node) -> TextEdit | None:
        source = ctx.source
        first = first_token(body)
        last = last_token(arrow)
        if first is None or last is None:
            return None
        second = next_token(first)
        edits: list[tuple[int, int, str]] = []
        literal = None
        if first.type == "(" and second is not None and second.type == "{":
            parent = second.parent
            if parent is not None and parent.type == "object":
                literal = parent
        if literal is not None and second is not None:
            if _same_line(source, first.end_byte, second.start_byte):
                edits.append((first.start_byte, first.end_byte, "{return "))
            else:
                edits += [
                    (first.start_byte, first.end_byte, "{"),
                    (second.start_byte, second.start_byte, "return "),
                ]
            closing = next_token(literal)
            while closing is not None and closing.type != ")":
                closing = next_token(closing)
            if closing is None:
                return None
            edits.append((closing.start_byte, closing.end_byte, ""))
        else:
            edits.append((first.start_byte, first.start_byte, "{return "))
        edits.append((last.end_byte, last.end_byte, "}"))
        start, end, text = merge_edits(source.data, edits)
        return ctx.edit(start, end, text)


def _same_line(source: ParsedSource, start_byte: int, end_byte: int) -> bool:
    between = source.data[start_byte:end_byte]
    return not any(mark in between for mark in (b"\n", b"\r", "\u2028".encode(), "\u2029".encode()))
