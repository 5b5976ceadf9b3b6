"""no-var: require ``let`` or ``const`` instead of ``var``.

Every ``var`` declaration is reported. The fix turns the ``var`` keyword into
``let``, and only where that cannot change what the program does, as ESLint
decides it: the declaration sits directly in a statement list (or heads a
``for`` loop), none of its variables is global, declared twice, used outside
the block that would now hold it, read before its declaration (the temporal
dead zone), named ``let``, or, inside a loop, captured by a closure or left
uninitialised (``let`` would give each iteration a fresh binding).

Where the native core is built, the same decisions are made in Rust over the scope
walk's records (``patterns/native/src/scope/no_var.rs``); this module stays their
definition, and the tests hold the two to the same problems.

Reliability 0.85: the rewrite itself is one keyword, but whether it is safe
rests on the whole-file scope analysis, so it sits below purely mechanical
rules and a little below prefer-const (``var`` → ``let`` also changes hoisting).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate, chain
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._native_core import kind_sets
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..scope import Declaration, Scope, Variable
from ..types import Problem
from ._statements import (
    FUNCTIONS,
    MODULE_BODY_OWNERS,
    has_module_bodies,
    has_word,
    is_statement_list,
)

__all__ = ["NoVar"]

MESSAGE: Final = "Unexpected var, use let or const instead."

# ESLint's scope nodes: the block a `let` would be confined to.
_SCOPE_NODES: Final = frozenset(
    {"program", "statement_block", "switch_statement", "for_statement", "for_in_statement"}
)
_LOOPS: Final = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_DEFAULT_HOSTS: Final = frozenset({"assignment_pattern", "object_assignment_pattern"})
_LOOP_SPANS: Final = "patterns.rules.no_var:loop-spans"
# The kind sets patterns/native/src/scope/no_var.rs reads, in the order it numbers them.
_NATIVE_KINDS: Final = (FUNCTIONS, _SCOPE_NODES, _LOOPS, _DEFAULT_HOSTS, MODULE_BODY_OWNERS)


class _Ancestors:
    """The ancestors of one node, nearest first, each asked of the tree once.

    ``Node.parent`` searches down from the root, so the walks up from a
    declaration (the scope node, the loop test, the statement list) share them.
    """

    __slots__ = ("_found",)

    def __init__(self, node: Node) -> None:
        self._found: list[Node | None] = [node.parent]

    def __getitem__(self, level: int) -> Node | None:
        """The ancestor ``level`` steps above the parent (0: the parent); None above the root."""
        found = self._found
        while len(found) <= level:
            last = found[-1]
            found.append(None if last is None else last.parent)
        return found[level]

    def __iter__(self) -> Iterator[Node]:
        level = 0
        while (node := self[level]) is not None:
            yield node
            level += 1


class _LoopSpans:
    """Where the loops of a source start, and the furthest end of the loops
    starting at or before each of them: whether any loop can hold an offset."""

    __slots__ = ("ends", "starts")

    def __init__(self, source: ParsedSource) -> None:
        loops = source.nodes_of(*_LOOPS)
        self.starts = [loop.start_byte for loop in loops]
        self.ends = list(accumulate((loop.end_byte for loop in loops), max))

    def may_hold(self, offset: int) -> bool:
        """False when no loop starts at or before ``offset`` and ends at or after it."""
        index = bisect_right(self.starts, offset)
        return index > 0 and self.ends[index - 1] >= offset


def _in_declare_global(ancestors: _Ancestors) -> bool:
    """Whether the declaration sits in the body of ``declare global``."""
    block = ancestors[0]
    if block is None or block.type != "statement_block":
        return False
    owner = ancestors[1]
    return (
        owner is not None
        and owner.type == "ambient_declaration"
        and any(child.type == "global" for child in owner.children)
    )


def _unparen(node: Node) -> Node:
    while node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def _function_scope(scope: Scope) -> Scope:
    """eslint-scope's nearest "function" or "global" scope."""
    current = scope
    while current.kind not in ("function", "global") and current.parent is not None:
        current = current.parent
    return current


def _is_loop_assignee(decl: Declaration) -> bool:
    return decl.loop == "for-in"


def _is_for_init(decl: Declaration) -> bool:
    """Whether ``decl`` is the initializer of a ``for (;;)`` loop (the scope
    analysis notes exactly that as "for-init")."""
    return decl.loop == "for-init"


def _report_range(decl: Declaration, parent: Node | None, declare: bool) -> tuple[int, int]:
    """ESTree's VariableDeclaration range (no ``;`` inside a for head).

    ``parent``: the declaration node's; ``declare``: whether the source may hold
    a ``declare`` keyword (an ``ambient_declaration`` parent).
    """
    if decl.loop == "for-in" or not decl.declarators:
        return decl.start_byte, decl.end_byte
    start = decl.start_byte
    if declare and parent is not None and parent.type == "ambient_declaration":
        start = parent.start_byte
    if _is_for_init(decl):
        last = decl.declarators[-1].node
        return start, last.end_byte if last is not None else decl.end_byte
    return start, decl.end_byte


