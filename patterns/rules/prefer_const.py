"""prefer-const: ``let`` bindings that are never reassigned should be ``const``.

Follows ESLint 9's rule (docs: https://eslint.org/docs/latest/rules/prefer-const)
case for case, including its grouping of destructured bindings, its options
``destructuring`` ("any"/"all") and ``ignoreReadBeforeAssign``, and its fix:
the ``let`` keyword becomes ``const``, with the fix's range spanning the whole
declaration so that no other fix touches the declaration in the same pass.

Declarations that hold or sit inside a syntax error are left alone, and on a
source with syntax errors problems are reported without fixes.

Where the native core is built, the default options' decisions on a source without
syntax errors are made in Rust over the scope walk's records
(``patterns/native/src/scope/prefer_const.rs``); this module stays their definition,
and the tests hold the two to the same problems.

``let``, a line break (and maybe comments), then a binding is one declaration
for ESLint; :func:`patterns.parsing.parse` gives the rule that reading (see
:mod:`patterns._let_repair`), and the fix keeps the comments of the real text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._bytes import contains_any
from .._native_core import kind_sets
from ..directives import exported_names
from ..exceptions import InvalidRuleOptions
from ..rule import Rule, RuleContext
from ..scope import (
    Declaration,
    Reference,
    Scope,
    Variable,
)
from ..types import Problem, TextEdit
from ._statements import has_word

__all__ = ["PreferConst"]

# ESTree node kinds that sit between a binding identifier and its declarator or
# assignment: patterns, pattern properties (and parentheses, which ESTree drops).
_PATTERN_PARTS: Final = frozenset(
    {
        "object_pattern",
        "array_pattern",
        "assignment_pattern",
        "object_assignment_pattern",
        "rest_pattern",
        "pair_pattern",
        "parenthesized_expression",
    }
)
_ASSIGNMENTS: Final = frozenset({"assignment_expression", "augmented_assignment_expression"})
_STATEMENT_LISTS: Final = frozenset({"program", "statement_block", "switch_case", "switch_default"})
_MODULE_BODIES: Final = frozenset({"internal_module", "module"})
# The kind sets patterns/native/src/scope/prefer_const.rs reads, in the order it
# numbers them.
_NATIVE_KINDS: Final = (_PATTERN_PARTS, _ASSIGNMENTS, _STATEMENT_LISTS, _MODULE_BODIES)


class _Undefined:
    """JavaScript's ``undefined``, distinct from every string (and from "")."""


_UNDEFINED: Final = _Undefined()


# The VariableDeclarator or AssignmentExpression a write belongs to: its node id,
# and the assignment target for an assignment (None for a declarator). A plain
# tuple: there is one per write, and a dataclass costs ten times as much to make.
_Host = tuple[int, "Node | None"]


def _up(node: Node) -> Node | None:
    """The nearest ancestor that is not part of a binding pattern."""
    parent = node.parent
    while parent is not None and parent.type in _PATTERN_PARTS:
        parent = parent.parent
    return parent


