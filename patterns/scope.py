"""Scope analysis over tree-sitter JavaScript/TypeScript trees.

Modelled on eslint-scope (what ESLint rules see): scopes (global, module,
function, block, for, switch, catch, class, class static block, class field
initializer, named function expression, with), variables with their
definitions, and references with read/write flags, resolved lexically. ``var``
hoists to the nearest function-like scope; ``let``/``const``/``class`` and
block-level function declarations bind in the block.

References are recorded in document order, which is also the order in which
eslint-scope attaches them to a variable. Code inside tree-sitter ERROR nodes
is analysed conservatively: every reference there counts as a read and a write,
so no rule concludes that a variable is never reassigned from broken code.

The walk is iterative: any nesting depth is fine.
"""

from __future__ import annotations

from ._native_core import native_scopes
from ._scope_model import (
    Declaration,
    Declarator,
    Definition,
    DefinitionKind,
    Reference,
    Scope,
    ScopeKind,
    ScopeManager,
    SourceType,
    Variable,
)
from ._scope_walk import build_scopes
from .parsing import ParsedSource

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
    "analyze_scopes",
]


def analyze_scopes(source: ParsedSource, source_type: SourceType = "module") -> ScopeManager:
    """Build the scopes, variables and resolved references of a parsed source.

    ``source_type``: ``"module"`` (top-level bindings in a module scope),
    ``"script"`` (in the global scope) or ``"commonjs"`` (in a function scope
    under the global one, like Node's module wrapper).
    """
    found = native_scopes(source, source_type)
    return build_scopes(source, source_type) if found is None else found
