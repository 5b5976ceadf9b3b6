"""The tree walk behind :func:`patterns.scope.analyze_scopes`.

One iterative pass over the tree (an explicit stack, so any nesting depth is
fine) builds the scopes and definitions and records references in document
order; references are resolved lexically at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, NamedTuple

from tree_sitter import Language, Node

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
from .parsing import ParsedSource

__all__ = ["action_codes", "build_scopes"]

# Node types that hold no references at all (literals, names that are not
# variables, TypeScript types).
_INERT: Final = frozenset(
    {
        "comment",
        "html_comment",
        "hash_bang_line",
        "string",
        "string_fragment",
        "escape_sequence",
        "regex",
        "number",
        "true",
        "false",
        "null",
        "this",
        "super",
        "meta_property",
        "property_identifier",
        "private_property_identifier",
        "statement_identifier",
        "jsx_text",
        "jsx_closing_element",
        "jsx_namespace_name",
        "break_statement",
        "continue_statement",
        "debugger_statement",
        "empty_statement",
        # TypeScript type level
        "type_annotation",
        "type_arguments",
        "type_parameters",
        "type_alias_declaration",
        "interface_declaration",
        "type_identifier",
        "predefined_type",
        "implements_clause",
        "index_signature",
        "method_signature",
        "property_signature",
        "abstract_method_signature",
        "construct_signature",
        "call_signature",
        "accessibility_modifier",
        "override_modifier",
        "type_predicate_annotation",
        "asserts_annotation",
        "opting_type_annotation",
        "omitting_type_annotation",
        "adding_type_annotation",
        "type_query",
    }
)

_IDENTIFIERS: Final = frozenset({"identifier", "undefined", "shorthand_property_identifier"})
_BINDING_IDENTIFIERS: Final = frozenset(
    {"identifier", "undefined", "shorthand_property_identifier_pattern"}
)
_FUNCTIONS: Final = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
_CLASSES: Final = frozenset({"class_declaration", "class", "abstract_class_declaration"})
_DEFINITION_KINDS: Final[dict[str, DefinitionKind]] = {
    "var": "var",
    "let": "let",
    "const": "const",
    "using": "using",
    "await using": "using",
}
_TYPE_WRAPPERS: Final = frozenset(
    {"non_null_expression", "as_expression", "satisfies_expression", "type_assertion"}
)


_VISIT: Final = 0
_DECLARE: Final = 1
_ASSIGN: Final = 2


@dataclass(slots=True)
class _Binding:
    """How identifiers of a binding pattern are declared."""

    kind: DefinitionKind
    target: Scope
    write: bool
    node: Node
    declaration: Declaration | None = None

    def with_write(self) -> _Binding:
        if self.write:
            return self
        return _Binding(self.kind, self.target, True, self.node, self.declaration)


# A task: (operation, node, current scope, argument, uncertain)
# argument: _Binding for _DECLARE, a bool "also read" for _ASSIGN, None for _VISIT.
_Task = tuple[int, Node, Scope, object, bool]


def _named(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type != "comment"]


class _Analyzer:
    def __init__(self, source: ParsedSource, source_type: SourceType) -> None:
        self.source = source
        self.data = source.data
        self.scopes: list[Scope] = []
        self.references: list[Reference] = []
        self.declarations: list[Declaration] = []
        self.by_node: dict[int, Scope] = {}
        root = source.root
        self.global_scope = self._new_scope("global", root, None)
        if source_type == "module":
            self.program_scope = self._new_scope("module", root, self.global_scope)
        elif source_type == "commonjs":
            self.program_scope = self._new_scope("function", root, self.global_scope)
            self._define_implicit(self.program_scope, "arguments")
        else:
            self.program_scope = self.global_scope
        self.stack: list[_Task] = []
        # What visiting each kind does, the kinds whose visit does nothing, and
        # the grammar's ids of the fields and kinds the hot paths look at.
        self.actions, self.inert, self.fields = _actions(source.tree.language, source.language)

    # -- helpers

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")

    def _new_scope(self, kind: ScopeKind, node: Node, parent: Scope | None) -> Scope:
        scope = Scope(kind, node, parent)
        if parent is not None:
            parent.children.append(scope)
        self.scopes.append(scope)
        self.by_node[node.id] = scope
        return scope

    def _define_implicit(self, scope: Scope, name: str) -> None:
        scope.variables.setdefault(name, Variable(name, scope))

    def _define(self, name_node: Node, binding: _Binding) -> None:
        name = self.text(name_node)
        if not name:
            return
        target = binding.target
        variable = target.variables.get(name)
        if variable is None:
            variable = target.variables[name] = Variable(name, target)
        variable.definitions.append(
            Definition(binding.kind, name_node, binding.node, binding.declaration)
        )
        decl = binding.declaration
        if decl is not None and variable not in decl.variables:
            decl.variables.append(variable)

    def _reference(
        self, node: Node, scope: Scope, *, read: bool, write: bool, init: bool = False
    ) -> None:
        name = self.text(node)
        if not name:
            return
        ref = Reference(node, name, scope, read, write, init)
        self.references.append(ref)
        scope.references.append(ref)

    def _push(self, tasks: list[_Task]) -> None:
        # Tasks are given in document order; the stack pops the first one first.
        self.stack.extend(reversed(tasks))

    def _visit_all(self, nodes: list[Node], scope: Scope, uncertain: bool) -> list[_Task]:
        # Visiting an inert node does nothing: leave it out of the stack.
        inert = self.inert
        return [(_VISIT, n, scope, None, uncertain) for n in nodes if n.kind_id not in inert]

    def _visit_children(self, node: Node, scope: Scope, uncertain: bool) -> None:
        """Visit the named children of ``node`` next, in document order."""
        inert = self.inert
        self.stack.extend(
            [
                (_VISIT, child, scope, None, uncertain)
                for child in reversed(node.named_children)
                if child.kind_id not in inert  # comments included
            ]
        )

    # -- driver

    def run(self) -> ScopeManager:
        self._visit_children(self.source.root, self.program_scope, False)
        stack = self.stack
        actions = self.actions
        inert = self.inert
        data = self.data
        references = self.references
        fields = self.fields
        object_field, key_field, value_field = fields.object, fields.key, fields.value
        computed_keys = fields.computed_keys
        while stack:
            op, node, scope, arg, uncertain = stack.pop()
            if op == _DECLARE:
                assert isinstance(arg, _Binding)
                self._declare(node, scope, arg, uncertain)
                continue
            if op == _ASSIGN:
                self._assign(node, scope, bool(arg), uncertain)
                continue
            # Visiting a node, inlined (this loop runs for most nodes of the tree).
            # Where the node's children are visited in order, the first one is
            # visited right away rather than through the stack: the same order.
            while True:
                action = actions.get(node.kind_id)
                if action is None or action is _ERROR:
                    if action is _ERROR:
                        uncertain = True
                    children = [
                        child
                        for child in node.named_children
                        if child.kind_id not in inert  # comments included
                    ]
                    if not children:
                        break
                    if len(children) > 1:
                        stack.extend(
                            [(_VISIT, child, scope, None, uncertain) for child in children[:0:-1]]
                        )
                    node = children[0]
                    continue
                if action is _REFERENCE:
                    # _reference(node, scope, read=True, write=uncertain), inlined
                    name = data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")
                    if name:
                        ref = Reference(node, name, scope, True, uncertain, False)
                        references.append(ref)
                        scope.references.append(ref)
                elif action is _MEMBER:
                    # Only the object holds references (the property is a name): it
                    # is visited right away, as pushing it and popping it next would.
                    part = node.child_by_field_id(object_field)
                    if part is not None:
                        node = part
                        continue
                elif action is _PAIR:
                    # A key holds references only when computed; the value is next.
                    key = node.child_by_field_id(key_field)
                    part = node.child_by_field_id(value_field)
                    if key is not None and key.kind_id in computed_keys:
                        if part is not None:
                            stack.append((_VISIT, part, scope, None, uncertain))
                        node = key
                        continue
                    if part is not None:
                        node = part
                        continue
                elif not isinstance(action, str):  # a handler (not _SKIP)
                    action(self, node, scope, uncertain)
                break
        self._resolve()
        return ScopeManager(
            self.global_scope,
            self.program_scope,
            self.scopes,
            self.references,
            self.declarations,
            self.by_node,
        )

    def _resolve(self) -> None:
        for ref in self.references:
            scope: Scope | None = ref.scope
            while scope is not None:
                variable = scope.variables.get(ref.name)
                if variable is not None:
                    ref.resolved = variable
                    variable.references.append(ref)
                    break
                scope.through.append(ref)
                scope = scope.parent

    # -- expressions and statements

    def _statement_block(self, node: Node, scope: Scope, uncertain: bool) -> None:
        block = self._new_scope("block", node, scope)
        self._visit_children(node, block, uncertain)

    def _variable_declaration(self, node: Node, scope: Scope, uncertain: bool) -> None:
        parent = node.parent
        in_for_init = (
            parent is not None
            and parent.type == "for_statement"
            and parent.child_by_field_name("initializer") == node
        )
        keyword: Node | None
        if node.type == "variable_declaration":
            kind = "var"
            keyword = node.child(0)
        elif node.type == "using_declaration":
            kind = "using"
            keyword = node.child(0)
        else:
            keyword = node.child_by_field_name("kind")
            kind = self.text(keyword) if keyword is not None else "let"
        decl = Declaration(
            node=node,
            kind=kind,
            keyword=keyword,
            declarators=[],
            start_byte=node.start_byte,
            end_byte=node.end_byte,
            loop="for-init" if in_for_init else None,
        )
        self.declarations.append(decl)
        def_kind = _DEFINITION_KINDS.get(kind, "let")
        target = scope.variable_scope if kind == "var" else scope
        tasks: list[_Task] = []
        for child in _named(node):
            if child.type != "variable_declarator":
                if child.is_error:
                    tasks.append((_VISIT, child, scope, None, True))
                continue
            name = child.child_by_field_name("name")
            value = child.child_by_field_name("value")
            if name is None:
                continue
            decl.declarators.append(Declarator(child, name, value))
            binding = _Binding(def_kind, target, value is not None, child, decl)
            tasks.append((_DECLARE, name, scope, binding, uncertain))
            if value is not None:
                tasks.append((_VISIT, value, scope, None, uncertain))
        self._push(tasks)

    def _for_statement(self, node: Node, scope: Scope, uncertain: bool) -> None:
        init = node.child_by_field_name("initializer")
        inner = scope
        if init is not None and init.type in ("lexical_declaration", "using_declaration"):
            inner = self._new_scope("for", node, scope)
        self._visit_children(node, inner, uncertain)

    def _for_in_statement(self, node: Node, scope: Scope, uncertain: bool) -> None:
        keyword = node.child_by_field_name("kind")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        body = node.child_by_field_name("body")
        kind = self.text(keyword) if keyword is not None else None
        tasks: list[_Task] = []
        inner = scope
        if left is not None:
            if kind is None:
                tasks.append((_ASSIGN, left, scope, False, uncertain))
            else:
                assert keyword is not None
                decl = Declaration(
                    node=node,
                    kind=kind,
                    keyword=keyword,
                    declarators=[Declarator(None, left, None)],
                    start_byte=keyword.start_byte,
                    end_byte=left.end_byte,
                    loop="for-in",
                )
                self.declarations.append(decl)
                if kind == "var":
                    binding = _Binding("var", scope.variable_scope, True, node, decl)
                else:
                    inner = self._new_scope("for", node, scope)
                    def_kind = _DEFINITION_KINDS.get(kind, "let")
                    binding = _Binding(def_kind, inner, True, node, decl)
                tasks.append((_DECLARE, left, inner, binding, uncertain))
        for part in (right, body):
            if part is not None:
                tasks.append((_VISIT, part, inner, None, uncertain))
        self._push(tasks)

    def _function(self, node: Node, scope: Scope, uncertain: bool) -> None:
        kind = node.type
        tasks: list[_Task] = []
        name = node.child_by_field_name("name")
        outer = scope
        if kind in ("function_declaration", "generator_function_declaration"):
            if name is not None:
                self._define(name, _Binding("function", scope, False, node))
        elif kind == "method_definition":
            if name is not None and name.type == "computed_property_name":
                tasks.append((_VISIT, name, scope, None, uncertain))
            tasks.extend(
                (_VISIT, c, scope, None, uncertain) for c in _named(node) if c.type == "decorator"
            )
        elif kind != "arrow_function" and name is not None:
            outer = self._new_scope("function-expression-name", node, scope)
            self._define(name, _Binding("function-name", outer, False, node))
        inner = self._new_scope("function", node, outer)
        if kind != "arrow_function":
            self._define_implicit(inner, "arguments")
        params = node.child_by_field_name("parameters")
        single = node.child_by_field_name("parameter")
        binding = _Binding("param", inner, False, node)
        if single is not None:
            tasks.append((_DECLARE, single, inner, binding, uncertain))
        if params is not None:
            for param in _named(params):
                tasks.append((_DECLARE, param, inner, binding, uncertain or param.is_error))
        body = node.child_by_field_name("body")
        if body is not None:
            if body.type == "statement_block":
                tasks.extend(self._visit_all(body.named_children, inner, uncertain))
            else:
                tasks.append((_VISIT, body, inner, None, uncertain))
        self._push(tasks)

    def _function_signature(self, node: Node, scope: Scope, uncertain: bool) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self._define(name, _Binding("function", scope, False, node))

    def _class(self, node: Node, scope: Scope, uncertain: bool) -> None:
        name = node.child_by_field_name("name")
        if name is not None and node.type != "class":
            self._define(name, _Binding("class", scope, False, node))
        inner = self._new_scope("class", node, scope)
        if name is not None:
            self._define(name, _Binding("class", inner, False, node))
        tasks: list[_Task] = []
        for child in _named(node):
            if child.type == "decorator":
                tasks.append((_VISIT, child, scope, None, uncertain))
            elif child.type == "class_heritage":
                tasks.append((_VISIT, child, inner, None, uncertain))
            elif child.type == "class_body":
                tasks.extend(self._class_members(child, inner, uncertain))
        self._push(tasks)

    def _class_members(self, body: Node, scope: Scope, uncertain: bool) -> list[_Task]:
        tasks: list[_Task] = []
        for member in _named(body):
            kind = member.type
            if kind in ("field_definition", "public_field_definition"):
                for part in _named(member):
                    if part.type in ("computed_property_name", "decorator"):
                        tasks.append((_VISIT, part, scope, None, uncertain))
                value = member.child_by_field_name("value")
                if value is not None:
                    init_scope = self._new_scope("class-field-initializer", value, scope)
                    tasks.append((_VISIT, value, init_scope, None, uncertain))
            elif kind == "class_static_block":
                block = self._new_scope("class-static-block", member, scope)
                inner = member.child_by_field_name("body")
                if inner is not None:
                    tasks.extend(self._visit_all(inner.named_children, block, uncertain))
            else:
                tasks.append((_VISIT, member, scope, None, uncertain or member.is_error))
        return tasks

    def _catch_clause(self, node: Node, scope: Scope, uncertain: bool) -> None:
        inner = self._new_scope("catch", node, scope)
        tasks: list[_Task] = []
        param = node.child_by_field_name("parameter")
        if param is not None:
            tasks.append((_DECLARE, param, inner, _Binding("catch", inner, False, node), uncertain))
        body = node.child_by_field_name("body")
        if body is not None:
            tasks.append((_VISIT, body, inner, None, uncertain))
        self._push(tasks)

    def _switch_statement(self, node: Node, scope: Scope, uncertain: bool) -> None:
        tasks: list[_Task] = []
        value = node.child_by_field_name("value")
        if value is not None:
            tasks.append((_VISIT, value, scope, None, uncertain))
        body = node.child_by_field_name("body")
        if body is not None:
            inner = self._new_scope("switch", body, scope)
            tasks.extend(self._visit_all(body.named_children, inner, uncertain))
        self._push(tasks)

    def _with_statement(self, node: Node, scope: Scope, uncertain: bool) -> None:
        tasks: list[_Task] = []
        obj = node.child_by_field_name("object")
        if obj is not None:
            tasks.append((_VISIT, obj, scope, None, uncertain))
        body = node.child_by_field_name("body")
        if body is not None:
            inner = self._new_scope("with", body, scope)
            tasks.append((_VISIT, body, inner, None, uncertain))
        self._push(tasks)

    def _assignment(self, node: Node, scope: Scope, uncertain: bool) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        also_read = node.type == "augmented_assignment_expression"
        tasks: list[_Task] = []
        if left is not None:
            tasks.append((_ASSIGN, left, scope, also_read, uncertain))
        if right is not None:
            tasks.append((_VISIT, right, scope, None, uncertain))
        self._push(tasks)

    def _update(self, node: Node, scope: Scope, uncertain: bool) -> None:
        argument = node.child_by_field_name("argument")
        if argument is not None:
            self._push([(_ASSIGN, argument, scope, True, uncertain)])

    def _import(self, node: Node, scope: Scope, uncertain: bool) -> None:
        binding = _Binding("import", scope, False, node)
        for child in _named(node):
            if child.type in ("import_clause", "import_require_clause"):
                self._import_names(child, binding)
            elif child.type == "identifier":  # TS: import x = require("y") on some grammars
                self._define(child, binding)

    def _import_names(self, node: Node, binding: _Binding) -> None:
        for child in _named(node):
            if child.type == "identifier":
                self._define(child, binding)
            elif child.type in ("namespace_import", "named_imports"):
                self._import_names(child, binding)
            elif child.type == "import_specifier":
                local = child.child_by_field_name("alias") or child.child_by_field_name("name")
                if local is not None and local.type == "identifier":
                    self._define(local, binding)

    def _export(self, node: Node, scope: Scope, uncertain: bool) -> None:
        if node.child_by_field_name("source") is not None:
            return  # re-exports reference nothing local
        tasks: list[_Task] = []
        for child in _named(node):
            if child.type == "export_clause":
                for spec in _named(child):
                    name = spec.child_by_field_name("name")
                    if name is not None and name.type == "identifier":
                        tasks.append((_VISIT, name, scope, None, uncertain))
            else:
                tasks.append((_VISIT, child, scope, None, uncertain))
        self._push(tasks)

    def _jsx_element(self, node: Node, scope: Scope, uncertain: bool) -> None:
        name = node.child_by_field_name("name")
        rest = [c for c in _named(node) if name is None or c != name]
        self._push(self._visit_all(rest, scope, uncertain))

    def _named_declaration(self, node: Node, scope: Scope, uncertain: bool) -> None:
        # TypeScript enum / namespace: declare the name, then analyse the body.
        name = node.child_by_field_name("name")
        if name is not None and name.type == "identifier":
            kind: DefinitionKind = "enum" if node.type == "enum_declaration" else "namespace"
            self._define(name, _Binding(kind, scope, False, node))
        body = node.child_by_field_name("body")
        if body is not None:
            self._push([(_VISIT, body, scope, None, uncertain)])

    def _type_wrapper(self, node: Node, scope: Scope, uncertain: bool) -> None:
        inner = _wrapped_expression(node)
        if inner is not None:
            self._push([(_VISIT, inner, scope, None, uncertain)])

    # -- binding patterns

    def _declare(self, node: Node, scope: Scope, binding: _Binding, uncertain: bool) -> None:
        kind = node.type
        if kind in _BINDING_IDENTIFIERS:
            self._define(node, binding)
            if binding.write or uncertain:
                self._reference(node, scope, read=uncertain, write=True, init=binding.write)
            return
        tasks = self._pattern_tasks(node, kind, scope, _DECLARE, binding, uncertain)
        if tasks is not None:
            self._push(tasks)
            return
        tasks = []
        if kind in ("required_parameter", "optional_parameter"):
            pattern = node.child_by_field_name("pattern")
            value = node.child_by_field_name("value")
            if pattern is not None and pattern.type != "this":
                inner = binding.with_write() if value is not None else binding
                tasks.append((_DECLARE, pattern, scope, inner, uncertain))
            if value is not None:
                tasks.append((_VISIT, value, scope, None, uncertain))
        elif kind in _INERT:
            return
        else:
            tasks = [(_VISIT, node, scope, None, True)]
        self._push(tasks)

    def _pattern_tasks(
        self, node: Node, kind: str, scope: Scope, op: int, arg: object, uncertain: bool
    ) -> list[_Task] | None:
        """The parts of a destructuring pattern as tasks of ``op`` (_DECLARE with its
        _Binding, or _ASSIGN with "also read" as ``arg``), a computed key and a
        default visited; None when ``node`` is no pattern. A default's target is
        declared as written."""
        if kind in ("object_pattern", "array_pattern"):
            return [(op, c, scope, arg, uncertain or c.is_error) for c in _named(node)]
        if kind == "rest_pattern":
            return [(op, c, scope, arg, uncertain) for c in _named(node)]
        tasks: list[_Task] = []
        if kind == "pair_pattern":
            key = node.child_by_field_name("key")
            value = node.child_by_field_name("value")
            if key is not None and key.type == "computed_property_name":
                tasks.append((_VISIT, key, scope, None, uncertain))
            if value is not None:
                tasks.append((op, value, scope, arg, uncertain))
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is not None:
                target = arg.with_write() if isinstance(arg, _Binding) else arg
                tasks.append((op, left, scope, target, uncertain))
            if right is not None:
                tasks.append((_VISIT, right, scope, None, uncertain))
        else:
            return None
        return tasks

    def _assign(self, node: Node, scope: Scope, also_read: bool, uncertain: bool) -> None:
        kind = node.type
        if kind in _BINDING_IDENTIFIERS:
            self._reference(node, scope, read=also_read or uncertain, write=True)
            return
        tasks = self._pattern_tasks(node, kind, scope, _ASSIGN, also_read, uncertain)
        if tasks is not None:
            self._push(tasks)
            return
        tasks = []
        if kind == "parenthesized_expression":
            inner = _named(node)
            if len(inner) == 1:
                tasks = [(_ASSIGN, inner[0], scope, also_read, uncertain)]
            else:
                tasks = self._visit_all(inner, scope, True)
        elif kind in _TYPE_WRAPPERS:
            wrapped = _wrapped_expression(node)
            if wrapped is not None:
                tasks = [(_ASSIGN, wrapped, scope, also_read, uncertain)]
        elif kind in ("member_expression", "subscript_expression"):
            tasks = [(_VISIT, node, scope, None, uncertain)]
        else:
            tasks = [(_VISIT, node, scope, None, True)]
        self._push(tasks)


def _wrapped_expression(node: Node) -> Node | None:
    """The expression inside ``x!``, ``x as T``, ``x satisfies T`` or ``<T>x``."""
    named = _named(node)
    if not named:
        return None
    return named[-1] if node.type == "type_assertion" else named[0]


_HANDLERS = {
    "statement_block": _Analyzer._statement_block,
    "lexical_declaration": _Analyzer._variable_declaration,
    "variable_declaration": _Analyzer._variable_declaration,
    "using_declaration": _Analyzer._variable_declaration,
    "for_statement": _Analyzer._for_statement,
    "for_in_statement": _Analyzer._for_in_statement,
    "function_signature": _Analyzer._function_signature,
    "catch_clause": _Analyzer._catch_clause,
    "switch_statement": _Analyzer._switch_statement,
    "with_statement": _Analyzer._with_statement,
    "assignment_expression": _Analyzer._assignment,
    "augmented_assignment_expression": _Analyzer._assignment,
    "update_expression": _Analyzer._update,
    "import_statement": _Analyzer._import,
    "export_statement": _Analyzer._export,
    "jsx_opening_element": _Analyzer._jsx_element,
    "jsx_self_closing_element": _Analyzer._jsx_element,
    "enum_declaration": _Analyzer._named_declaration,
    "internal_module": _Analyzer._named_declaration,
    "module": _Analyzer._named_declaration,
    **{kind: _Analyzer._type_wrapper for kind in _TYPE_WRAPPERS},
    **{kind: _Analyzer._function for kind in _FUNCTIONS},
    **{kind: _Analyzer._class for kind in _CLASSES},
}


# What visiting a node does, by kind id: skip it, reference it, analyse an ERROR
# node's children as uncertain, or call a handler. Kinds without an entry have
# their children visited.
_SKIP: Final = "skip"
_REFERENCE: Final = "reference"
_ERROR: Final = "error"
_MEMBER: Final = "member"  # visit the object only
_PAIR: Final = "pair"  # visit a computed key, then the value
_Action = Callable[["_Analyzer", Node, Scope, bool], None] | str
_ERROR_KIND_ID: Final = 0xFFFF  # tree-sitter's ts_builtin_sym_error


class _Grammar(NamedTuple):
    """A grammar's ids for what the walk's hot paths look at (ids differ per grammar)."""

    object: int  # field ids
    key: int
    value: int
    computed_keys: frozenset[int]  # kind ids of computed_property_name


_ACTIONS: dict[str, tuple[dict[int, _Action], frozenset[int], _Grammar]] = {}
_ACTIONS_LOCK = threading.Lock()


def _actions(
    language: Language, language_name: str
) -> tuple[dict[int, _Action], frozenset[int], _Grammar]:
    """The visit actions of a grammar's kind ids (kind ids differ per grammar),
    the ids of the kinds to skip, and the ids the walk compares with."""
    actions = _ACTIONS.get(language_name)
    if actions is None:
        table: dict[int, _Action] = {_ERROR_KIND_ID: _ERROR}
        computed_keys = set()
        for kind_id in range(language.node_kind_count):
            kind = language.node_kind_for_id(kind_id)
            if kind is None:
                continue
            if kind == "computed_property_name":
                computed_keys.add(kind_id)
            if kind in _INERT:
                table[kind_id] = _SKIP
            elif kind in _IDENTIFIERS:
                table[kind_id] = _REFERENCE
            elif kind == "member_expression":
                table[kind_id] = _MEMBER
            elif kind == "pair":
                table[kind_id] = _PAIR
            elif kind in _HANDLERS:
                table[kind_id] = _HANDLERS[kind]
        inert = frozenset(kind_id for kind_id, action in table.items() if action is _SKIP)
        grammar = _Grammar(
            _field_id(language, "object"),
            _field_id(language, "key"),
            _field_id(language, "value"),
            frozenset(computed_keys),
        )
        with _ACTIONS_LOCK:
            actions = _ACTIONS.setdefault(language_name, (table, inert, grammar))
    return actions


# The visit table as numbers, one per kind id, for the native walk
# (patterns/native/src/scope.rs), which so takes every kind set from here.
_ACTION_CODES: Final[dict[_Action | None, int]] = {
    None: 0,  # visit the named children
    _SKIP: 1,
    _REFERENCE: 2,
    _MEMBER: 3,
    _PAIR: 4,
}
_FIRST_HANDLER_CODE: Final = 16
NATIVE_HANDLERS: Final = (  # code 16 + position; the order of scope.rs's Handler enum
    "_statement_block",
    "_variable_declaration",
    "_for_statement",
    "_for_in_statement",
    "_function_signature",
    "_catch_clause",
    "_switch_statement",
    "_with_statement",
    "_assignment",
    "_update",
    "_import",
    "_export",
    "_jsx_element",
    "_named_declaration",
    "_type_wrapper",
    "_function",
    "_class",
)
BINDING_IDENTIFIER_FLAG: Final = 1 << 8
COMPUTED_KEY_FLAG: Final = 1 << 9


def action_codes(language: Language, language_name: str) -> list[int]:
    """For each kind id of the grammar: its visit action's code, plus
    :data:`BINDING_IDENTIFIER_FLAG` and :data:`COMPUTED_KEY_FLAG` where they apply."""
    table, _, grammar = _actions(language, language_name)
    codes = []
    for kind_id in range(language.node_kind_count):
        action = table.get(kind_id)
        if action is None or isinstance(action, str):
            code = _ACTION_CODES[action]
        else:
            code = _FIRST_HANDLER_CODE + NATIVE_HANDLERS.index(action.__name__)
        if language.node_kind_for_id(kind_id) in _BINDING_IDENTIFIERS:
            code |= BINDING_IDENTIFIER_FLAG
        if kind_id in grammar.computed_keys:
            code |= COMPUTED_KEY_FLAG
        codes.append(code)
    return codes


def _field_id(language: Language, name: str) -> int:
    field_id = language.field_id_for_name(name)
    if field_id is None:
        raise RuntimeError(f"the {name!r} field is missing from the grammar")
    return field_id


def build_scopes(source: ParsedSource, source_type: SourceType) -> ScopeManager:
    """Analyse ``source``; see :func:`patterns.scope.analyze_scopes`."""
    return _Analyzer(source, source_type).run()
