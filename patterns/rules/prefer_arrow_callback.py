"""prefer-arrow-callback: function expressions passed as callbacks should be
arrow functions.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/prefer-arrow-callback):
a non-generator function expression is reported when it is an argument of a
call or ``new`` (possibly through ``a || f``, ``a ? f : g`` and
``.bind(...)`` calls), unless it refers to its own name, uses its own
``arguments``, ``new.target`` or ``super``, or uses ``this`` without being
bound with ``.bind(this)`` (with ``allowUnboundThis``, the default).

The fix drops ``function`` (and the name), adds ``=>`` before the body,
removes a ``.bind(this)`` and parenthesises the arrow where a bare one would
not parse (``a || () => {}``). No fix when ``this`` is used unbound, when
parameters repeat, with a TypeScript ``this`` parameter, or when comments
sit in the ``.bind(this)`` that would go.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from tree_sitter import Node

from ..exceptions import InvalidRuleOptions
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..scope import ScopeManager
from ..types import Problem, TextEdit
from ._function_forms import (
    FUNCTION_BOUNDARIES,
    first_token,
    has_comment_in,
    merge_edits,
    next_token,
    outer_parens,
    previous_token,
    unparen,
)

__all__ = ["PreferArrowCallback"]

MESSAGE: Final = "Unexpected function expression."
_LOGICAL: Final = frozenset({"&&", "||", "??"})


@dataclass(frozen=True, slots=True)
class _Usage:
    this: bool = False
    super: bool = False
    new_target: bool = False


@dataclass(slots=True)
class _Callback:
    is_callback: bool = False
    lexical_this: bool = False  # bound with `.bind(this)`
    # The ESTree parent of the function (its parentheses skipped), found first,
    # and when that is the `arguments` of a call: the node holding them.
    parent: Node | None = None
    parent_owner: Node | None = None


_USES: Final = ("this", "super", "meta_property")


def _usage(ctx: RuleContext, function: Node, this_settles: bool = False) -> _Usage:
    """What ``function`` uses of its own ``this``, ``super`` and ``new.target``
    (nested arrow functions included, other nested functions excluded).

    The scan stops at the first ``super`` or ``new.target``, and at the first
    ``this`` when ``this_settles``: the caller then knows enough (the fields
    not reached yet stay False).
    """
    source = ctx.source
    uses, starts = source.fact(_USES_KEY, _uses)
    first = bisect_left(starts, function.start_byte)
    last = bisect_right(starts, function.end_byte)
    this = super_ = new_target = False
    for node in uses[first:last]:
        kind = node.type
        if kind == "this" and this:
            continue  # known already
        if not _belongs_to(node, function):
            continue
        if kind == "this":
            parent = node.parent
            if parent is None or parent.type not in ("required_parameter", "optional_parameter"):
                this = True
                if this_settles:
                    break
        elif kind == "super":
            super_ = True
            break
        elif source.node_text(node).startswith("new"):
            # `new.target` (`import.meta` is no function's own).
            new_target = True
            break
    return _Usage(this, super_, new_target)


_USES_KEY: Final = "patterns.rules.prefer_arrow_callback:uses"


def _uses(source: ParsedSource) -> tuple[list[Node], list[int]]:
    """The this/super/meta-property nodes in document order, and their starts."""
    uses = source.nodes_of(*_USES)
    return uses, [node.start_byte for node in uses]


def _belongs_to(node: Node, function: Node) -> bool:
    """Whether ``node`` is inside ``function`` and no other non-arrow function
    lies between them (a method's computed key is outside its function, as in
    ESTree)."""
    child = node
    parent = node.parent
    while parent is not None:
        if parent.id == function.id:
            return True
        if parent.type in FUNCTION_BOUNDARIES:
            if parent.type != "method_definition":
                return False
            key = parent.child_by_field_name("name")
            if key is None or key.type != "computed_property_name" or key.id != child.id:
                return False
        child = parent
        parent = parent.parent
    return False


def _callback_info(ctx: RuleContext, function: Node, error_free: bool) -> _Callback:
    """Whether ``function`` is a callback, and how. ``error_free``: the tree has
    no syntax error (a node then starts with its first child)."""
    info = _Callback()
    bound = False
    current = outer_parens(function)
    parent = info.parent = current.parent
    while parent is not None:
        kind = parent.type
        if kind == "binary_expression":
            operator = parent.child_by_field_name("operator")
            if operator is None or operator.type not in _LOGICAL:
                return info
        elif kind == "ternary_expression":
            pass
        elif kind == "member_expression":
            prop = parent.child_by_field_name("property")
            if (
                parent.child_by_field_name("object") != current
                or prop is None
                or prop.type != "property_identifier"
                or ctx.source.node_text(prop) != "bind"
            ):
                return info
            callee = outer_parens(parent)
            call = callee.parent
            if (
                call is None
                or call.type != "call_expression"
                or call.child_by_field_name("function") != callee
            ):
                return info
            if not bound:
                bound = True
                args = _arguments(call)
                info.lexical_this = len(args) == 1 and unparen(args[0]).type == "this"
            parent = call
        elif kind == "arguments":
            owner = parent.parent
            if parent is info.parent:
                info.parent_owner = owner
            if owner is not None and owner.type in ("call_expression", "new_expression"):
                # The callee `import` starts the call (read it only then).
                target = (
                    owner.child_by_field_name("function")
                    if not error_free or ctx.source.data.startswith(b"import", owner.start_byte)
                    else None
                )
                info.is_callback = target is None or target.type != "import"
            return info
        else:
            return info
        current = outer_parens(parent)
        parent = current.parent
    return info


def _arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None or args.type != "arguments":
        return []
    return [c for c in args.named_children if c.type not in ("comment", "html_comment")]


def _may_hold_comment(data: bytes, start: int, end: int) -> bool:
    """Whether a comment may lie within bytes ``[start, end)``: it would hold
    its opening ``/``, ``<!--`` or ``-->``."""
    return (
        data.find(b"/", start, end) >= 0
        or data.find(b"<!--", start, end) >= 0
        or data.find(b"-->", start, end) >= 0
    )


def _parenthesised(node: Node) -> bool:
    """ESLint's token test: a ``(`` right before and a ``)`` right after."""
    before = previous_token(node)
    after = next_token(node)
    return before is not None and after is not None and before.type == "(" and after.type == ")"


