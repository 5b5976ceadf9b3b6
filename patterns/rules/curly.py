"""curly: braces around the bodies of ``if``, ``else``, loops and ``do``.

Options, as ESLint's: ``"all"`` (the default: always braces), ``"multi"``
(braces only around several statements), ``"multi-line"`` (braces unless the
body sits on the line of its head), ``"multi-or-nest"`` (braces when the body
spans lines or follows a comment); a second option ``"consistent"`` makes every
branch of an ``if``/``else`` chain agree.

Braces are never called unnecessary where removing them changes the program:
around a ``let``/``const``/``using``/``class``/``function`` declaration, or
around an ``if`` without ``else`` that an ``else`` follows (the ``else`` would
attach to the inner ``if``). Adding braces wraps the body; removing them keeps
the block's inner text, and is withheld where ASI would then join the body to
the next statement.

Reliability 1.0: both rewrites are mechanical and the guards are syntactic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import (
    UNBRACED_DO,
    UNBRACED_FOR,
    UNBRACED_FOR_IN,
    UNBRACED_IF,
    UNBRACED_WHILE,
    Shape,
)
from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._estree import estree_range
from ._statements import first_token, last_token, named, token_after, token_before

__all__ = ["Curly"]

_MESSAGES: Final = {
    (True, True): "Expected {{ after '{name}' condition.",
    (True, False): "Expected {{ after '{name}'.",
    (False, True): "Unnecessary {{ after '{name}' condition.",
    (False, False): "Unnecessary {{ after '{name}'.",
}
_HEADS: Final = (
    "if_statement",
    "while_statement",
    "do_statement",
    "for_statement",
    "for_in_statement",
)
_MODES: Final = ("all", "multi", "multi-line", "multi-or-nest")
# The statements whose body (the shape's one field) is not a block: (shape, name,
# has a condition).
_UNBRACED: Final[tuple[tuple[Shape, str, bool], ...]] = (
    (UNBRACED_IF, "if", True),
    (UNBRACED_WHILE, "while", True),
    (UNBRACED_DO, "do", False),
    (UNBRACED_FOR, "for", True),
    (UNBRACED_FOR_IN, "for-in", False),
)
_LEXICAL: Final = frozenset(
    {
        "lexical_declaration",
        "using_declaration",
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "abstract_class_declaration",
    }
)
# Statements whose body is their last part (an `else` after them may attach inside).
_TRAILING_BODY: Final = frozenset(
    {"for_statement", "for_in_statement", "labeled_statement", "with_statement", "while_statement"}
)
_FUNCTION_OWNERS: Final = frozenset(
    {"function_expression", "function", "generator_function", "arrow_function", "method_definition"}
)
_NOT_BLOCK_OWNERS: Final = frozenset({"class_static_block", "internal_module", "module"})
_ASI_HAZARD: Final = re.compile(rb"^[(\[/`+-]")
_WORD_START: Final = re.compile(rb"^[\w$\\\x80-\xff]")


def _alternative(node: Node) -> Node | None:
    clause = node.child_by_field_name("alternative")
    if clause is None:
        return None
    inner = named(clause)
    return inner[0] if inner else None


def _has_unsafe_if(node: Node) -> bool:
    """An ``if`` without ``else`` at the end of ``node``, which a following ``else`` would join."""
    current: Node | None = node
    while current is not None:
        if current.type == "if_statement":
            alternative = _alternative(current)
            if alternative is None:
                return True
            current = alternative
        elif current.type in _TRAILING_BODY:
            current = current.child_by_field_name("body")
        else:
            return False
    return False


@dataclass(slots=True)
class _Check:
    """ESLint's prepared check: one body, whether it has braces, whether it should."""

    owner: Node
    body: Node
    name: str
    condition: bool
    actual: bool
    expected: bool | None


