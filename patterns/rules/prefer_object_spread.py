"""prefer-object-spread: ``Object.assign({}, a)`` should be ``{ ...a }``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/prefer-object-spread):
a call of the global ``Object.assign`` (or ``globalThis.Object.assign``) whose
first argument is an object literal is reported, unless an argument is a
spread, or (with several arguments) an object literal argument has a getter
or setter. ``Object`` (and ``globalThis``) must be the unshadowed, never
reassigned globals; ``globalThis`` is one only from ecmaVersion 2020, as in
ESLint.

The fix is ESLint's, byte for byte: the callee goes, the argument list's
parentheses become braces (wrapped in parentheses where the call stands in a
statement or expression position that would read them as a block), object
literal arguments lose their braces and parentheses (and the blanks inside,
unless a line comment precedes the closing brace), other arguments get
``...`` (and parentheses for assignments, arrows and conditionals).

Difference: ``/* global ... */`` comments are not read (ESLint's
``/* global Object:off */`` turns the rule off for ``Object``, and
``/* global globalThis */`` declares ``globalThis`` before 2020).

Reliability 0.9: the rewrite is equivalent for plain objects, but it relies on
``Object`` being the built-in, which scope analysis can only assume for code
it sees (another script may replace it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._bytes import contains_any, word_pattern
from .._node_index import sort_in_document_order
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..scope import ScopeManager
from ..types import Problem
from ._object_syntax import string_value, unparen

__all__ = ["PreferObjectSpread"]

SPREAD_MESSAGE: Final = "Use an object spread instead of `Object.assign` eg: `{ ...foo }`."
LITERAL_MESSAGE: Final = "Use an object literal instead of `Object.assign`. eg: `{ foo: bar }`."

_COMMENTS: Final = frozenset({"comment", "html_comment"})
_MEMBER_ACCESSES: Final = frozenset({"member_expression", "subscript_expression"})
_NO_PARENS_PARENTS: Final = frozenset(
    {"variable_declarator", "array", "return_statement", "pair", "call_expression"}
)
_ASSIGNMENTS: Final = frozenset({"assignment_expression", "augmented_assignment_expression"})
_SPREAD_NEEDS_PARENS: Final = frozenset({*_ASSIGNMENTS, "arrow_function", "ternary_expression"})
# JavaScript's \s: Unicode white space and line terminators.
_SPACES: Final = frozenset(" \t\n\r\v\f\u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(c) for c in range(0x2000, 0x200B)
}


def _tokens(node: Node) -> list[Node]:
    return [c for c in node.children if c.type not in _COMMENTS]


def _global_names(scopes: ScopeManager) -> tuple[set[int], set[str]]:
    """Identifiers that refer to an undeclared global, and the globals written to."""
    unresolved: set[int] = set()
    written: set[str] = set()
    for ref in scopes.references:
        if ref.name not in ("Object", "globalThis") or ref.resolved is not None:
            continue
        unresolved.add(ref.identifier.id)
        if ref.is_write:
            written.add(ref.name)
    return unresolved, written


_ASSIGN: Final = word_pattern(b"assign")


def _assign_calls(source: ParsedSource, data: bytes) -> list[Node]:
    """The calls whose callee may be a ``.assign`` or ``["assign"]`` member, in
    document order, in a tree without syntax errors; each is checked again by
    the rule.

    The property is the word ``assign`` (or a string key that holds it), unless
    the key is a string with an escape: then its subscript holds a backslash.
    """
    calls: dict[int, Node] = {}
    root = source.root
    for match in _ASSIGN.finditer(data):
        node = root.descendant_for_byte_range(match.start(), match.end())
        # The property itself, or the fragment of a string key.
        for _ in range(2):
            if node is None or node.type in _MEMBER_ACCESSES:
                break
            node = node.parent
        if node is None or node.type not in _MEMBER_ACCESSES:
            continue
        call = node.parent
        if call is not None and call.type == "call_expression":
            calls.setdefault(call.id, call)
    if b"\\" in data:
        find = data.find
        for subscript in source.nodes_of("subscript_expression"):
            if find(b"\\", subscript.start_byte, subscript.end_byte) >= 0:
                call = subscript.parent
                if call is not None and call.type == "call_expression":
                    calls.setdefault(call.id, call)
    found = list(calls.values())
    sort_in_document_order(found)
    return found


def _member_name(ctx: RuleContext, node: Node) -> tuple[Node, str] | None:
    """(object, property name) of ``a.b`` or ``a['b']``."""
    obj = node.child_by_field_name("object")
    if obj is None:
        return None
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        if (
            prop is None
            or prop.type != "property_identifier"
            or node.child_by_field_name("optional_chain")
        ):
            return None
        return obj, ctx.source.node_text(prop)
    if node.type == "subscript_expression":
        index = node.child_by_field_name("index")
        if index is None or index.type != "string":
            return None
        return obj, string_value(ctx.source.node_text(index))
    return None


class PreferObjectSpread(Rule):
    name: ClassVar[str] = "prefer-object-spread"
    description: ClassVar[str] = (
        "Disallow using Object.assign with an object literal as the first argument "
        "and prefer the use of object spread instead"
    )
    default_reliability: ClassVar[float] = 0.9
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        data = ctx.source.data
        if not contains_any(data, (b"assign",)):
            return
        globals_: tuple[set[int], set[str]] | None = None
        source = ctx.source
        calls = (
            source.nodes_of("call_expression") if source.has_errors else _assign_calls(source, data)
        )
        for node in calls:
            callee = node.child_by_field_name("function")
            if callee is None or callee.type not in _MEMBER_ACCESSES:
                continue  # most calls: settled before reading anything else
            member = _member_name(ctx, callee)
            if member is None or member[1] != "assign":
                continue
            args = node.child_by_field_name("arguments")
            if args is None or args.type != "arguments":
                continue
            if any(c.type == "optional_chain" for c in node.children):
                continue
            if globals_ is None:
                globals_ = _global_names(ctx.scopes())
            if not self._is_global_object(ctx, member[0], *globals_):
                continue
            arguments = [c for c in args.named_children if c.type not in _COMMENTS]
            if not arguments or unparen(arguments[0]).type != "object":
                continue
            if any(a.type == "spread_element" for a in arguments):
                continue
            if len(arguments) > 1 and any(_has_accessor(unparen(a)) for a in arguments):
                continue
            message = LITERAL_MESSAGE if len(arguments) == 1 else SPREAD_MESSAGE
            fix = None if ctx.source.has_errors else self._fix(ctx, node, args, arguments)
            yield ctx.problem(message, node.start_byte, node.end_byte, fix)

    @staticmethod
    def _is_global_object(
        ctx: RuleContext, node: Node, unresolved: set[int], written: set[str]
    ) -> bool:
        if node.type == "identifier":
            return (
                ctx.source.node_text(node) == "Object"
                and node.id in unresolved
                and "Object" not in written
            )
        member = _member_name(ctx, node)
        if member is None or member[1] != "Object":
            return False
        base = member[0]
        return (
            base.type == "identifier"
            and ctx.source.node_text(base) == "globalThis"
            and ctx.is_builtin_global("globalThis")
            and base.id in unresolved
            and "globalThis" not in written
        )

    def _fix(self, ctx: RuleContext, call: Node, args: Node, arguments: list[Node]) -> Any:
        data = ctx.source.data
        arg_tokens = _tokens(args)
        left_paren, right_paren = arg_tokens[0], arg_tokens[-1]
        edits: list[tuple[int, int, str]] = [(call.start_byte, left_paren.start_byte, "")]
        if _needs_parens(call):
            edits.append((left_paren.start_byte, left_paren.end_byte, "({"))
            edits.append((right_paren.start_byte, right_paren.end_byte, "})"))
        else:
            edits.append((left_paren.start_byte, left_paren.end_byte, "{"))
            edits.append((right_paren.start_byte, right_paren.end_byte, "}"))
        for arg in arguments:
            parens = _paren_tokens(arg)
            left, right = parens[0], parens[-1]
            inner = unparen(arg)
            if inner.type == "object":
                for token in parens[1:-1]:
                    edits.append((token.start_byte, token.end_byte, ""))
                left_end = left.end_byte
                while left_end < len(data) and _is_space_at(data, left_end):
                    left_end = _next_char(data, left_end)
                right_start = max(_start_with_spaces(data, right), left_end)
                edits.append((left.start_byte, left_end, ""))
                edits.append((right_start, right.end_byte, ""))
                object_tokens = _tokens(inner)
                trailing_comma = len(object_tokens) >= 2 and object_tokens[-2].type == ","
                following = arg.next_sibling
                while following is not None and following.type in _COMMENTS:
                    following = following.next_sibling
                empty = not any(c.type not in ("{", "}", ",") for c in object_tokens)
                if (empty or trailing_comma) and following is not None and following.type == ",":
                    edits.append((following.start_byte, following.end_byte, ""))
            elif inner.type in _SPREAD_NEEDS_PARENS and arg.type != "parenthesized_expression":
                edits.append((left.start_byte, left.start_byte, "...("))
                edits.append((right.end_byte, right.end_byte, ")"))
            else:
                edits.append((left.start_byte, left.start_byte, "..."))
        edits.sort(key=lambda e: (e[0], e[1]))
        start, end = edits[0][0], max(e[1] for e in edits)
        pieces = []
        position = start
        for edit_start, edit_end, text in edits:
            pieces.append(data[position:edit_start].decode("utf-8", "surrogatepass"))
            pieces.append(text)
            position = max(position, edit_end)
        pieces.append(data[position:end].decode("utf-8", "surrogatepass"))
        return ctx.edit(start, end, "".join(pieces))


def _has_accessor(node: Node) -> bool:
    """Whether an object literal defines a getter or setter."""
    if node.type != "object":
        return False
    for member in node.named_children:
        if member.type != "method_definition":
            continue
        name = member.child_by_field_name("name")
        if name is not None and any(
            c.type in ("get", "set") and c.end_byte <= name.start_byte for c in member.children
        ):
            return True
    return False


def _needs_parens(call: Node) -> bool:
    """ESLint's needsParens: would ``{`` at this place open a block (or need grouping)?"""
    outer = call
    parent = outer.parent  # asked once per step: Node.parent searches from the root
    while parent is not None and parent.type == "parenthesized_expression":
        outer = parent
        parent = outer.parent
    parenthesised = outer is not call
    if parent is None:
        return not parenthesised
    kind = parent.type
    if kind == "arguments":
        grand = parent.parent
        if grand is not None and grand.type == "call_expression":
            return False
        return not parenthesised
    if kind in _NO_PARENS_PARENTS:
        return False
    if kind in _ASSIGNMENTS:
        return parent.child_by_field_name("left") == outer and not parenthesised
    return not parenthesised


