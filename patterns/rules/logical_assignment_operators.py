"""logical-assignment-operators: require (``"always"``, the default) or forbid
(``"never"``) the logical assignment operators ``||=``, ``&&=`` and ``??=``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/logical-assignment-operators).
Under ``"always"`` three shapes are reported:

- ``a = a || b`` (the target is the leftmost operand of a chain of one logical
  operator, unless parentheses group that operand with others) becomes
  ``a ||= b``;
- ``a || (a = b)`` becomes ``a ||= b``, parenthesised where the surrounding
  expression binds tighter than an assignment;
- with ``enforceForIfStatements``, ``if (a) a = b`` (and ``if (!a)``,
  ``if (Boolean(a))``, ``if (a == null)``, ``if (a === null || a === undefined)``,
  with a body of that one assignment) becomes ``a &&= b``, ``a ||= b`` or
  ``a ??= b``. ``undefined`` and ``Boolean`` must be the global ones.

Under ``"never"`` every logical assignment is written out: ``a ||= b`` becomes
``a = a || b``.

A fix is only made where it cannot change behaviour: ``a = a || b`` always
assigns while ``a ||= b`` does not, so only a plain variable (which has no
setter) is fixed; ``a.b || (a.b = c)`` keeps its single read of ``a.b`` and is
fixed when the object is a plain name, ``this`` or ``super``; a name inside a
``with`` body may be a property of the scope object, so there only plain names
are fixed. Where ESLint merely suggests a rewrite, the problem has no fix here.
No fix touches code holding a comment, and an ``if`` rewrite is withheld when
the new statement could merge with the previous one (``fn()\\nif (a) (a) = b``).

Reliability 0.9: the fixes follow ESLint's safety rules, but the ``if`` rewrites
change the shape of the code more than a reviewer may expect.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Final, NamedTuple

from tree_sitter import Node

from .._node_index import ASSIGNED_BINARY, LOGICAL
from ..exceptions import InvalidRuleOptions
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..scope import Reference
from ..types import Problem, TextEdit
from ._estree import (
    COMMENTS,
    binary_precedence,
    comments_between,
    estree_parent,
    estree_range,
    first_token,
    is_optional_chain,
    is_parenthesised,
    is_same_reference,
    misparsed_non_null,
    operator_token,
    precedence,
    token_after,
    token_before,
    token_kind,
    unparen,
)
from ._literals import number_value

__all__ = ["LogicalAssignmentOperators"]

_LOGICAL: Final = frozenset({"||", "&&", "??"})
_LOGICAL_ASSIGNMENTS: Final = frozenset({"||=", "&&=", "??="})
_ASSIGNMENT_PRECEDENCE: Final = 1
_FUNCTIONS: Final = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "generator_function_declaration",
        "arrow_function",
        "method_definition",
    }
)
_CLASSES: Final = frozenset(
    {"class_body", "class", "class_declaration", "abstract_class_declaration"}
)


class _Existence(NamedTuple):
    """What an ``if`` test checks: the reference and the matching operator."""

    reference: Node
    operator: str
    explicit_nullish: bool  # `a === null || a === undefined` reads the reference twice


def _parts(node: Node, source: ParsedSource) -> tuple[Node, str, Node] | None:
    """(left, operator, right) of a binary expression, operands without parentheses."""
    if node.type != "binary_expression":
        return None
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    operator = node.child_by_field_name("operator")
    if left is None or right is None or operator is None:
        return None
    return unparen(left), source.node_text(operator), unparen(right)


def _is_reference(node: Node, source: ParsedSource) -> bool:
    """ESLint's ``isReference``: a name other than ``undefined``, or a member access."""
    if node.type == "identifier":
        return source.node_text(node) != "undefined"
    return node.type in ("member_expression", "subscript_expression") and not is_optional_chain(
        node
    )


def _is_identifier(node: Node, source: ParsedSource, name: str) -> bool:
    return node.type in ("identifier", "undefined") and source.node_text(node) == name


