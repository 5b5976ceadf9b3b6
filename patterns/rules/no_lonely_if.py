"""no-lonely-if: an ``if`` that is the only statement of an ``else`` block should
be an ``else if``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/no-lonely-if). The fix
replaces the ``else`` block by the inner ``if`` statement, and is withheld
where ESLint withholds it: when a comment sits in the block outside the
``if`` (it would be lost), and when the inner ``if`` ends in a statement
without a semicolon whose next line could then join it (ASI hazards). Blocks
whose braces are needed (``if (a) if (b) {} else { if (c) {} } else {}``)
are not reported at all.

Reliability 1.0: the rewrite is purely syntactic and cannot change what the
code does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import sort_in_document_order
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._token_nav import COMMENTS, last_token, line_of, next_token, previous_token, span

__all__ = ["NoLonelyIf"]

MESSAGE: Final = "Unexpected if as the only statement in an else block."
_HAZARD_START: Final = re.compile(r"^[(\[/+`-]")
_LOOP_BODIES: Final = frozenset(
    {"for_statement", "for_in_statement", "while_statement", "labeled_statement", "with_statement"}
)


def _statements(block: Node) -> list[Node]:
    return [c for c in block.named_children if c.type not in COMMENTS]


def _has_unsafe_if(node: Node | None) -> bool:
    """Whether ``node`` ends in an ``if`` without ``else`` (a dangling-else trap)."""
    while node is not None:
        if node.type == "if_statement":
            alternative = node.child_by_field_name("alternative")
            if alternative is None:
                return True
            node = _statements(alternative)[0] if _statements(alternative) else None
        elif node.type in _LOOP_BODIES:
            node = node.child_by_field_name("body")
        else:
            return False
    return False


class NoLonelyIf(Rule):
    name: ClassVar[str] = "no-lonely-if"
    description: ClassVar[str] = "Disallow if statements as the only statement in else blocks"
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        fixable = not ctx.source.has_errors
        blocks = [
            child
            for clause in ctx.source.nodes_of("else_clause")
            for child in clause.named_children
            if child.type == "statement_block"
        ]
        sort_in_document_order(blocks)
        for block in blocks:
            problem = self._check_else(ctx, block, fixable)
            if problem is not None:
                yield problem

    def _check_else(self, ctx: RuleContext, block: Node, fixable: bool) -> Problem | None:
        body = _statements(block)
        if len(body) != 1 or body[0].type != "if_statement":
            return None
        inner = body[0]
        after_block = next_token(block)
        if _has_unsafe_if(inner) and after_block is not None and after_block.type == "else":
            return None
        start, end = span(inner)
        fix = self._fix(ctx, block, inner, after_block) if fixable else None
        return ctx.problem(MESSAGE, start, end, fix)

    @staticmethod
    def _fix(ctx: RuleContext, block: Node, inner: Node, after: Node | None) -> TextEdit | None:
        data = ctx.source.data
        start, end = span(inner)
        opening, closing = block.children[0], block.children[-1]
        if data[opening.end_byte : start].strip() or data[end : closing.start_byte].strip():
            return None  # a comment would be lost
        consequence = inner.child_by_field_name("consequence")
        if consequence is None:
            return None
        last = last_token(consequence)
        if (
            consequence.type != "statement_block"
            and last is not None
            and last.type != ";"
            and after is not None
        ):
            text = ctx.source.node_text(after)
            source = ctx.source
            same_line = line_of(source, last.end_byte) == line_of(source, after.start_byte)
            if same_line or _HAZARD_START.match(text) or last.type in ("++", "--"):
                return None
        keyword = previous_token(block)
        glue = " " if keyword is not None and keyword.end_byte == opening.start_byte else ""
        return ctx.edit(
            opening.start_byte, closing.end_byte, glue + ctx.source.byte_text(start, end)
        )