class NoVar(Rule):
    name: ClassVar[str] = "no-var"
    description: ClassVar[str] = "Require let or const instead of var"
    default_reliability: ClassVar[float] = 0.85
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        data = source.data
        if not has_word(data, b"var"):  # no `var` keyword: no scope analysis
            return
        scopes = ctx.scopes()
        fixable = not source.has_errors
        if scopes.records is not None:  # decided natively, as below
            kinds = kind_sets(source.tree.language, _NATIVE_KINDS)
            for start, end, keyword_start, keyword_end, can_fix in scopes.records.no_var(kinds):
                fix = ctx.edit(keyword_start, keyword_end, "let") if fixable and can_fix else None
                yield ctx.problem(MESSAGE, start, end, fix)
            return
        # Cheap word tests that rule out TypeScript's `declare` (and `declare global`).
        declare = has_word(data, b"declare")
        declare_global = declare and has_word(data, b"global")
        for decl in scopes.declarations:
            if decl.kind != "var":
                continue
            ancestors = _Ancestors(decl.node)
            if declare_global and _in_declare_global(ancestors):
                continue
            start, end = _report_range(decl, ancestors[0], declare)
            fix = None
            if fixable and decl.keyword is not None and _can_fix(source, decl, ancestors):
                fix = ctx.edit(decl.keyword.start_byte, decl.keyword.end_byte, "let")
            yield ctx.problem(MESSAGE, start, end, fix)


def _can_fix(source: ParsedSource, decl: Declaration, ancestors: _Ancestors) -> bool:
    """Whether ``var`` → ``let`` is safe; the source has no syntax errors."""
    node = decl.node
    node_parent = ancestors[0]
    # The parent ESTree would give; TypeScript's `declare` is a flag there, not a node.
    parent_level = 0
    if decl.loop == "for-in":
        parent: Node | None = node
    elif node_parent is not None and node_parent.type == "ambient_declaration":
        parent_level = 1
        parent = ancestors[parent_level]
    else:
        parent = node_parent
    if parent is None or parent.type in ("switch_case", "switch_default"):
        return False
    variables = decl.variables
    # The cheap tests on the variables first (a global `var` is common): every test
    # here only withholds the fix, so their order does not matter.
    if any(
        v.scope.kind == "global" or len(v.definitions) >= 2 or v.name == "let" for v in variables
    ):
        return False
    if _self_reference_in_tdz(decl):
        return False
    node_kind = node.type
    scope_node = _scope_node(node, node_kind, ancestors)
    if any(_used_outside(v, scope_node) for v in variables):
        return False
    if _in_loop(source, node, node_kind, ancestors):
        if any(_referenced_in_closure(v) for v in variables):
            return False
        if not _is_loop_assignee(decl) and any(d.init is None for d in decl.declarators):
            return False
    if _is_loop_assignee(decl) or _is_for_init(decl):
        return True
    if not has_module_bodies(source):
        # No TypeScript module body in this grammar: the parent's parent does not matter.
        return is_statement_list(parent, _no_parent)
    return is_statement_list(parent, lambda _: ancestors[parent_level + 1])


def _no_parent(_node: Node) -> None:
    return None


def _scope_node(node: Node, node_kind: str, ancestors: _Ancestors) -> Node:
    """The nearest scope node around ``node`` (of type ``node_kind``; itself
    included), else the root."""
    if node_kind in _SCOPE_NODES:
        return node
    current = node
    for current in ancestors:
        if current.type in _SCOPE_NODES:
            break
    return current


def _used_outside(variable: Variable, scope_node: Node) -> bool:
    # An identifier that starts inside the scope node lies inside it: the tree
    # has no errors here, so its nodes nest (and no end is read).
    start, end = scope_node.start_byte, scope_node.end_byte
    return any(not start <= ref.identifier.start_byte < end for ref in variable.references)


def _in_loop(source: ParsedSource, node: Node, node_kind: str, ancestors: _Ancestors) -> bool:
    """Whether ``node`` (of type ``node_kind``) is, or is in, a loop of its function."""
    if node_kind not in _LOOPS and not source.fact(_LOOP_SPANS, _LoopSpans).may_hold(
        node.start_byte
    ):
        return False  # no loop around it at all
    for kind in chain((node_kind,), (ancestor.type for ancestor in ancestors)):
        if kind in FUNCTIONS:
            return False
        if kind in _LOOPS:
            return True
    return False


def _referenced_in_closure(variable: Variable) -> bool:
    home = _function_scope(variable.scope)
    return any(_function_scope(ref.scope) is not home for ref in variable.references)


def _self_reference_in_tdz(decl: Declaration) -> bool:
    """Whether a variable of ``decl`` is read where ``let`` would throw: before
    its binding, inside its own default value, or inside the initialiser of its
    declarator (unless that initialiser is a function).

    Only asked of a source without syntax errors, whose nodes nest: an
    identifier that starts inside a node lies inside it (so no end is read).
    """
    # The declarators with an initialiser, by node id.
    initialised = {
        declarator.node.id: declarator
        for declarator in decl.declarators
        if declarator.init is not None and declarator.node is not None
    }
    if not initialised:
        return False
    # A declarator's own binding has the declarator for parent, never a default.
    bindings = {declarator.id.id for declarator in decl.declarators}
    for variable in decl.variables:
        owners = [initialised[d.node.id] for d in variable.definitions if d.node.id in initialised]
        if not owners:
            continue
        name = variable.definitions[0].name
        name_start = name.start_byte
        default = None
        if name.id not in bindings:
            host = name.parent
            if host is not None and host.type in _DEFAULT_HOSTS:
                left = host.child_by_field_name("left")
                if left is not None and left.id == name.id:
                    default = host.child_by_field_name("right")
        default_start, default_end = (
            (default.start_byte, default.end_byte) if default is not None else (-1, -1)
        )
        for declarator in dict.fromkeys(owners):
            init = declarator.init
            assert init is not None
            if _unparen(init).type in FUNCTIONS:
                init_start, init_end = -1, -1  # a function's body runs later
            else:
                init_start, init_end = init.start_byte, init.end_byte
            for ref in variable.references:
                if ref.is_init:
                    continue
                start = ref.identifier.start_byte
                if (
                    start < name_start
                    or default_start <= start < default_end
                    or init_start <= start < init_end
                ):
                    return True
    return False
