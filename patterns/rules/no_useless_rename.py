"""no-useless-rename: ``let {a: a} = o``, ``import {a as a}``, ``export {a as a}``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/no-useless-rename),
with its options ``ignoreDestructuring``, ``ignoreImport`` and ``ignoreExport``
(all false by default). Names are compared by value, so escapes
(``\\u0061``) and string names (``'a' as a``) count.

The fix replaces the whole property or specifier by its target (the local
name, with any default value), and is skipped when that would drop a comment
or when a default follows a parenthesised target (``{a: (a) = 1}``).

tree-sitter cannot parse a parenthesised target inside an assignment pattern
(``({a: (a)} = o)``) and leaves the object as an expression in a syntax
error; such an object is still checked when it is the left side of an ``=``.

Reliability 1.0: a purely syntactic rewrite that binds the same names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..types import Problem
from ._function_forms import outer_parens
from ._object_syntax import has_comment_between, name_value, unparen

__all__ = ["NoUselessRename"]

_OPTIONS: Final = ("ignoreDestructuring", "ignoreImport", "ignoreExport")


def _is_assignment_target(obj: Node) -> bool:
    """Whether an object *expression* stands for a pattern tree-sitter could not parse."""
    holder = outer_parens(obj)
    parent = holder.parent
    if parent is None:
        return False
    if parent.type == "assignment_expression":
        return parent.child_by_field_name("left") == holder and holder != obj
    if parent.type == "ERROR":
        following = holder.next_sibling
        return following is not None and following.type == "="
    if parent.type == "pair":
        outer = parent.parent
        return (
            outer is not None
            and outer.type == "object"
            and parent.child_by_field_name("value") == holder
            and _is_assignment_target(outer)
        )
    return False


class NoUselessRename(Rule):
    name: ClassVar[str] = "no-useless-rename"
    description: ClassVar[str] = (
        "Disallow renaming import, export, and destructured assignments to the same name"
    )
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = (
        {"ignoreDestructuring": False, "ignoreImport": False, "ignoreExport": False},
    )
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        for key in _OPTIONS:
            if not isinstance(options[0][key], bool):
                raise InvalidRuleOptions(self.name, f"{key} must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        opts = ctx.options[0]
        has_errors = ctx.source.has_errors
        kinds = ["pair_pattern", "import_specifier", "export_specifier"]
        if has_errors:
            kinds.append("pair")
        for node in ctx.source.nodes_of(*kinds):
            kind = node.type
            if kind == "pair_pattern" and not opts["ignoreDestructuring"]:
                problem = self._property(ctx, node)
            elif kind == "pair" and has_errors and not opts["ignoreDestructuring"]:
                parent = node.parent
                if parent is None or not _is_assignment_target(parent):
                    continue
                problem = self._property(ctx, node)
            elif kind == "import_specifier" and not opts["ignoreImport"]:
                problem = self._specifier(ctx, node, "Import")
            elif kind == "export_specifier" and not opts["ignoreExport"]:
                problem = self._specifier(ctx, node, "Export")
            else:
                continue
            if problem is not None:
                yield problem

    def _property(self, ctx: RuleContext, prop: Node) -> Problem | None:
        key = prop.child_by_field_name("key")
        value = prop.child_by_field_name("value")
        if key is None or value is None:
            return None
        key_name = name_value(ctx.source, key)
        target = unparen(value)
        default = target.type in ("assignment_pattern", "assignment_expression")
        left = target.child_by_field_name("left") if default else target
        if key_name is None or left is None:
            return None
        bare_left = unparen(left)
        if bare_left.type != "identifier" or name_value(ctx.source, bare_left) != key_name:
            return None
        replacement = target if default else bare_left
        fix = None
        if not (default and bare_left != left) and not self._loses_comment(prop, replacement):
            fix = ctx.edit(prop.start_byte, prop.end_byte, ctx.source.node_text(replacement))
        message = f"Destructuring assignment {key_name} unnecessarily renamed."
        return ctx.problem(message, prop.start_byte, prop.end_byte, fix)

    def _specifier(self, ctx: RuleContext, spec: Node, kind: str) -> Problem | None:
        name = spec.child_by_field_name("name")
        alias = spec.child_by_field_name("alias")
        if name is None or alias is None:
            return None
        original = name_value(ctx.source, name)
        if original is None or original != name_value(ctx.source, alias):
            return None
        local = alias if kind == "Import" else name
        fix = None
        if not self._loses_comment(spec, local):
            fix = ctx.edit(spec.start_byte, spec.end_byte, ctx.source.node_text(local))
        message = f"{kind} {original} unnecessarily renamed."
        return ctx.problem(message, spec.start_byte, spec.end_byte, fix)

    @staticmethod
    def _loses_comment(whole: Node, kept: Node) -> bool:
        return has_comment_between(whole, whole.start_byte, kept.start_byte) or has_comment_between(
            whole, kept.end_byte, whole.end_byte
        )
