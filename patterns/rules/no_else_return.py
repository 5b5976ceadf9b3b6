"""no-else-return: no ``else`` after an ``if`` block that always returns.

With ``allowElseIf`` (the default) an ``if``/``else if`` chain is reported at
its final ``else`` when every branch before it returns; with
``allowElseIf: false`` any ``else`` (``else if`` included) after a returning
branch is. "Returns" is ESLint's naive test: the branch is a ``return``, or a
block holding a ``return`` or an ``if``/``else`` whose both sides are a
``return`` or end in one (a nested ``else if`` chain does not count).
Only an ``if`` directly in a statement list is considered (elsewhere the fix
would need two statements where one is allowed).

The fix unwraps the ``else`` (its block's braces go, the statement stays) and,
like ESLint's, replaces the whole enclosing function so that one pass never
combines it with another fix there. It is withheld when ASI would join the
statements differently afterwards, and when a ``let``/``const``/``class``
moved out of the ``else`` block would collide with or shadow a name of the
enclosing scope.

Reliability 0.9: a purely syntactic rewrite, guarded by scope analysis for the
name collisions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import WITH_ELSE
from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..scope import Reference, Scope, ScopeManager
from ..types import Problem, TextEdit
from ._statements import (
    enclosing_function,
    first_token,
    function_range,
    is_statement_list,
    last_token,
    line_break_between,
    named,
    token_after,
    token_before,
)

__all__ = ["NoElseReturn"]

MESSAGE: Final = "Unnecessary 'else' after 'return'."

# A statement starting with one of these continues the previous line without a `;`.
_ASI_HAZARD: Final = re.compile(rb"^[(\[/+`-]")
# Statements that declare names in the block they are directly in.
_BLOCK_SCOPED: Final = frozenset(
    {
        "lexical_declaration",
        "using_declaration",
        "class_declaration",
        "abstract_class_declaration",
        "function_declaration",
        "generator_function_declaration",
        "function_signature",
        "enum_declaration",
        "internal_module",
        "module",
        "ambient_declaration",
        "export_statement",
        "import_statement",
    }
)
_FUNCTION_DECLARATIONS: Final = frozenset(
    {"function_declaration", "generator_function_declaration"}
)


def _alternative(node: Node) -> Node | None:
    """The statement after ``else`` (ESTree's ``alternate``)."""
    clause = node.child_by_field_name("alternative")
    if clause is None:
        return None
    inner = named(clause)
    return inner[0] if inner else None


def _always_returns(node: Node) -> bool:
    if node.type == "statement_block":
        return any(_returns_or_if(child) for child in named(node))
    return _returns_or_if(node)


def _returns_or_if(node: Node) -> bool:
    if node.type == "return_statement":
        return True
    if node.type != "if_statement":
        return False
    consequence = node.child_by_field_name("consequence")
    alternative = _alternative(node)
    return (
        consequence is not None
        and alternative is not None
        and _ends_in_return(alternative)
        and _ends_in_return(consequence)
    )


def _ends_in_return(node: Node) -> bool:
    """ESLint's naive test for a nested ``if``'s branch: it is a ``return``, or a
    block whose last statement is one (an ``else if`` or a deeper ``if`` is not
    looked into)."""
    if node.type == "statement_block":
        statements = named(node)
        return bool(statements) and statements[-1].type == "return_statement"
    return node.type == "return_statement"


class NoElseReturn(Rule):
    name: ClassVar[str] = "no-else-return"
    description: ClassVar[str] = "Disallow else blocks after return statements in if statements"
    default_reliability: ClassVar[float] = 0.9
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ({"allowElseIf": True},)
    version: ClassVar[int] = 2

    def validate_options(self, options: tuple[Any, ...]) -> None:
        if not isinstance(options[0]["allowElseIf"], bool):
            raise InvalidRuleOptions(self.name, "allowElseIf must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        return _Check(ctx).run()


class _Check:
    """One run of the rule over one source."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.data = ctx.source.data
        self.allow_else_if = bool(ctx.options[0]["allowElseIf"])
        self.fixable = not ctx.source.has_errors
        self._references: dict[str, list[Reference]] | None = None

    def run(self) -> Iterator[Problem]:
        # Only an `if` with an `else` is reported: the others are ruled out unread.
        for node in self.ctx.source.nodes_shaped(WITH_ELSE):
            reported = self.reported_else(node)
            if reported is not None:
                yield self.problem(reported)

    def reported_else(self, node: Node) -> Node | None:
        # The branches first: the parent (asked last) is the dearer question.
        if not self.allow_else_if:
            alternative = _alternative(node)
            consequence = node.child_by_field_name("consequence")
            if alternative is None or consequence is None or not _always_returns(consequence):
                return None
            final: Node | None = alternative
        else:
            current: Node | None = node
            final = None
            while current is not None and current.type == "if_statement":
                final = _alternative(current)
                consequence = current.child_by_field_name("consequence")
                if final is None or consequence is None or not _always_returns(consequence):
                    return None
                current = final
        parent = node.parent
        if parent is None or not is_statement_list(parent):
            return None
        return final

    def problem(self, alternative: Node) -> Problem:
        fix = self.fix(alternative) if self.fixable else None
        return self.ctx.problem(MESSAGE, alternative.start_byte, alternative.end_byte, fix)

    # -- the fix

    def fix(self, alternative: Node) -> TextEdit | None:
        clause = alternative.parent
        if_node = clause.parent if clause is not None else None
        if clause is None or if_node is None or not self.safe_from_collisions(alternative, if_node):
            return None
        data = self.data
        else_token = clause.child(0)
        start_token = first_token(alternative)
        if else_token is None or start_token is None:
            return None
        is_block = alternative.type == "statement_block"
        first_inner = token_after(start_token) if is_block else start_token
        last_if_token = token_before(else_token)
        consequence = if_node.child_by_field_name("consequence")
        if_maybe_unsafe = (
            consequence is not None
            and consequence.type != "statement_block"
            and (last_if_token is None or last_if_token.type != ";")
        )
        if if_maybe_unsafe and first_inner is not None and self.asi_hazard(first_inner):
            return None
        end_token = last_token(alternative)
        if end_token is None:
            return None
        before_end = token_before(end_token)
        if before_end is not None and before_end.type != ";":
            following = token_after(end_token)
            if following is not None:
                if self.asi_hazard(following):
                    return None
                same_line = not line_break_between(
                    data, before_end.start_byte, following.start_byte
                )
                if same_line and following.type != "}":
                    return None
        if is_block:
            body = data[alternative.start_byte + 1 : alternative.end_byte - 1]
        else:
            body = data[alternative.start_byte : alternative.end_byte]
        function = enclosing_function(alternative)
        start, end = function_range(function) if function is not None else (0, len(data))
        text = data[start : else_token.start_byte] + body + data[alternative.end_byte : end]
        return self.ctx.edit(start, end, text.decode("utf-8", "surrogatepass"))

    def asi_hazard(self, token: Node) -> bool:
        return bool(_ASI_HAZARD.match(self.data[token.start_byte : token.start_byte + 1]))

    # -- name collisions

    def safe_from_collisions(self, alternative: Node, if_node: Node) -> bool:
        """Whether the else block's bindings can move to the enclosing scope."""
        if alternative.type in _FUNCTION_DECLARATIONS:
            return False
        if alternative.type != "statement_block":
            return True
        if not any(child.type in _BLOCK_SCOPED for child in alternative.named_children):
            return True  # nothing would move into the enclosing scope
        scopes = self.ctx.scopes()
        block_scope = scopes.scope_of(alternative)
        outer = scopes.enclosing_scope(if_node)
        if block_scope is None or block_scope.parent is not outer:
            return True
        names = set(block_scope.variables)
        return not names or self.safe_to_declare(names, outer, alternative, scopes)

    def safe_to_declare(
        self, names: set[str], scope: Scope, moved: Node, scopes: ScopeManager
    ) -> bool:
        for name in names:
            variable = scope.variables.get(name)
            if variable is not None and variable.definitions:
                return False
        if not scope.is_variable_scope:
            parent = scope.parent
            if parent is not None and parent.kind == "catch" and names & set(parent.variables):
                return False
            # A `var` inside the scope's block hoists through it: a redeclaration.
            start, end = scope.node.start_byte, scope.node.end_byte
            hoisted = scope.variable_scope
            for name in names:
                variable = hoisted.variables.get(name)
                if variable is not None and any(
                    d.kind == "var" and start <= d.name.start_byte and d.name.end_byte <= end
                    for d in variable.definitions
                ):
                    return False
        # A use of the name in the scope that now means an outer variable would be shadowed.
        start, end = scope.node.start_byte, scope.node.end_byte
        for name in names:
            for ref in self.references().get(name, ()):
                identifier = ref.identifier
                if not (start <= identifier.start_byte and identifier.end_byte <= end):
                    continue
                if moved.start_byte <= identifier.start_byte < moved.end_byte:
                    continue
                if ref.resolved is None or _is_ancestor_or_self(ref.resolved.scope, scope):
                    return False
        return True

    def references(self) -> dict[str, list[Reference]]:
        if self._references is None:
            index: dict[str, list[Reference]] = {}
            for ref in self.ctx.scopes().references:
                index.setdefault(ref.name, []).append(ref)
            self._references = index
        return self._references


def _is_ancestor_or_self(candidate: Scope, scope: Scope) -> bool:
    current: Scope | None = scope
    while current is not None:
        if current is candidate:
            return True
        current = current.parent
    return False
