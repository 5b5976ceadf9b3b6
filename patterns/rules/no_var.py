"""no-var: require ``let`` or ``const`` instead of ``var``.

Every ``var`` declaration is reported. The fix turns the ``var`` keyword into
``let``, and only where that cannot change what the program does, as ESLint
decides it: the declaration sits directly in a statement list (or heads a
``for`` loop), none of its variables is global, declared twice, used outside
the block that would now hold it, read before its declaration (the temporal
dead zone), named ``let``, or, inside a loop, captured by a closure or left
uninitialised (``let`` would give each iteration a fresh binding).

Reliability 0.85: the rewrite itself is one keyword, but whether it is safe
rests on the whole-file scope analysis, so it sits below purely mechanical
rules and a little below prefer-const (``var`` → ``let`` also changes hoisting).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from ..rule import Rule, RuleContext
from ..scope import Declaration, Scope, Variable
from ..types import Problem
from ._statements import FUNCTIONS, has_word, is_statement_list

__all__ = ["NoVar"]

MESSAGE: Final = "Unexpected var, use let or const instead."

# ESLint's scope nodes: the block a `let` would be confined to.
_SCOPE_NODES: Final = frozenset(
    {"program", "statement_block", "switch_statement", "for_statement", "for_in_statement"}
)
_LOOPS: Final = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_DEFAULT_HOSTS: Final = frozenset({"assignment_pattern", "object_assignment_pattern"})


def _effective_parent(node: Node) -> Node | None:
    """The parent ESTree would give: TypeScript's ``declare`` is a flag, not a node."""
    parent = node.parent
    if parent is not None and parent.type == "ambient_declaration":
        return parent.parent
    return parent


def _in_declare_global(node: Node) -> bool:
    block = node.parent
    owner = block.parent if block is not None else None
    return (
        block is not None
        and block.type == "statement_block"
        and owner is not None
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
    parent = decl.node.parent
    return (
        decl.loop != "for-in"
        and parent is not None
        and parent.type == "for_statement"
        and parent.child_by_field_name("initializer") == decl.node
    )


def _report_range(decl: Declaration) -> tuple[int, int]:
    """ESTree's VariableDeclaration range (no ``;`` inside a for head)."""
    node = decl.node
    if decl.loop == "for-in" or not decl.declarators:
        return decl.start_byte, decl.end_byte
    start = decl.start_byte
    parent = node.parent
    if parent is not None and parent.type == "ambient_declaration":
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
        if not has_word(ctx.source.data, b"var"):  # no `var` keyword: no scope analysis
            return
        scopes = ctx.scopes()
        fixable = not ctx.source.has_errors
        for decl in scopes.declarations:
            if decl.kind != "var" or _in_declare_global(decl.node):
                continue
            start, end = _report_range(decl)
            fix = None
            if fixable and decl.keyword is not None and _can_fix(decl):
                fix = ctx.edit(decl.keyword.start_byte, decl.keyword.end_byte, "let")
            yield ctx.problem(MESSAGE, start, end, fix)


def _can_fix(decl: Declaration) -> bool:
    node = decl.node
    parent = node if decl.loop == "for-in" else _effective_parent(node)
    if parent is None or parent.type in ("switch_case", "switch_default"):
        return False
    variables = decl.variables
    # The cheap tests on the variables first (a global `var` is common): every test
    # here only withholds the fix, so their order does not matter.
    if any(
        v.scope.kind == "global" or len(v.definitions) >= 2 or v.name == "let" for v in variables
    ):
        return False
    if any(_self_reference_in_tdz(decl, index) for index in range(len(decl.declarators))):
        return False
    scope_node = _scope_node(node)
    if any(_used_outside(v, scope_node) for v in variables):
        return False
    if _in_loop(node):
        if any(_referenced_in_closure(v) for v in variables):
            return False
        if not _is_loop_assignee(decl) and any(d.init is None for d in decl.declarators):
            return False
    return _is_loop_assignee(decl) or _is_for_init(decl) or is_statement_list(parent)


def _scope_node(node: Node) -> Node:
    current: Node | None = node
    while current is not None:
        if current.type in _SCOPE_NODES:
            return current
        if current.parent is None:
            return current
        current = current.parent
    return node


def _used_outside(variable: Variable, scope_node: Node) -> bool:
    start, end = scope_node.start_byte, scope_node.end_byte
    return any(
        ref.identifier.start_byte < start or ref.identifier.end_byte > end
        for ref in variable.references
    )


def _in_loop(node: Node) -> bool:
    current: Node | None = node
    while current is not None and current.type not in FUNCTIONS:
        if current.type in _LOOPS:
            return True
        current = current.parent
    return False


def _referenced_in_closure(variable: Variable) -> bool:
    home = _function_scope(variable.scope)
    return any(_function_scope(ref.scope) is not home for ref in variable.references)


def _self_reference_in_tdz(decl: Declaration, index: int) -> bool:
    """Whether a variable of declarator ``index`` is read where ``let`` would throw."""
    declarator = decl.declarators[index]
    init = declarator.init
    if init is None or declarator.node is None:
        return False
    owner = declarator.node.id
    init_is_function = _unparen(init).type in FUNCTIONS
    for variable in decl.variables:
        if not any(d.node.id == owner for d in variable.definitions):
            continue
        name = variable.definitions[0].name
        host = name.parent
        default = None
        if host is not None and host.type in _DEFAULT_HOSTS:
            left = host.child_by_field_name("left")
            if left is not None and left.id == name.id:
                default = host.child_by_field_name("right")
        for ref in variable.references:
            if ref.is_init:
                continue
            start, end = ref.identifier.start_byte, ref.identifier.end_byte
            if start < name.start_byte:
                return True
            if default is not None and default.start_byte <= start and end <= default.end_byte:
                return True
            if not init_is_function and init.start_byte <= start and end <= init.end_byte:
                return True
    return False