class PreferArrowCallback(Rule):
    """Reliability 0.85: the fix depends on scope analysis (``this``,
    ``arguments``, the function's own name) and an arrow function differs in
    ways no syntax shows: it cannot be called with ``new`` or rebound by the
    callee, which some APIs (jQuery, Mocha) rely on."""

    name: ClassVar[str] = "prefer-arrow-callback"
    description: ClassVar[str] = "Require using arrow functions for callbacks"
    default_reliability: ClassVar[float] = 0.85
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = (
        {"allowNamedFunctions": False, "allowUnboundThis": True},
    )
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        for key, value in options[0].items():
            if not isinstance(value, bool):
                raise InvalidRuleOptions(self.name, f"{key} must be a boolean")

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        opts = ctx.options[0]
        allow_named = opts["allowNamedFunctions"]
        allow_unbound_this = opts["allowUnboundThis"]
        scopes: ScopeManager | None = None
        error_free = not ctx.source.has_errors
        for function in ctx.source.nodes_of("function_expression"):
            name = function.child_by_field_name("name")
            if allow_named and name is not None:
                continue
            info = _callback_info(ctx, function, error_free)
            if not info.is_callback:
                continue
            if scopes is None:
                scopes = ctx.scopes()
            if self._refers_to_itself(scopes, function, name is not None):
                continue
            # An own `this` settles the matter when it alone keeps the function.
            usage = _usage(ctx, function, allow_unbound_this and not info.lexical_this)
            if usage.super or usage.new_target:
                continue
            if allow_unbound_this and usage.this and not info.lexical_this:
                continue
            fix = None
            if not (usage.this and not info.lexical_this):
                fix = self._fix(ctx, function, info, error_free)
            yield ctx.problem(MESSAGE, function.start_byte, function.end_byte, fix)

    @staticmethod
    def _refers_to_itself(scopes: ScopeManager, function: Node, named: bool) -> bool:
        """Whether the function reads its own name or its implicit ``arguments``."""
        scope = scopes.scope_of(function)
        if scope is None:
            return False
        implicit = scope.variables.get("arguments")
        if implicit is not None and not implicit.definitions and implicit.references:
            return True
        outer = scope.parent
        if named and outer is not None and outer.kind == "function-expression-name":
            return any(v.references for v in outer.variables.values())
        return False

    @staticmethod
    def _fix(
        ctx: RuleContext, function: Node, info: _Callback, error_free: bool
    ) -> TextEdit | None:
        source = ctx.source
        params_node = function.child_by_field_name("parameters")
        body = function.child_by_field_name("body")
        if params_node is None or body is None:
            return None
        params = [
            p for p in params_node.named_children if p.type not in ("comment", "html_comment")
        ]
        if params and params[0].type == "required_parameter":
            pattern = params[0].child_by_field_name("pattern")
            if pattern is not None and pattern.type == "this":
                return None
        if all(p.type == "identifier" for p in params):
            names = [source.node_text(p) for p in params]
            if len(set(names)) != len(names):
                return None
        data = source.data
        edits: list[tuple[int, int, str]] = []
        replaced = function
        if info.lexical_this:
            member = info.parent  # outer_parens(function).parent
            if member is None or member.type != "member_expression":
                return None
            call = outer_parens(member).parent
            if call is None:
                return None
            object_field = member.child_by_field_name("object")
            start = next(
                (
                    c.start_byte
                    for c in member.children
                    if object_field is not None
                    and c.start_byte >= object_field.end_byte
                    and c.type not in ("comment", "html_comment")
                ),
                None,
            )
            if start is None or _parenthesised(member):
                return None
            if _may_hold_comment(data, start, call.end_byte) and has_comment_in(
                call, start, call.end_byte
            ):
                return None
            edits.append((start, call.end_byte, ""))
            replaced = call
        paren = params_node if params_node.type == "formal_parameters" else None
        keyword_start = function.start_byte
        if error_free and data.startswith(b"function", keyword_start):
            # Without syntax errors the function starts with its first token.
            keyword_end = keyword_start + 8
        else:
            keyword = first_token(function)
            if keyword is not None and keyword.type == "async":
                keyword = next_token(keyword)
            if keyword is None:
                return None
            keyword_start, keyword_end = keyword.start_byte, keyword.end_byte
        if error_free and paren is not None and not data[paren.end_byte : body.start_byte].strip():
            # Only spaces between `)` and the body: the token before the body is
            # that `)`, the last of the parameters without syntax errors.
            before_body_end = paren.end_byte
        else:
            before_body = previous_token(body)
            if before_body is None:
                return None
            before_body_end = before_body.end_byte
        if paren is None:
            return None
        if _may_hold_comment(data, keyword_end, paren.start_byte) and has_comment_in(
            function, keyword_end, paren.start_byte
        ):
            edits.append((keyword_start, keyword_end, ""))
            name = function.child_by_field_name("name")
            if name is not None:
                edits.append((name.start_byte, name.end_byte, ""))
        else:
            edits.append((keyword_start, paren.start_byte, ""))
        edits.append((before_body_end, before_body_end, " =>"))
        if replaced is function:
            parent = info.parent
            grand = info.parent_owner
        else:
            parent = outer_parens(replaced).parent
            grand = parent.parent if parent is not None and parent.type == "arguments" else None
        if parent is None or parent.type != "arguments":
            grand = None
        in_call = grand is not None and grand.type == "call_expression"
        if (
            parent is not None
            and not in_call
            and parent.type != "ternary_expression"
            and not _parenthesised(replaced)
            and not _parenthesised(function)
        ):
            edits.append((replaced.start_byte, replaced.start_byte, "("))
            edits.append((replaced.end_byte, replaced.end_byte, ")"))
        start, end, text = merge_edits(source.data, edits)
        return ctx.edit(start, end, text)
