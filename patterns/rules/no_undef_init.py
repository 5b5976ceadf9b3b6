"""no-undef-init: ``let x = undefined`` says nothing that ``let x`` does not.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/no-undef-init). Only
``var`` and ``let`` declarators are reported (``const`` and ``using`` need an
initialiser), and nothing is reported where a variable named ``undefined`` is
declared in scope. The fix removes ``= undefined`` from ``let`` declarators
with a plain name, unless a comment sits inside the removed text; ``var`` is
never fixed (``var x = undefined`` resets ``x`` when it runs twice, e.g. in a
loop, and ``var x`` does not).

Reliability 0.95: the rewrite is exact for ``let``; the one judgement call is
the scope lookup of ``undefined``, which a shadowing global from another file
could defeat.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._token_nav import (
    has_comment_between,
    last_token,
    may_declare,
    occurrences,
    outer_parens,
    span,
    unparenthesised,
)

__all__ = ["NoUndefInit"]

_DECLARATIONS: Final = frozenset({"variable_declaration", "lexical_declaration"})


def _kind(declaration: Node) -> str:
    if declaration.type == "variable_declaration":
        return "var"
    keyword = declaration.child_by_field_name("kind")
    return keyword.type if keyword is not None else ""


class NoUndefInit(Rule):
    name: ClassVar[str] = "no-undef-init"
    description: ClassVar[str] = "Disallow initializing variables to undefined"
    default_reliability: ClassVar[float] = 0.95
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        fixable = not source.has_errors
        shadowable: bool | None = None  # whether a variable `undefined` may exist
        for value in occurrences(source, "undefined"):
            if value.type not in ("undefined", "identifier"):
                continue
            declarator = outer_parens(value).parent
            if declarator is None or declarator.type != "variable_declarator":
                continue
            declaration = declarator.parent
            name = declarator.child_by_field_name("name")
            init = declarator.child_by_field_name("value")
            if declaration is None or declaration.type not in _DECLARATIONS:
                continue
            if name is None or init is None or unparenthesised(init).id != value.id:
                continue
            kind = _kind(declaration)
            if kind not in ("var", "let"):
                continue
            if shadowable is None:
                shadowable = may_declare(source, "undefined")
            if shadowable:
                variable = ctx.scopes().enclosing_scope(declarator).lookup("undefined")
                if variable is not None and variable.definitions:
                    continue
            # In TypeScript the binding's range takes in its type annotation.
            annotation = declarator.child_by_field_name("type")
            name_end = annotation.end_byte if annotation is not None else name.end_byte
            message = (
                f"It's not necessary to initialize '{source.byte_text(name.start_byte, name_end)}'"
                " to undefined."
            )
            start, end = span(declarator)
            fix = None
            if fixable and kind == "let":
                fix = self._fix(ctx, declarator, name, name_end, end)
            yield ctx.problem(message, start, end, fix)

    @staticmethod
    def _fix(
        ctx: RuleContext, declarator: Node, name: Node, name_end: int, end: int
    ) -> TextEdit | None:
        if name.type != "identifier":
            return None  # removing a destructuring's initialiser would change the error
        last = last_token(declarator)
        declaration = declarator.parent or declarator
        # Comments between the name and the declarator's last token would be lost.
        if last is not None and has_comment_between(declaration, name_end, last.start_byte):
            return None
        return ctx.edit(name_end, end, "")
