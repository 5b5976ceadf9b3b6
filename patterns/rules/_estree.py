"""ESTree views of tree-sitter nodes, for the expression-rewriting rules (yoda,
operator-assignment, no-unneeded-ternary, prefer-numeric-literals,
logical-assignment-operators).

ESLint rules see ESTree: no parenthesis nodes, comments kept aside, literals
with values, and a token stream. These helpers give the same facts over a
tree-sitter tree: parentheses looked through, ESLint's tokens (a string,
template, regex or number is one token; comments are skipped),
``astUtils.isSameReference``, ``getPrecedence``, ``isParenthesised``,
``getParenthesisedText`` and ``canTokensBeAdjacent``. Literal values come from
:mod:`._literals`.
"""

from __future__ import annotations

import re
from typing import Final, Literal, TypeAlias

from tree_sitter import Node

from ..parsing import ParsedSource
from . import _tokens
from ._literals import (
    BigInt,
    JsNull,
    Regex,
    is_literal,
    js_number_string,
    literal_value,
    static_template_value,
)
from ._tokens import BINARY_PRECEDENCE

__all__ = [
    "COMMENTS",
    "binary_precedence",
    "can_tokens_be_adjacent",
    "comments_between",
    "estree_parent",
    "estree_range",
    "first_token",
    "is_parenthesised",
    "is_same_reference",
    "last_token",
    "misparsed_non_null",
    "operator_token",
    "parenthesised_range",
    "precedence",
    "static_property_name",
    "token_after",
    "token_before",
    "token_kind",
    "unparen",
]

COMMENTS: Final = frozenset({"comment", "html_comment"})
# Nodes that are one token for ESLint although tree-sitter splits them up.
_WHOLE_TOKENS: Final = frozenset(
    {"string", "template_string", "regex", "number", "jsx_text", "html_comment", "comment"}
)


def _inner(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type not in COMMENTS]


def unparen(node: Node) -> Node:
    """The expression inside any number of parentheses (ESTree drops them)."""
    while node.type == "parenthesized_expression":
        inner = _inner(node)
        if len(inner) != 1:
            break
        node = inner[0]
    return node


_OPERATOR_EXPRESSIONS: Final = frozenset(
    {
        "binary_expression",
        "assignment_expression",
        "augmented_assignment_expression",
        "ternary_expression",
        "unary_expression",
        "await_expression",
        "yield_expression",
    }
)


_HAS_NON_NULL: Final = "patterns.rules._estree:has-non-null"


def _has_non_null(source: ParsedSource) -> bool:
    return bool(source.nodes_of("non_null_expression"))


def misparsed_non_null(source: ParsedSource, node: Node) -> bool:
    """Whether tree-sitter took the ``!`` of ``a < b!`` for one of the whole
    expression (it belongs to ``b``): such a node's range and operands are wrong."""
    if source.language == "javascript" or not source.fact(_HAS_NON_NULL, _has_non_null):
        return False  # JavaScript (no `x!` in its grammar), or TypeScript without `x!`
    parent = node.parent
    return (
        parent is not None
        and parent.type == "non_null_expression"
        and node.type in _OPERATOR_EXPRESSIONS
    )


def estree_parent(node: Node) -> Node | None:
    """The parent ESTree would give: enclosing parentheses are skipped."""
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    return parent


# --- tokens ---------------------------------------------------------------------------


def _is_token(node: Node) -> bool:
    return node.end_byte > node.start_byte and (node.child_count == 0 or node.type in _WHOLE_TOKENS)


def first_token(node: Node, *, comments: bool = False) -> Node | None:
    """ESLint's first token of ``node`` (comments skipped unless ``comments``)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.end_byte <= current.start_byte:
            continue
        if current.type in COMMENTS:
            if comments:
                return current
            continue
        if _is_token(current):
            return current
        stack.extend(reversed(current.children))
    return None


def last_token(node: Node) -> Node | None:
    """ESLint's last token of ``node`` (comments skipped)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in COMMENTS or current.end_byte <= current.start_byte:
            continue
        if _is_token(current):
            return current
        stack.extend(current.children)
    return None


def estree_range(node: Node) -> tuple[int, int]:
    """The byte range ESTree gives ``node``: from its first to its last token.

    tree-sitter lets a statement ended by automatic semicolon insertion run
    over the comments that follow it; ESTree does not.
    """
    first = first_token(node)
    last = last_token(node)
    if first is None or last is None:
        return node.start_byte, node.end_byte
    return first.start_byte, last.end_byte


def token_before(node: Node) -> Node | None:
    """The token that precedes ``node`` (comments skipped), or None at the start."""
    return _tokens.token_before(node, last_token)