class _Check:
    """One run of the rule over one source."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.source = ctx.source
        options = ctx.options
        self.never = options[0] == "never"
        self.check_if = not self.never and bool(
            len(options) > 1
            and isinstance(options[1], dict)
            and options[1].get("enforceForIfStatements")
        )
        self._references: dict[int, Reference] | None = None

    def run(self) -> Iterator[Problem]:
        if self.never:
            handlers = {"augmented_assignment_expression": self.unexpected}
        else:
            handlers = {"assignment_expression": self.assignment, "binary_expression": self.logical}
            if self.check_if:
                handlers["if_statement"] = self.if_statement
        source = self.ctx.source
        for kind, handler in handlers.items():
            # `logical` only takes a ||, && or ?? expression: skip the others unread.
            # `assignment` only takes `a = <binary expression>`: skip the others unread.
            if kind == "binary_expression":
                nodes: Sequence[Node] = source.nodes_shaped(LOGICAL)
            elif kind == "assignment_expression":
                nodes = source.nodes_shaped(ASSIGNED_BINARY)
            else:
                nodes = source.nodes_of(kind)
            # `a || (a = b)` holds the `=` of its assignment (in a node without
            # errors every token is written out): skip the others unread.
            needs_equals = kind == "binary_expression"
            data = source.data
            find = data.find
            # `a = a || b`: without syntax errors the right side ends the
            # assignment, at the end of a logical expression or with `)`.
            ends = (
                {n.end_byte for n in source.nodes_shaped(LOGICAL)}
                if kind == "assignment_expression" and nodes and not source.has_errors
                else None
            )
            for node in nodes:
                if needs_equals and find(b"=", node.start_byte, node.end_byte) < 0:
                    continue
                if ends is not None:
                    end = node.end_byte
                    if end not in ends and not data.startswith(b")", end - 1):
                        continue
                if node.has_error or misparsed_non_null(source, node):
                    continue
                problem = handler(node)
                if problem is not None:
                    yield problem

    # --- a = a || b -------------------------------------------------------------------

    def assignment(self, node: Node) -> Problem | None:
        source = self.source
        right = node.child_by_field_name("right")
        if right is None:
            return None
        logical = unparen(right)
        if logical.type != "binary_expression":
            return None  # the common case, settled before reading the target
        left = node.child_by_field_name("left")
        if left is None:
            return None
        parts = _parts(logical, source)
        if parts is None or parts[1] not in _LOGICAL:
            return None
        operator = parts[1]
        leftmost, owner = self.leftmost_operand(logical, operator)
        if not is_same_reference(left, leftmost, source):
            return None
        message = f"Assignment (=) can be replaced with operator assignment ({operator}=)."
        fix = None
        if unparen(left).type == "identifier" and not self.maybe_with_property(node):
            fix = self.assignment_fix(node, owner, operator)
        return self.ctx.problem(message, node.start_byte, node.end_byte, fix)

    def leftmost_operand(self, logical: Node, operator: str) -> tuple[Node, Node]:
        """ESLint's ``getLeftmostOperand``, and the logical expression holding it."""
        source = self.source
        owner = logical
        while True:
            left = owner.child_by_field_name("left")
            if left is None:
                return owner, owner
            inner = unparen(left)
            parts = _parts(inner, source)
            if parts is None or parts[1] != operator or is_parenthesised(inner):
                return inner, owner
            owner = inner

    def assignment_fix(self, node: Node, owner: Node, operator: str) -> TextEdit | None:
        source = self.source
        if comments_between(node, node.start_byte, node.end_byte):
            return None
        equals = operator_token(node)
        logical_operator = operator_token(owner)
        if equals is None or logical_operator is None:
            return None
        following = token_after(logical_operator)
        if following is None:
            return None
        # ESLint inserts the operator before `=` and removes `a || `: one edit
        # from `=` to the first token of the right operand.
        text = operator + source.byte_text(equals.start_byte, owner.start_byte)
        return self.ctx.edit(equals.start_byte, following.start_byte, text)

    # --- a || (a = b) -----------------------------------------------------------------

    def logical(self, node: Node) -> Problem | None:
        source = self.source
        token = node.child_by_field_name("operator")
        if token is None or token.type not in _LOGICAL:
            return None  # the common case, settled before looking at the operands
        parts = _parts(node, source)
        if parts is None or parts[1] not in _LOGICAL:
            return None
        left, operator, right = parts
        if right.type != "assignment_expression":
            return None
        target = right.child_by_field_name("left")
        if target is None or not _is_reference(left, source):
            return None
        if not is_same_reference(left, target, source):
            return None
        message = f"Logical expression can be replaced with an assignment ({operator}=)."
        fix = None
        if self.single_property(left):
            fix = self.logical_fix(node, right, operator)
        return self.ctx.problem(message, node.start_byte, node.end_byte, fix)

    def logical_fix(self, node: Node, assignment: Node, operator: str) -> TextEdit | None:
        source = self.source
        if comments_between(node, node.start_byte, node.end_byte):
            return None
        equals = operator_token(assignment)
        if equals is None:
            return None
        text = (
            source.byte_text(assignment.start_byte, equals.start_byte)
            + operator
            + source.byte_text(equals.start_byte, assignment.end_byte)
        )
        parent = estree_parent(node)
        if parent is not None and parent.type != "expression_statement":
            parent_precedence = precedence(parent, source)
            wrap = parent_precedence == -1 or _ASSIGNMENT_PRECEDENCE < parent_precedence
            if wrap and not is_parenthesised(node):
                text = f"({text})"
        return self.ctx.edit(node.start_byte, node.end_byte, text)

    # --- if (a) a = b -----------------------------------------------------------------

    def if_statement(self, node: Node) -> Problem | None:
        source = self.source
        if node.child_by_field_name("alternative") is not None:
            return None
        test = node.child_by_field_name("condition")
        consequent = node.child_by_field_name("consequence")
        if test is None or consequent is None:
            return None
        body = consequent
        if consequent.type == "statement_block":
            statements = [c for c in consequent.named_children if c.type not in COMMENTS]
            if len(statements) == 1:
                body = statements[0]
        if body.type != "expression_statement":
            return None
        expressions = [c for c in body.named_children if c.type not in COMMENTS]
        if len(expressions) != 1:
            return None
        assignment = unparen(expressions[0])
        if assignment.type != "assignment_expression":
            return None
        target = assignment.child_by_field_name("left")
        existence = self.existence(unparen(test))
        if target is None or existence is None:
            return None
        if not is_same_reference(existence.reference, target, source, True):
            return None
        message = (
            "'if' statement can be replaced with a logical operator assignment with operator "
            f"{existence.operator}=."
        )
        start, end = estree_range(node)
        fix = None
        if self.single_property(existence.reference) and not (
            existence.explicit_nullish and existence.reference.type != "identifier"
        ):
            if not (existence.explicit_nullish and self.maybe_with_property(node)):
                fix = self.if_fix(node, consequent, body, assignment, existence.operator)
        return self.ctx.problem(message, start, end, fix)

    def if_fix(
        self, node: Node, consequent: Node, body: Node, assignment: Node, operator: str
    ) -> TextEdit | None:
        source = self.source
        start, end = estree_range(node)
        body_start, body_end = estree_range(body)
        if comments_between(node, start, end):
            return None
        first = first_token(body)
        equals = operator_token(assignment)
        if first is None or equals is None:
            return None
        previous = token_before(node)
        if (
            previous is not None
            and source.node_text(previous) not in (";", "{")
            and token_kind(first, source) != "Identifier"
        ):
            return None  # `fn()\nif (a) (a) = b` would become the call `fn()(a) &&= b`
        text = (
            source.byte_text(body_start, equals.start_byte)
            + operator
            + source.byte_text(equals.start_byte, body_end)
        )
        if consequent.type == "statement_block":
            following = token_after(assignment)
            if following is not None and following.type != ";":
                text += ";"
        return self.ctx.edit(start, end, text)

    def existence(self, test: Node) -> _Existence | None:
        """ESLint's ``getExistence``: what the ``if`` test checks, if it is a check."""
        source = self.source
        negated = test.type == "unary_expression" and self.unary_operator(test) == "!"
        base = test
        if negated:
            argument = test.child_by_field_name("argument")
            base = unparen(argument) if argument is not None else test
        if _is_reference(base, source):
            return _Existence(base, "||" if negated else "&&", False)
        if base.type == "unary_expression" and self.unary_operator(base) == "!":
            argument = base.child_by_field_name("argument")
            if argument is not None and _is_reference(unparen(argument), source):
                return _Existence(unparen(argument), "&&", False)
        cast = self.boolean_cast_argument(base)
        if cast is not None and _is_reference(cast, source):
            return _Existence(cast, "||" if negated else "&&", False)
        implicit = self.implicit_nullish(test)
        if implicit is not None:
            return _Existence(implicit, "??", False)
        explicit = self.explicit_nullish(test)
        if explicit is not None:
            return _Existence(explicit, "??", True)
        return None

    def unary_operator(self, node: Node) -> str | None:
        operator = node.child_by_field_name("operator")
        return self.source.node_text(operator) if operator is not None else None

    def boolean_cast_argument(self, node: Node) -> Node | None:
        """The argument of a call of the global ``Boolean`` with one argument."""
        if node.type != "call_expression":
            return None
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if callee is None or arguments is None or arguments.type != "arguments":
            return None
        if not _is_identifier(callee, self.source, "Boolean") or not self.is_global(callee):
            return None
        args = [c for c in arguments.named_children if c.type not in COMMENTS]
        if len(args) != 1 or args[0].type == "spread_element":
            return None
        return unparen(args[0])

    def implicit_nullish(self, test: Node) -> Node | None:
        """The reference of ``a == null`` / ``undefined == a``."""
        parts = _parts(test, self.source)
        if parts is None or parts[1] != "==":
            return None
        left, _, right = parts
        reference, other = (left, right) if _is_reference(left, self.source) else (right, left)
        if _is_reference(reference, self.source) and (
            other.type == "null" or self.is_undefined(other)
        ):
            return reference
        return None

    def explicit_nullish(self, test: Node) -> Node | None:
        """The reference of ``a === null || a === undefined`` (either order, either side)."""
        source = self.source
        parts = _parts(test, source)
        if parts is None or parts[1] != "||":
            return None
        first = _parts(parts[0], source)
        second = _parts(parts[2], source)
        if first is None or second is None or first[1] != "===" or second[1] != "===":
            return None
        first_ref, first_value = (
            (first[0], first[2]) if _is_reference(first[0], source) else (first[2], first[0])
        )
        second_ref, second_value = (
            (second[0], second[2]) if _is_reference(second[0], source) else (second[2], second[0])
        )
        if not is_same_reference(first_ref, second_ref, source):
            return None
        if (first_value.type == "null" and self.is_undefined(second_value)) or (
            self.is_undefined(first_value) and second_value.type == "null"
        ):
            return first_ref
        return None

    def is_undefined(self, node: Node) -> bool:
        """The global ``undefined``, or ``void 0``."""
        if _is_identifier(node, self.source, "undefined"):
            return self.is_global(node)
        if node.type != "unary_expression" or self.unary_operator(node) != "void":
            return False
        argument = node.child_by_field_name("argument")
        if argument is None:
            return False
        argument = unparen(argument)
        return argument.type == "number" and number_value(self.source.node_text(argument)) == 0.0

    def is_global(self, identifier: Node) -> bool:
        """Whether the name refers to a built-in global (no declaration shadows it)."""
        if self._references is None:
            self._references = {r.identifier.id: r for r in self.ctx.scopes().references}
        reference = self._references.get(identifier.id)
        if reference is None:
            return False
        variable = reference.resolved
        return variable is None or (variable.scope.kind == "global" and not variable.definitions)

    # --- a ||= b under "never" --------------------------------------------------------

    def unexpected(self, node: Node) -> Problem | None:
        source = self.source
        equals = operator_token(node)
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if equals is None or left is None or right is None:
            return None
        operator = source.node_text(equals)
        if operator not in _LOGICAL_ASSIGNMENTS:
            return None
        message = f"Unexpected logical operator assignment ({operator}) shorthand."
        fix = None
        if unparen(left).type == "identifier" and not self.maybe_with_property(node):
            fix = self.unexpected_fix(node, unparen(left), equals, right, operator[:-1])
        return self.ctx.problem(message, node.start_byte, node.end_byte, fix)

    def unexpected_fix(
        self, node: Node, left: Node, equals: Node, right: Node, operator: str
    ) -> TextEdit | None:
        source = self.source
        if comments_between(node, node.start_byte, node.end_byte):
            return None
        text = f"= {source.node_text(left)} {operator}"
        inner = unparen(right)
        mixed = operator == "??" and (
            (parts := _parts(inner, source)) is not None and parts[1] in _LOGICAL
        )
        needs_parentheses = precedence(inner, source) <= binary_precedence(operator) or mixed
        if needs_parentheses and not is_parenthesised(inner):
            text += (
                source.byte_text(equals.end_byte, inner.start_byte)
                + "("
                + source.node_text(inner)
                + ")"
            )
            return self.ctx.edit(equals.start_byte, inner.end_byte, text)
        return self.ctx.edit(equals.start_byte, equals.end_byte, text)

    # --- safety -----------------------------------------------------------------------

    def single_property(self, node: Node) -> bool:
        """ESLint's ``accessesSingleProperty``: reading ``node`` runs at most one getter
        whose object is known (a plain name, ``this`` or ``super``)."""
        node = unparen(node)
        if self.maybe_with_property(node):
            return node.type == "identifier"
        if node.type == "identifier":
            return True
        if node.type not in ("member_expression", "subscript_expression"):
            return False
        if is_optional_chain(node):
            return False
        obj = node.child_by_field_name("object")
        if obj is None or unparen(obj).type not in ("identifier", "this", "super"):
            return False
        if node.type == "subscript_expression":
            index = node.child_by_field_name("index")
            if index is None:
                return False
            index = unparen(index)
            return not (
                index.type in ("member_expression", "subscript_expression")
                or (index.type == "call_expression" and is_optional_chain(index))
            )
        return True

    def maybe_with_property(self, node: Node) -> bool:
        """Whether ``node`` is in the body of a ``with`` in sloppy-mode code."""
        inside_with = False
        current = node
        parent = node.parent
        while parent is not None:
            if parent.type == "with_statement" and parent.child_by_field_name("body") == current:
                inside_with = True
                break
            current, parent = parent, parent.parent
        return inside_with and not self.is_strict(node)

    def is_strict(self, node: Node) -> bool:
        if self.ctx.source_type == "module":
            return True
        current: Node | None = node
        while current is not None:
            if current.type in _CLASSES:
                return True
            if current.type in _FUNCTIONS:
                body = current.child_by_field_name("body")
                if body is not None and _has_use_strict(body, self.source):
                    return True
            if current.type == "program":
                return _has_use_strict(current, self.source)
            current = current.parent
        return False


def _has_use_strict(body: Node, source: ParsedSource) -> bool:
    """Whether a program or function body starts with a ``"use strict"`` directive."""
    for statement in body.named_children:
        if statement.type in COMMENTS:
            continue
        if statement.type != "expression_statement":
            return False
        expressions = [c for c in statement.named_children if c.type not in COMMENTS]
        if len(expressions) != 1 or expressions[0].type != "string":
            return False
        if source.node_text(expressions[0])[1:-1] == "use strict":
            return True
    return False


class LogicalAssignmentOperators(Rule):
    name: ClassVar[str] = "logical-assignment-operators"
    description: ClassVar[str] = "Require or disallow logical assignment operator shorthand"
    default_reliability: ClassVar[float] = 0.9
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ("always", {"enforceForIfStatements": False})
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        if options[0] not in ("always", "never"):
            raise InvalidRuleOptions(self.name, 'the first option must be "always" or "never"')
        if not isinstance(options[1]["enforceForIfStatements"], bool):
            raise InvalidRuleOptions(self.name, "enforceForIfStatements must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        return _Check(ctx).run()