def _paren_tokens(arg: Node) -> list[Node]:
    """The first and last tokens of an argument and the parentheses around it, in order."""
    opening: list[Node] = []
    closing: list[Node] = []
    node = arg
    while node.type == "parenthesized_expression":
        tokens = _tokens(node)
        opening.append(tokens[0])
        closing.append(tokens[-1])
        node = _unparen_once(node)
    first, last = _first_token(node), _last_token(node)
    return [*opening, first, last, *reversed(closing)]


def _unparen_once(node: Node) -> Node:
    inner = [c for c in node.named_children if c.type not in _COMMENTS]
    return inner[0] if len(inner) == 1 else node


def _first_token(node: Node) -> Node:
    while node.child_count and node.type not in ("string", "template_string", "regex"):
        children = [c for c in node.children if c.type not in _COMMENTS]
        if not children:
            break
        node = children[0]
    return node


def _last_token(node: Node) -> Node:
    while node.child_count and node.type not in ("string", "template_string", "regex"):
        children = [c for c in node.children if c.type not in _COMMENTS]
        if not children:
            break
        node = children[-1]
    return node


def _previous_leaf(token: Node) -> Node | None:
    node: Node | None = token
    while node is not None and node.prev_sibling is None:
        node = node.parent
    if node is None:
        return None
    leaf = node.prev_sibling
    assert leaf is not None
    while leaf.child_count and leaf.type not in _COMMENTS:
        leaf = leaf.children[-1]
    return leaf


def _start_with_spaces(data: bytes, token: Node) -> int:
    """ESLint's getStartWithSpaces: the token's start, blanks before it included,
    unless a line comment comes right before it."""
    previous = _previous_leaf(token)
    if previous is not None and previous.type in _COMMENTS:
        text = data[previous.start_byte : previous.start_byte + 2]
        if previous.type == "html_comment" or text == b"//":
            return token.start_byte
    start = token.start_byte
    while start > 0:
        before = _previous_char(data, start)
        if not _is_space_at(data, before):
            break
        start = before
    return start


def _char_at(data: bytes, offset: int) -> str:
    end = _next_char(data, offset)
    return data[offset:end].decode("utf-8", "surrogatepass")


def _is_space_at(data: bytes, offset: int) -> bool:
    return _char_at(data, offset) in _SPACES


def _next_char(data: bytes, offset: int) -> int:
    offset += 1
    while offset < len(data) and data[offset] & 0xC0 == 0x80:
        offset += 1
    return offset


def _previous_char(data: bytes, offset: int) -> int:
    offset -= 1
    while offset > 0 and data[offset] & 0xC0 == 0x80:
        offset -= 1
    return offset