class Curly(Rule):
    name: ClassVar[str] = "curly"
    description: ClassVar[str] = "Enforce consistent brace style for all control statements"
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ("all", None)
    version: ClassVar[int] = 2

    def validate_options(self, options: tuple[Any, ...]) -> None:
        mode, consistent = options
        if mode not in _MODES:
            raise InvalidRuleOptions(self.name, f"the first option must be one of {_MODES}")
        if consistent not in (None, "consistent"):
            raise InvalidRuleOptions(self.name, 'the second option can only be "consistent"')
        if mode == "all" and consistent is not None:
            raise InvalidRuleOptions(self.name, '"consistent" does not apply to "all"')

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        return _Run(ctx).run()


class _Run:
    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.source = ctx.source
        self.data = ctx.source.data
        self.mode: str = ctx.options[0]
        self.consistent = ctx.options[1] == "consistent"
        self.fixable = not ctx.source.has_errors
        self.else_ifs: set[int] = set()  # filled by run

    def run(self) -> Iterator[Problem]:
        if self.mode == "all" and self.fixable:
            yield from self.run_all()
            return
        # The `if` statements that are an `else if`, found from the else clauses
        # down (Node.parent searches down from the root, which costs more).
        root_id = self.source.root.id
        self.else_ifs = {
            child.id
            for clause in self.source.nodes_of("else_clause")
            if clause.id != root_id  # as before: an else clause that has a parent
            for child in clause.children
            if child.type == "if_statement"
        }
        for node in self.source.nodes_of(*_HEADS):
            for check in self.checks(node):
                if check.expected is not None and check.expected != check.actual:
                    yield self.report(check)

    def run_all(self) -> Iterator[Problem]:
        """ "all" in a tree without errors: each body without braces is reported on
        its own (the chains of ``if``/``else`` do not matter), so only the statements
        whose body is not a block are read, and the else clauses (their statement has
        no field a shape could test)."""
        for shape, name, condition in _UNBRACED:
            (field,) = shape.fields
            for node in self.source.nodes_shaped(shape):
                body = node.child_by_field_name(field)
                assert body is not None  # the shape has it
                is_of = shape is UNBRACED_FOR_IN and any(c.type == "of" for c in node.children)
                label = "for-of" if is_of else name
                yield self.report(self.prepare(node, body, label, condition=condition))
        for clause in self.source.nodes_of("else_clause"):
            inner = named(clause)
            if inner and inner[0].type not in ("if_statement", "statement_block"):
                owner = clause.parent  # the `if` the clause ends; read for the few reported
                assert owner is not None
                yield self.report(self.prepare(owner, inner[0], "else", condition=False))

    def checks(self, node: Node) -> list[_Check]:
        kind = node.type
        if kind == "if_statement":
            if node.id in self.else_ifs:
                return []  # an `else if`: checked with the chain it belongs to
            return self.if_chain(node)
        body = node.child_by_field_name("body")
        if body is None:
            return []
        if kind == "while_statement":
            return [self.prepare(node, body, "while", condition=True)]
        if kind == "do_statement":
            return [self.prepare(node, body, "do", condition=False)]
        if kind == "for_statement":
            return [self.prepare(node, body, "for", condition=True)]
        if kind == "for_in_statement":
            is_of = any(child.type == "of" for child in node.children)
            return [self.prepare(node, body, "for-of" if is_of else "for-in", condition=False)]
        return []

    def if_chain(self, node: Node) -> list[_Check]:
        checks: list[_Check] = []
        current: Node | None = node
        while current is not None:
            consequence = current.child_by_field_name("consequence")
            if consequence is None:
                break
            checks.append(self.prepare(current, consequence, "if", condition=True))
            alternative = _alternative(current)
            if alternative is not None and alternative.type != "if_statement":
                checks.append(self.prepare(current, alternative, "else", condition=False))
                break
            current = alternative
        if self.consistent:
            expected = any(
                check.expected if check.expected is not None else check.actual for check in checks
            )
            for check in checks:
                check.expected = expected
        return checks

    # -- what is expected

    def prepare(self, owner: Node, body: Node, name: str, *, condition: bool) -> _Check:
        has_block = body.type == "statement_block"
        if self.mode == "all":
            # Every branch below gives True for "all": skip listing the statements.
            return _Check(owner, body, name, condition, has_block, True)
        statements = named(body) if has_block else []
        expected: bool | None
        if has_block and (len(statements) != 1 or self.braces_necessary(body, statements[0])):
            expected = True
        elif self.mode == "multi":
            expected = False
        elif self.mode == "multi-line":
            expected = None if self.collapsed_one_liner(body) else True
        elif self.mode == "multi-or-nest":
            if has_block:
                statement = statements[0]
                expected = not self.one_liner(statement) or self.comment_before(body, statement)
            else:
                expected = not self.one_liner(body)
        else:
            expected = True
        return _Check(owner, body, name, condition, has_block, expected)

    def braces_necessary(self, block: Node, statement: Node) -> bool:
        if statement.type in _LEXICAL:
            return True
        if not _has_unsafe_if(statement):
            return False
        following = token_after(block)
        return following is not None and following.type == "else"

    def line(self, byte_offset: int) -> int:
        return self.source.position(self.source.char_offset(byte_offset))[0]

    def last_excluding_semicolon(self, node: Node) -> Node | None:
        last = last_token(node)
        if last is not None and last.type == ";":
            return token_before(last)
        return last

    def collapsed_one_liner(self, body: Node) -> bool:
        before = token_before(body)
        last = self.last_excluding_semicolon(body)
        if before is None or last is None:
            return True
        return self.line(before.start_byte) == self.line(last.end_byte)

    def one_liner(self, node: Node) -> bool:
        if node.type == "empty_statement":
            return True
        first = first_token(node)
        last = self.last_excluding_semicolon(node)
        if first is None or last is None:
            return True
        return self.line(first.start_byte) == self.line(last.end_byte)

    @staticmethod
    def comment_before(block: Node, statement: Node) -> bool:
        return any(
            child.type == "comment" and child.end_byte <= statement.start_byte
            for child in block.children
        )

    # -- reports and fixes

    def report(self, check: _Check) -> Problem:
        template = _MESSAGES[(bool(check.expected), check.condition)]
        message = template.format(name=check.name)
        fix = None
        if self.fixable:
            fix = self.add_braces(check) if check.expected else self.remove_braces(check)
        start, end = estree_range(check.body)
        return self.ctx.problem(message, start, end, fix)

    def add_braces(self, check: _Check) -> TextEdit:
        # ESTree's range: a statement ended by ASI stops at its last token, so a
        # trailing comment stays outside the new braces, as ESLint leaves it.
        start, end = estree_range(check.body)
        return self.ctx.edit(start, end, "{" + self.source.byte_text(start, end) + "}")

    def remove_braces(self, check: _Check) -> TextEdit | None:
        body = check.body
        children = body.children
        if not children or children[0].type != "{" or children[-1].type != "}":
            return None
        opening, closing = children[0], children[-1]
        if self.needs_semicolon(closing):
            return None
        inner = self.data[opening.end_byte : closing.start_byte]
        text = inner.decode("utf-8", "surrogatepass")
        if check.owner.type == "do_statement":
            before = token_before(body)
            first_inside = token_after(opening)
            if (
                before is not None
                and before.end_byte == body.start_byte
                and first_inside is not None
                and _WORD_START.match(
                    self.data[first_inside.start_byte : first_inside.start_byte + 1]
                )
            ):
                text = " " + text
        return self.ctx.edit(body.start_byte, body.end_byte, text)

    def needs_semicolon(self, closing: Node) -> bool:
        """Whether the block's last statement would run into what follows it."""
        before = token_before(closing)
        after = token_after(closing)
        if before is None or before.type == ";" or after is None:
            return False
        owner = before.parent
        if (
            before.type == "}"
            and owner is not None
            and owner.type == "statement_block"
            and (owner.parent is None or owner.parent.type not in _NOT_BLOCK_OWNERS)
            and (owner.parent is None or owner.parent.type not in _FUNCTION_OWNERS)
        ):
            return False  # a block: a `;` after it would be a statement of its own
        if self.line(before.end_byte) == self.line(after.start_byte):
            return True
        if _ASI_HAZARD.match(self.data[after.start_byte : after.start_byte + 1]):
            return True
        return before.type in ("++", "--")
