"""The data model of scope analysis: scopes, variables, references, declarations.

See :mod:`patterns.scope` for the analysis itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from tree_sitter import Node

__all__ = [
    "Declaration",
    "Declarator",
    "Definition",
    "DefinitionKind",
    "Reference",
    "Scope",
    "ScopeKind",
    "ScopeManager",
    "SourceType",
    "Variable",
]

SourceType = Literal["module", "script", "commonjs"]

ScopeKind = Literal[
    "global",
    "module",
    "function",
    "function-expression-name",
    "class",
    "class-field-initializer",
    "class-static-block",
    "block",
    "for",
    "switch",
    "catch",
    "with",
]

DefinitionKind = Literal[
    "let",
    "const",
    "var",
    "using",
    "function",
    "function-name",
    "class",
    "param",
    "catch",
    "import",
    "enum",
    "namespace",
]

_VARIABLE_SCOPES: Final = frozenset(
    {"global", "module", "function", "class-static-block", "class-field-initializer"}
)


@dataclass(eq=False, slots=True)
class Reference:
    """One occurrence of a name used as a variable."""

    identifier: Node
    name: str
    scope: Scope  # the scope the reference is made from (eslint-scope's ``from``)
    is_read: bool
    is_write: bool
    is_init: bool = False  # the write of a declaration's initialiser or loop head
    resolved: Variable | None = None

    @property
    def is_read_only(self) -> bool:
        return self.is_read and not self.is_write


@dataclass(eq=False, slots=True)
class Definition:
    """Where and how a variable is declared."""

    kind: DefinitionKind
    name: Node  # the binding identifier
    node: Node  # the declarator, function, class, import, parameter list owner...
    declaration: Declaration | None = None


@dataclass(eq=False, slots=True)
class Variable:
    name: str
    scope: Scope
    definitions: list[Definition] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    @property
    def kinds(self) -> set[DefinitionKind]:
        return {d.kind for d in self.definitions}


@dataclass(eq=False, slots=True)
class Scope:
    kind: ScopeKind
    node: Node
    parent: Scope | None
    children: list[Scope] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)  # made directly here
    through: list[Reference] = field(default_factory=list)  # not resolved here

    @property
    def is_variable_scope(self) -> bool:
        return self.kind in _VARIABLE_SCOPES

    @property
    def variable_scope(self) -> Scope:
        """The nearest enclosing scope (self included) where ``var`` binds."""
        scope: Scope = self
        while not scope.is_variable_scope and scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> Variable | None:
        """The variable ``name`` resolves to from this scope, if declared."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.variables.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None


@dataclass(eq=False, slots=True)
class Declarator:
    """One binding of a declaration: ``id = init`` (a loop head has no init)."""

    node: Node | None  # variable_declarator; None for a for-in/for-of head
    id: Node
    init: Node | None


@dataclass(eq=False, slots=True)
class Declaration:
    """A ``var``/``let``/``const``/``using`` declaration, as ESTree would see it.

    A for-in/for-of head (``for (let x of xs)``) is a declaration with one
    declarator and no init; its range runs from the keyword to the end of the
    binding, as in ESTree.
    """

    node: Node  # lexical_declaration, variable_declaration, using_declaration, for_in_statement
    kind: str  # "let", "const", "var", "using"
    keyword: Node | None
    declarators: list[Declarator]
    start_byte: int
    end_byte: int
    loop: Literal["for-init", "for-in", None] = None
    variables: list[Variable] = field(default_factory=list)


@dataclass(slots=True)
class ScopeManager:
    """The result of :func:`analyze_scopes`."""

    global_scope: Scope
    program_scope: Scope  # where top-level declarations bind (module scope for modules)
    scopes: list[Scope]
    references: list[Reference]
    declarations: list[Declaration]
    _by_node: dict[int, Scope]
    # With the native walk: every list and dict that may close a cycle (see release).
    _owned: list[Any] | None = None
    # With the native walk: its records (``patterns._native.Records``), for the rules
    # that decide over them natively (no-var, prefer-const); None with the Python walk.
    records: Any | None = None

    def scope_of(self, node: Node) -> Scope | None:
        """The scope ``node`` itself creates (the innermost one), if any."""
        return self._by_node.get(node.id)

    def enclosing_scope(self, node: Node) -> Scope:
        """The innermost scope whose node contains ``node`` (itself included)."""
        current: Node | None = node
        while current is not None:
            found = self._by_node.get(current.id)
            if found is not None:
                return found
            current = current.parent
        return self.global_scope

    def variables(self) -> Iterator[Variable]:
        for scope in self.scopes:
            yield from scope.variables.values()

    def release(self) -> None:
        """Unlink the analysis (scopes from their children, variables and
        references; variables from their references; declarations from their
        variables) so that reference counting frees it at once instead of the
        cyclic garbage collector, later. For its owner, once done with it: the
        analysis is empty afterwards."""
        if self._owned is not None:  # the native walk listed those containers
            for container in self._owned:
                container.clear()
            self._owned.clear()
        else:
            for scope in self.scopes:
                for variable in scope.variables.values():
                    variable.references.clear()
                scope.variables.clear()
                scope.children.clear()
                scope.references.clear()
                scope.through.clear()
            for declaration in self.declarations:
                declaration.variables.clear()
        self.records = None
        self.scopes.clear()
        self.references.clear()
        self.declarations.clear()
        self._by_node.clear()
