"""Calls of global functions such as ``Math.pow``, found the way ESLint's
``ReferenceTracker`` (from ``@eslint-community/eslint-utils``) finds them.

A path like ``("Math", "pow")`` is followed from every read of the global
``Math`` (and of ``globalThis.Math``): through static member accesses
(``Math.pow``, ``Math["pow"]``, ``Math[`p${"ow"}`]``), parentheses, the
pass-through positions of ``a ? b : c``, ``a || b``, ``(a, b)`` and TypeScript
casts, and aliases (``const M = Math``, ``const {pow} = Math``). A global
counts only where ESLint declares it (a built-in of the context's
``ecma_version``, e.g. ``globalThis`` from 2020, or a name in a
``/* global name */`` comment), while the code neither declares nor assigns
it, and while no ``/* globals name:off */`` comment removes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from tree_sitter import Node

from .._bytes import contains_any
from ..directives import directives
from ..rule import RuleContext
from ..scope import ScopeManager, Variable
from ._function_forms import outer_parens, static_string, unescape_js, unparen

__all__ = ["global_calls", "static_value"]

# Global objects through which a global is also reachable (ESLint 9 knows only
# `globalThis` without an environment configured).
_GLOBAL_OBJECTS: Final = ("globalThis",)
# Per global name: it and the global objects' names, as bytes (the pre-check's words).
_WORDS: dict[str, tuple[bytes, ...]] = {}
_LOGICAL: Final = frozenset({"&&", "||", "??"})
_TS_CASTS: Final = frozenset({"as_expression", "satisfies_expression", "non_null_expression"})
_MAX_DEPTH: Final = 32
# The bytes a `global` or `globals` directive label starts with (a word
# `globalThis` is none).
_GLOBAL_LABEL: Final = re.compile(rb"global(?!This)")


def _meaningful(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type not in ("comment", "html_comment")]


def static_value(ctx: RuleContext, node: Node, depth: int = 0) -> str | float | None:
    """A constant string or number value of an expression, like eslint-utils'
    ``getStaticValue`` for literals, substitution templates, ``+`` and ``const``
    names; None when it is not known statically."""
    if depth > _MAX_DEPTH:
        return None
    node = unparen(node)
    text = ctx.source.node_text(node)
    kind = node.type
    if kind == "string":
        return static_string(node, text)
    if kind == "number":
        digits = text.replace("_", "")
        try:
            return float(digits)
        except ValueError:
            pass
        try:
            return float(int(digits.rstrip("n"), 0))
        except ValueError:
            return None
    if kind == "template_string":
        pieces: list[str] = []
        position = node.start_byte + 1
        for child in node.named_children:
            if child.type != "template_substitution":
                continue
            literal = ctx.source.byte_text(position, child.start_byte)
            pieces.append(unescape_js(literal))
            inner = _meaningful(child)
            if len(inner) != 1:
                return None
            value = static_value(ctx, inner[0], depth + 1)
            if value is None:
                return None
            pieces.append(_to_js_string(value))
            position = child.end_byte
        tail = ctx.source.byte_text(position, node.end_byte - 1)
        pieces.append(unescape_js(tail))
        return "".join(pieces)
    if kind == "binary_expression":
        operator = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if operator is None or operator.type != "+" or left is None or right is None:
            return None
        a = static_value(ctx, left, depth + 1)
        b = static_value(ctx, right, depth + 1)
        if a is None or b is None:
            return None
        if isinstance(a, str) or isinstance(b, str):
            return _to_js_string(a) + _to_js_string(b)
        return a + b
    if kind == "identifier":
        variable = ctx.scopes().enclosing_scope(node).lookup(text)
        if variable is None or len(variable.definitions) != 1:
            return None
        definition = variable.definitions[0]
        if definition.kind != "const" or definition.node.type != "variable_declarator":
            return None
        if definition.node.child_by_field_name("name") != definition.name:
            return None
        init = definition.node.child_by_field_name("value")
        return None if init is None else static_value(ctx, init, depth + 1)
    return None


def _to_js_string(value: str | float) -> str:
    if isinstance(value, str):
        return value
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _comment_globals(ctx: RuleContext) -> dict[str, bool]:
    """Names that ``/* global(s) ... */`` comments declare (True) or remove
    (``name:off``, False); the last comment naming a name decides."""
    settings: dict[str, bool] = {}
    if _GLOBAL_LABEL.search(ctx.source.data) is None:
        return settings  # no `global` or `globals` label: leave the comments unread
    for directive in directives(ctx.source):
        if directive.label not in ("global", "globals"):
            continue
        value = re.sub(r"\s*:\s*", ":", directive.value)
        for item in re.split(r"[\s,]+", value):
            name, _, setting = item.partition(":")
            if name:
                settings[name] = setting != "off"
    return settings


class _Tracker:
    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.scopes: ScopeManager = ctx.scopes()
        self.visiting: list[int] = []  # variables being followed, against alias cycles

    def global_reads(self, name: str, comments: dict[str, bool]) -> list[Node]:
        """Reads of the global ``name``; none when ESLint has no such global
        (``comments`` as :func:`_comment_globals` gives them) or the code
        declares or assigns it."""
        if not comments.get(name, self.ctx.is_builtin_global(name)):
            return []
        declared = self.scopes.global_scope.variables.get(name)
        if declared is not None and declared.definitions:
            return []
        refs = [
            r
            for r in self.scopes.references
            if r.name == name and (r.resolved is None or r.resolved.scope.kind == "global")
        ]
        if any(r.is_write for r in refs):
            return []
        return [r.identifier for r in refs if r.is_read]

    def key_of(self, node: Node) -> str | None:
        """The static property name a member access reads."""
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            if prop is not None and prop.type == "property_identifier":
                return self.ctx.source.node_text(prop)
            return None
        index = node.child_by_field_name("index")
        if index is None:
            return None
        value = static_value(self.ctx, index)
        return None if value is None else _to_js_string(value)

    def calls(self, node: Node, path: tuple[str, ...]) -> Iterator[Node]:
        """Calls of ``path`` reached from the expression ``node``."""
        node = outer_parens(node)
        parent = node.parent
        while parent is not None and self._passes_through(node, parent):
            node = outer_parens(parent)
            parent = node.parent
        if parent is None:
            return
        kind = parent.type
        if kind in ("member_expression", "subscript_expression"):
            if parent.child_by_field_name("object") == node and path:
                if self.key_of(parent) == path[0]:
                    yield from self.calls(parent, path[1:])
        elif kind == "call_expression":
            if not path and parent.child_by_field_name("function") == node:
                args = parent.child_by_field_name("arguments")
                if args is not None and args.type == "arguments":  # not a tagged template
                    yield parent
        elif kind in ("assignment_expression", "augmented_assignment_expression"):
            if parent.child_by_field_name("right") == node:
                left = parent.child_by_field_name("left")
                if left is not None:
                    yield from self.lhs(left, path)
                yield from self.calls(parent, path)
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            if parent.child_by_field_name("right") == node:
                left = parent.child_by_field_name("left")
                if left is not None:
                    yield from self.lhs(left, path)
        elif kind == "variable_declarator":
            if parent.child_by_field_name("value") == node:
                name = parent.child_by_field_name("name")
                if name is not None:
                    yield from self.lhs(name, path)

    @staticmethod
    def _passes_through(node: Node, parent: Node) -> bool:
        kind = parent.type
        if kind == "ternary_expression":
            return node in (
                parent.child_by_field_name("consequence"),
                parent.child_by_field_name("alternative"),
            )
        if kind == "binary_expression":
            operator = parent.child_by_field_name("operator")
            return operator is not None and operator.type in _LOGICAL
        if kind == "sequence_expression":
            parts = _meaningful(parent)
            return bool(parts) and parts[-1] == node
        return kind in _TS_CASTS

    def lhs(self, pattern: Node, path: tuple[str, ...]) -> Iterator[Node]:
        """Calls reached through what a value is assigned to."""
        kind = pattern.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            name = self.ctx.source.node_text(pattern)
            variable = self.scopes.enclosing_scope(pattern).lookup(name)
            if variable is not None:
                yield from self.variable_calls(variable, path)
        elif kind == "object_pattern" and path:
            for prop in _meaningful(pattern):
                if prop.type == "pair_pattern":
                    key = prop.child_by_field_name("key")
                    value = prop.child_by_field_name("value")
                    if key is None or value is None:
                        continue
                    if self._pattern_key(key) == path[0]:
                        yield from self.lhs(value, path[1:])
                elif prop.type == "shorthand_property_identifier_pattern":
                    if self.ctx.source.node_text(prop) == path[0]:
                        yield from self.lhs(prop, path[1:])
                elif prop.type == "object_assignment_pattern":
                    left = prop.child_by_field_name("left")
                    if left is not None and self.ctx.source.node_text(left) == path[0]:
                        yield from self.lhs(left, path[1:])
        elif kind == "assignment_pattern":
            left = pattern.child_by_field_name("left")
            if left is not None:
                yield from self.lhs(left, path)

    def _pattern_key(self, key: Node) -> str | None:
        """The static name of a destructuring property's key."""
        if key.type == "computed_property_name":
            inner = _meaningful(key)
            found = static_value(self.ctx, inner[0]) if len(inner) == 1 else None
            return None if found is None else _to_js_string(found)
        text = self.ctx.source.node_text(key)
        value = static_string(key, text)
        return text if value is None else value

    def variable_calls(self, variable: Variable, path: tuple[str, ...]) -> Iterator[Node]:
        key = id(variable)
        if key in self.visiting:
            return
        self.visiting.append(key)
        try:
            for ref in variable.references:
                if ref.is_read:
                    yield from self.calls(ref.identifier, path)
        finally:
            self.visiting.pop()


def global_calls(ctx: RuleContext, path: tuple[str, ...]) -> list[Node]:
    """Call expressions that call the global ``path`` (``("Math", "pow")``), in
    document order, each once."""
    data = ctx.source.data
    words = _WORDS.get(path[0])
    if words is None:
        words = _WORDS[path[0]] = tuple(name.encode() for name in (path[0], *_GLOBAL_OBJECTS))
    if not contains_any(data, words):
        return []  # no read of the global, nor of a global object, can be there
    tracker = _Tracker(ctx)
    comments = _comment_globals(ctx)
    found: dict[int, Node] = {}
    for identifier in tracker.global_reads(path[0], comments):
        for call in tracker.calls(identifier, path[1:]):
            found.setdefault(call.id, call)
    for name in _GLOBAL_OBJECTS:
        for identifier in tracker.global_reads(name, comments):
            for call in tracker.calls(identifier, path):
                found.setdefault(call.id, call)
    return sorted(found.values(), key=lambda n: n.start_byte)