def token_after(node: Node) -> Node | None:
    """The token that follows ``node`` (comments skipped), or None at the end."""
    return _tokens.token_after(node, first_token)


def operator_token(node: Node) -> Node | None:
    """The operator token of a binary or assignment expression."""
    found = node.child_by_field_name("operator")
    if found is not None:
        return found
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    for child in node.children:
        if (
            left is not None
            and right is not None
            and left.end_byte <= child.start_byte
            and child.end_byte <= right.start_byte
            and child.type not in COMMENTS
        ):
            return child
    return None


def comments_between(node: Node, start: int, end: int) -> bool:
    """Whether a comment of ``node``'s subtree lies within bytes ``[start, end)``."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.end_byte <= start or current.start_byte >= end:
            continue
        if current.type in COMMENTS:
            return True
        if current.type in _WHOLE_TOKENS:
            continue
        stack.extend(current.children)
    return False


def is_parenthesised(node: Node) -> bool:
    """ESLint's ``isParenthesised``: the tokens around ``node`` are ``(`` and ``)``.

    As in ESLint, the parentheses of ``if (...)`` or of a call count.
    """
    before = token_before(node)
    if before is None or before.type != "(":
        return False
    after = token_after(node)
    return after is not None and after.type == ")"


def parenthesised_range(node: Node) -> tuple[int, int]:
    """The byte range of ESLint's ``getParenthesisedText``: every ``(...)`` pair
    wrapped around ``node`` (found by tokens, so a call's parentheses count)."""
    left = first_token(node)
    right = last_token(node)
    if left is None or right is None:
        return node.start_byte, node.end_byte
    while True:
        before = token_before(left)
        after = token_after(right)
        if before is None or after is None or before.type != "(" or after.type != ")":
            break
        left, right = before, after
    return left.start_byte, right.end_byte


TokenKind: TypeAlias = Literal[
    "Punctuator",
    "Identifier",
    "PrivateIdentifier",
    "Numeric",
    "String",
    "Template",
    "RegularExpression",
    "Block",
    "Line",
    "JSXText",
]

_WORD_START: Final = re.compile(r"[\w$\\]|[^\x00-\x7f]")


def token_kind(token: Node, source: ParsedSource) -> TokenKind:
    """The espree token type of a token (keywords, booleans and null count as words)."""
    kind = token.type
    if kind == "string":
        return "String"
    if kind == "template_string" or kind == "`":
        return "Template"
    parent = token.parent
    if kind in ("${", "}") and parent is not None and parent.type == "template_substitution":
        return "Template"
    if kind == "regex":
        return "RegularExpression"
    if kind == "number":
        return "Numeric"
    if kind == "jsx_text":
        return "JSXText"
    text = source.node_text(token)
    if kind in COMMENTS:
        return "Block" if text.startswith("/*") else "Line"
    if text.startswith("#") and len(text) > 1:
        return "PrivateIdentifier"
    if _WORD_START.match(text):
        return "Identifier"
    return "Punctuator"


def can_tokens_be_adjacent(
    left_kind: TokenKind, left_text: str, right_kind: TokenKind, right_text: str
) -> bool:
    """ESLint's ``canTokensBeAdjacent`` for two tokens given by kind and text."""
    if left_kind == "Punctuator" or right_kind == "Punctuator":
        if left_kind == "Punctuator" and right_kind == "Punctuator":
            plus = ("+", "++")
            minus = ("-", "--")
            return not (
                (left_text in plus and right_text in plus)
                or (left_text in minus and right_text in minus)
            )
        if left_kind == "Punctuator" and left_text == "/":
            return right_kind not in ("Block", "Line", "RegularExpression")
        return True
    if "String" in (left_kind, right_kind) or "Template" in (left_kind, right_kind):
        return True
    if left_kind != "Numeric" and right_kind == "Numeric" and right_text.startswith("."):
        return True
    if left_kind == "Block" or right_kind in ("Block", "Line"):
        return True
    return right_kind == "PrivateIdentifier"


# --- precedence -----------------------------------------------------------------------

_BINARY_PRECEDENCE: Final = BINARY_PRECEDENCE
_TYPESCRIPT_EXPRESSIONS: Final = frozenset(
    {"as_expression", "satisfies_expression", "non_null_expression", "type_assertion"}
)
_FIXED_PRECEDENCE: Final = {
    "sequence_expression": 0,
    "assignment_expression": 1,
    "augmented_assignment_expression": 1,
    "arrow_function": 1,
    "yield_expression": 1,
    "ternary_expression": 3,
    "unary_expression": 16,
    "await_expression": 16,
    "update_expression": 17,
    "call_expression": 18,
    "new_expression": 19,
}


def binary_precedence(operator: str) -> int:
    """``getPrecedence`` of a binary or logical expression with ``operator``."""
    return _BINARY_PRECEDENCE.get(operator, 16)


def is_optional_chain(node: Node) -> bool:
    """Whether a member/call expression is an ESTree ChainExpression (has ``?.``)."""
    current: Node | None = node
    while current is not None and current.type in (
        "member_expression",
        "subscript_expression",
        "call_expression",
    ):
        if any(c.type == "optional_chain" for c in current.children):
            return True
        current = current.child_by_field_name(
            "function" if current.type == "call_expression" else "object"
        )
    return False


def precedence(node: Node, source: ParsedSource) -> int:
    """ESLint's ``astUtils.getPrecedence`` (TypeScript-only expressions give -1)."""
    node = unparen(node)
    kind = node.type
    if kind == "binary_expression":
        operator = node.child_by_field_name("operator")
        return binary_precedence(source.node_text(operator) if operator is not None else "")
    if kind in _FIXED_PRECEDENCE:
        return _FIXED_PRECEDENCE[kind]
    if kind in ("member_expression", "subscript_expression") and is_optional_chain(node):
        return 18
    if kind in _TYPESCRIPT_EXPRESSIONS:
        return -1
    return 20


# --- same reference -------------------------------------------------------------------


def _static_string(node: Node, source: ParsedSource) -> str | None:
    """ESLint's ``getStaticStringValue``."""
    value = literal_value(node, source)
    if value is not None:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return js_number_string(value)
        if isinstance(value, BigInt):
            return source.node_text(node).replace("_", "")[:-1]
        if isinstance(value, JsNull):
            return "null"
        if isinstance(value, Regex):
            return f"/{value.pattern}/{value.flags}"
        return value
    return static_template_value(node, source)


def _member_parts(node: Node) -> tuple[Node, Node, bool] | None:
    """(object, property, computed) of a member expression."""
    if node.type == "member_expression":
        obj = node.child_by_field_name("object")
        prop = node.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        return obj, prop, False
    if node.type == "subscript_expression":
        obj = node.child_by_field_name("object")
        index = node.child_by_field_name("index")
        if obj is None or index is None:
            return None
        return obj, index, True
    return None


def static_property_name(node: Node, source: ParsedSource) -> str | None:
    """ESLint's ``getStaticPropertyName`` of a member expression."""
    parts = _member_parts(unparen(node))
    if parts is None:
        return None
    _, prop, computed = parts
    if not computed:
        if prop.type == "property_identifier":
            return source.node_text(prop)
        return None  # a private name
    return _static_string(unparen(prop), source)


_IDENTIFIER_KINDS: Final = frozenset(
    {"identifier", "property_identifier", "shorthand_property_identifier", "undefined"}
)


def is_same_reference(
    left: Node, right: Node, source: ParsedSource, disable_static_computed_key: bool = False
) -> bool:
    """ESLint's ``astUtils.isSameReference``: both nodes name the same location.

    ``a?.b`` and ``a.b`` count as the same, as in ESLint.
    """
    left = unparen(left)
    right = unparen(right)
    lk, rk = left.type, right.type
    if lk in ("this", "super") or rk in ("this", "super"):
        return lk == rk
    if lk in _IDENTIFIER_KINDS and rk in _IDENTIFIER_KINDS:
        return source.node_text(left) == source.node_text(right)
    if lk == "private_property_identifier" and rk == lk:
        return source.node_text(left) == source.node_text(right)
    if is_literal(left) and is_literal(right):
        return _equal_literals(left, right, source)
    left_parts = _member_parts(left)
    right_parts = _member_parts(right)
    if left_parts is None or right_parts is None:
        return False
    if not disable_static_computed_key:
        name = static_property_name(left, source)
        if name is not None:
            return is_same_reference(
                left_parts[0], right_parts[0], source, False
            ) and name == static_property_name(right, source)
    return (
        left_parts[2] == right_parts[2]
        and is_same_reference(left_parts[0], right_parts[0], source, disable_static_computed_key)
        and _same_property(left_parts[1], right_parts[1], source, disable_static_computed_key)
    )


def _same_property(left: Node, right: Node, source: ParsedSource, disable: bool) -> bool:
    left = unparen(left)
    right = unparen(right)
    if left.type == "property_identifier" and right.type == "property_identifier":
        return source.node_text(left) == source.node_text(right)
    return is_same_reference(left, right, source, disable)


def _equal_literals(left: Node, right: Node, source: ParsedSource) -> bool:
    a = literal_value(left, source)
    b = literal_value(right, source)
    if isinstance(a, Regex) or isinstance(b, Regex):
        return a == b
    if isinstance(a, BigInt) or isinstance(b, BigInt):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b