def _unparen(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        inner = node.named_children[0]
        node = inner
    return node


def _is_loop_head(node: Node, identifier: Node) -> bool:
    """Whether ``identifier`` is bound by the declaration of a for-in/of head."""
    if node.type != "for_in_statement" or node.child_by_field_name("kind") is None:
        return False
    left = node.child_by_field_name("left")
    return left is not None and left.start_byte <= identifier.start_byte < left.end_byte


def _destructuring_host(ref: Reference, up: Callable[[Node], Node | None] = _up) -> _Host | None:
    if not ref.is_write:
        return None
    node = up(ref.identifier)
    if node is None:
        return None
    if node.type == "variable_declarator" or _is_loop_head(node, ref.identifier):
        return (node.id, None)
    if node.type in _ASSIGNMENTS:
        left = node.child_by_field_name("left")
        return (node.id, _unparen(left) if left is not None else None)
    return None


def _can_become_declaration(identifier: Node, up: Callable[[Node], Node | None] = _up) -> bool:
    node = up(identifier)
    if node is None:
        return False
    if node.type == "variable_declarator" or _is_loop_head(node, identifier):
        return True
    if node.type not in _ASSIGNMENTS:
        return False
    statement = node.parent
    while statement is not None and statement.type == "parenthesized_expression":
        statement = statement.parent
    if statement is None or statement.type != "expression_statement":
        return False
    host = statement.parent
    if host is None or host.type not in _STATEMENT_LISTS:
        return False
    owner = host.parent
    return not (
        host.type == "statement_block" and owner is not None and owner.type in _MODULE_BODIES
    )


def _named(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type != "comment"]


def _has_member_target(node: Node) -> bool:
    """ESLint's hasMemberExpressionAssignment over a tree-sitter pattern."""
    node = _unparen(node)
    kind = node.type
    if kind in ("member_expression", "subscript_expression"):
        return True
    if kind == "object_pattern":
        for prop in _named(node):
            if prop.type == "pair_pattern":
                value = prop.child_by_field_name("value")
                if value is not None and _has_member_target(value):
                    return True
            elif prop.type == "rest_pattern":
                if any(_has_member_target(c) for c in _named(prop)):
                    return True
        return False
    if kind == "array_pattern":
        # A rest element is not looked into, as in ESLint.
        return any(_has_member_target(e) for e in _named(node) if e.type != "rest_pattern")
    if kind == "assignment_pattern":
        left = node.child_by_field_name("left")
        return left is not None and _has_member_target(left)
    return False


def _direct_names(pattern: Node, text: Any) -> list[str]:
    """Names of the plain identifiers directly inside a destructuring target."""
    names = []
    if pattern.type == "object_pattern":
        for prop in _named(pattern):
            if prop.type == "shorthand_property_identifier_pattern":
                names.append(text(prop))
            elif prop.type == "pair_pattern":
                value = prop.child_by_field_name("value")
                if value is not None and value.type == "identifier":
                    names.append(text(value))
    elif pattern.type == "array_pattern":
        names.extend(text(e) for e in _named(pattern) if e.type == "identifier")
    return names


def _pattern_size(node: Node) -> int:
    """ESTree's ``properties.length`` / ``elements.length`` (holes count)."""
    if node.type == "object_pattern":
        return len(_named(node))
    if node.type == "array_pattern":
        count = 0
        pending = False
        for child in node.children:
            if child.type in ("[", "]", "comment"):
                continue
            if child.type == ",":
                count += 1
                pending = False
            else:
                pending = True
        return count + (1 if pending else 0)
    return 1


def _inside_error(node: Node) -> bool:
    current: Node | None = node
    while current is not None:
        if current.is_error:
            return True
        current = current.parent
    return False


def _is_outer_variable(name: str, scope: Scope) -> bool:
    if any(r.resolved is not None and r.resolved.name == name for r in scope.through):
        return True
    variable = scope.lookup(name)
    return variable is not None and any(d.kind == "param" for d in variable.definitions)


class PreferConst(Rule):
    name: ClassVar[str] = "prefer-const"
    description: ClassVar[str] = (
        "Require const declarations for variables that are never reassigned after declared"
    )
    default_reliability: ClassVar[float] = 0.9
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = (
        {"destructuring": "any", "ignoreReadBeforeAssign": False},
    )
    version: ClassVar[int] = 2

    def validate_options(self, options: tuple[Any, ...]) -> None:
        opts = options[0]
        if opts["destructuring"] not in ("any", "all"):
            raise InvalidRuleOptions(self.name, 'destructuring must be "any" or "all"')
        if not isinstance(opts["ignoreReadBeforeAssign"], bool):
            raise InvalidRuleOptions(self.name, "ignoreReadBeforeAssign must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        if not has_word(source.data, b"let"):
            return iter(())  # no `let` declaration, and no scope analysis asked for
        records = ctx.scopes().records
        if (
            records is not None
            and ctx.options == _DEFAULTS
            and not source.has_errors
            and not contains_any(source.data, (b"exported",))
        ):
            kinds = kind_sets(source.tree.language, _NATIVE_KINDS)
            return _native_problems(ctx, records.prefer_const(kinds))
        return _Check(ctx).run()


# Where the native walk decides (patterns/native/src/scope/prefer_const.rs): what
# _Check decides with these options, on a source without syntax errors or
# `/* exported */` comments.
_DEFAULTS: Final = (PreferConst.options_schema[0],)


def _native_problems(
    ctx: RuleContext, findings: list[tuple[int, int, str, tuple[int, int, str] | None]]
) -> Iterator[Problem]:
    for start, end, name, fix in findings:
        edit = None if fix is None else ctx.edit(*fix)
        yield ctx.problem(f"'{name}' is never reassigned. Use 'const' instead.", start, end, edit)


class _Check:
    """One run of the rule over one source (ESLint's per-file rule state)."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        opts = ctx.options[0]
        self.match_any = opts["destructuring"] != "all"
        self.ignore_read_before_assign = bool(opts["ignoreReadBeforeAssign"])
        self.fixable = not ctx.source.has_errors
        self.exported: set[str] | None = None
        # ESLint's bookkeeping for declarations with several declarators.
        self.report_count = 0
        self.checked_id: int | None = None
        self.checked_name: str | _Undefined = ""
        # `_up` of each write's identifier: asked two or three times per write, and
        # each `Node.parent` is a search down from the root.
        self._above: dict[int, Node | None] = {}
        # The host of each write, by its identifier's id: asked twice per write.
        self._hosts: dict[int, _Host | None] = {}

    def up(self, identifier: Node) -> Node | None:
        key = identifier.id
        try:
            return self._above[key]
        except KeyError:
            above = self._above[key] = _up(identifier)
            return above

    def host(self, write: Reference) -> _Host | None:
        """:func:`_destructuring_host` of ``write`` (a write reference)."""
        key = write.identifier.id
        try:
            return self._hosts[key]
        except KeyError:
            host = self._hosts[key] = _destructuring_host(write, self.up)
            return host

    def text(self, node: Node) -> str:
        return self.ctx.source.node_text(node)

    def run(self) -> Iterator[Problem]:
        scopes = self.ctx.scopes()
        variables: list[Variable] = []
        self.declaration_of: dict[int, Declaration] = {}
        # Without errors in the tree no declaration can hold or sit in one.
        has_errors = self.ctx.source.has_errors
        for decl in scopes.declarations:
            if decl.kind != "let" or decl.loop == "for-init":
                continue
            if has_errors and (decl.node.has_error or _inside_error(decl.node)):
                continue
            variables.extend(decl.variables)
            for declarator in decl.declarators:
                # A name bound directly by a declarator has that declarator for
                # parent, which is no pattern part: `_up` of it, without the search.
                if declarator.node is not None and declarator.id.type == "identifier":
                    self._above[declarator.id.id] = declarator.node
            for variable in decl.variables:
                for definition in variable.definitions:
                    if definition.declaration is decl:
                        self.declaration_of[definition.name.id] = decl
        groups: dict[int, list[Node | None]] = {}
        for variable in variables:
            identifier = self.identifier_if_should_be_const(variable)
            previous: int | None = None
            for ref in variable.references:
                identifier_id = ref.identifier.id
                if identifier_id == previous:
                    continue
                previous = identifier_id
                if not ref.is_write:
                    continue  # a read has no host (and is most references)
                host = self.host(ref)
                if host is not None:
                    groups.setdefault(host[0], []).append(identifier)
        for nodes in groups.values():
            yield from self.check_group(nodes)

    def is_exported(self, variable: Variable) -> bool:
        if variable.scope.kind != "global":
            return False
        if self.exported is None:
            self.exported = exported_names(self.ctx.source)
        return variable.name in self.exported

    def identifier_if_should_be_const(self, variable: Variable) -> Node | None:
        if self.is_exported(variable):
            return None
        writer: Reference | None = None
        read_before_init = False
        for ref in variable.references:
            if ref.is_write:
                if writer is not None and writer.identifier.id != ref.identifier.id:
                    return None
                host = self.host(ref)
                left = None if host is None else host[1]
                if left is not None:
                    if left.type in ("object_pattern", "array_pattern"):
                        names = _direct_names(left, self.text)
                        if any(_is_outer_variable(n, variable.scope) for n in names):
                            return None
                        if _has_member_target(left):
                            return None
                writer = ref
            elif ref.is_read and writer is None:
                if self.ignore_read_before_assign:
                    return None
                read_before_init = True
        if (
            writer is None
            or writer.scope is not variable.scope
            or not _can_become_declaration(writer.identifier, self.up)
        ):
            return None
        if read_before_init:
            return variable.definitions[0].name
        return writer.identifier

    def check_group(self, nodes: list[Node | None]) -> Iterator[Problem]:
        to_report = [n for n in nodes if n is not None]
        if not nodes or not (self.match_any or len(to_report) == len(nodes)):
            return
        first = nodes[0]
        decl = self.declaration_of.get(first.id) if first is not None else None
        if decl is not None and decl.declarators:
            head = decl.declarators[0]
            if head.init is not None:
                # ESLint resets its per-declaration count on these changes.
                name: str | _Undefined = (
                    self.text(head.id) if head.id.type == "identifier" else _UNDEFINED
                )
                if name != self.checked_name:
                    self.checked_name = name
                    self.report_count = 0
                if head.id.type == "object_pattern":
                    init_name: str | _Undefined = (
                        self.text(head.init) if head.init.type == "identifier" else _UNDEFINED
                    )
                    if init_name != self.checked_name:
                        self.checked_name = init_name
                        self.report_count = 0
                if head.id.id != self.checked_id:
                    self.checked_id = head.id.id
                    self.report_count = 0
        should_fix = (
            decl is not None
            and (decl.loop == "for-in" or all(d.init is not None for d in decl.declarators))
            and len(to_report) == len(nodes)
        )
        if decl is not None and len(decl.declarators) != 1:
            self.report_count += len(to_report)
            total = sum(_pattern_size(d.id) for d in decl.declarators)
            should_fix = should_fix and self.report_count == total
        fix = self.fix(decl) if should_fix and decl is not None and self.fixable else None
        for node in to_report:
            message = f"'{self.text(node)}' is never reassigned. Use 'const' instead."
            yield self.ctx.problem(message, node.start_byte, node.end_byte, fix)

    def fix(self, decl: Declaration) -> TextEdit | None:
        keyword = decl.keyword
        if keyword is None:
            return None
        data = self.ctx.source.data
        replacement = (
            data[decl.start_byte : keyword.start_byte]
            + b"const"
            + data[keyword.end_byte : decl.end_byte]
        ).decode("utf-8", "surrogatepass")
        return self.ctx.edit(decl.start_byte, decl.end_byte, replacement)
