"""prefer-template: ``'a' + b`` should be the template literal `` `a${b}` ``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/prefer-template): a
chain of ``+`` that holds a string literal (or template literal) and some
other operand is reported once, on the whole chain. The fix rewrites the
whole chain, byte for byte as ESLint does: string literals become template
literals (``${`` and backticks escaped, the now needless quote escapes
dropped), other operands become ``${...}`` substitutions that keep the
comments and blanks around the ``+`` signs, and parentheses are dropped.
Parts that are only strings stay separate templates joined by ``+``.

No fix is offered when a string holds an octal or ``\\8``/``\\9`` escape
(not allowed in templates), nor for absurdly long chains (Python's stack).

Like ESLint, a comment inside an operand's own parentheses (``(b /* c */)``)
is not carried over.

Reliability 0.95: the result is the same string, but a ``+`` chain that is
numeric addition before the first string (``1 + 2 + 'x'``) keeps its order of
evaluation only because ESLint groups it into one substitution.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._node_index import CONCATENATION
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..types import Problem
from ._function_forms import outer_parens
from ._object_syntax import unparen

__all__ = ["PreferTemplate"]

_STRINGS: Final = frozenset({"string", "template_string"})
_OCTAL_ESCAPE: Final = re.compile(r"^(?:[^\\]|\\.)*\\(?:[1-9]|0[0-9])", re.DOTALL)
_TEMPLATE_HAZARD: Final = re.compile(r"\\*(\$\{|`)")
_MAX_DEPTH: Final = 150  # nesting beyond this gets a report without a fix
MESSAGE: Final = "Unexpected string concatenation."


def _is_concat(node: Node | None) -> bool:
    if node is None or node.type != "binary_expression":
        return False
    operator = node.child_by_field_name("operator")
    return operator is not None and operator.type == "+"


class _Chain:
    """One ``+`` chain, each of its nodes read once.

    Per ``+`` node of the chain (by id): its operator token, its raw sides and
    its sides without parentheses; per node of the chain: its type. Also the
    operands in order (nested chains flattened, as ESLint sees them), how deep
    the chain nests, and which ``+`` nodes hold a string operand.
    """

    __slots__ = ("deepest", "operands", "parts", "strings", "types")

    def __init__(self, top: Node) -> None:
        parts: dict[int, tuple[Node, Node, Node, Node, Node]] = {}
        types: dict[int, str] = {}
        operands: list[Node] = []
        order: list[Node] = []  # the `+` nodes, outer before inner
        deepest = 0
        stack = [(top, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > deepest:
                deepest = depth
            kind = node.type
            types[node.id] = kind
            operator = node.child_by_field_name("operator") if kind == "binary_expression" else None
            if operator is None or operator.type != "+":
                operands.append(node)
                continue
            raw_left = node.child_by_field_name("left")
            raw_right = node.child_by_field_name("right")
            assert raw_left is not None and raw_right is not None
            left, right = unparen(raw_left), unparen(raw_right)
            parts[node.id] = (operator, raw_left, raw_right, left, right)
            order.append(node)
            stack.append((right, depth + 1))
            stack.append((left, depth + 1))
        strings: dict[int, bool] = {}
        for node in reversed(order):  # inner before outer
            _, _, _, left, right = parts[node.id]
            strings[node.id] = any(
                strings[side.id] if side.id in parts else types[side.id] in _STRINGS
                for side in (left, right)
            )
        self.parts = parts
        self.types = types
        self.operands = operands
        self.deepest = deepest
        self.strings = strings

    def is_concat(self, node: Node) -> bool:
        return node.id in self.parts

    def sides(self, node: Node) -> tuple[Node, Node]:
        parts = self.parts[node.id]
        return parts[3], parts[4]

    def type(self, node: Node) -> str:
        kind = self.types.get(node.id)
        return node.type if kind is None else kind


def _unparen_once(node: Node) -> Node:
    inner = [c for c in node.named_children if c.type != "comment"]
    return inner[0] if len(inner) == 1 else node


def _starts_with_curly(chain: _Chain, node: Node) -> bool:
    """ESLint's startsWithTemplateCurly, as it behaves on espree's trees.

    espree's template elements include their delimiters, so a template literal
    never counts as starting (or ending) with a substitution.
    """
    while chain.is_concat(node):
        node = chain.sides(node)[0]
    return chain.type(node) not in _STRINGS


def _ends_with_curly(chain: _Chain, node: Node) -> bool:
    # ESLint looks at the *start* of a concatenation's right side here.
    if chain.is_concat(node):
        return _starts_with_curly(chain, chain.sides(node)[1])
    return chain.type(node) not in _STRINGS


class _Fix:
    """Builds ESLint's replacement text for one ``+`` chain."""

    def __init__(self, ctx: RuleContext, chain: _Chain) -> None:
        self.ctx = ctx
        self.chain = chain

    def text(self, node: Node) -> str:
        return self.ctx.source.node_text(node)

    def between(self, start: int, end: int, side: Node) -> str:
        """The text of ``[start, end)`` without the parentheses around ``side``.

        What is left is blanks and comments: ESLint joins the gaps between tokens.
        """
        parens: list[Node] = []
        wrapper = side
        while wrapper.type == "parenthesized_expression":
            parens.extend(c for c in wrapper.children if c.type in ("(", ")"))
            wrapper = _unparen_once(wrapper)
        pieces = []
        position = start
        for token in sorted(parens, key=lambda t: t.start_byte):
            if start <= token.start_byte and token.end_byte <= end:
                pieces.append(self.ctx.source.byte_text(position, token.start_byte))
                position = token.end_byte
        pieces.append(self.ctx.source.byte_text(position, end))
        return "".join(pieces)

    def template(self, node: Node, before: str | None, after: str | None) -> str:
        chain = self.chain
        kind = chain.type(node)
        if kind == "string":
            raw = self.text(node)
            quote = raw[0]

            def escape(match: re.Match[str]) -> str:
                matched = match.group(0)
                backslashes = len(matched) - len(match.group(1))
                return "\\" + matched if backslashes % 2 == 0 else matched

            body = _TEMPLATE_HAZARD.sub(escape, raw[1:-1]).replace("\\" + quote, quote)
            return f"`{body}`"
        if kind == "template_string":
            return self.text(node)
        parts = chain.parts.get(node.id)
        if parts is not None and chain.strings[node.id]:
            plus, raw_left, raw_right, left, right = parts
            before_plus = self.between(left.end_byte, plus.start_byte, raw_left)
            after_plus = self.between(plus.end_byte, right.start_byte, raw_right)
            if _ends_with_curly(chain, left):
                return (
                    self.template(left, before, before_plus + after_plus)[:-1]
                    + self.template(right, None, after)[1:]
                )
            if _starts_with_curly(chain, right):
                return (
                    self.template(left, before, None)[:-1]
                    + self.template(right, before_plus + after_plus, after)[1:]
                )
            return (
                f"{self.template(left, before, None)}{before_plus}+{after_plus}"
                f"{self.template(right, after, None)}"
            )
        return f"`${{{before or ''}{self.text(node)}{after or ''}}}`"


class PreferTemplate(Rule):
    name: ClassVar[str] = "prefer-template"
    description: ClassVar[str] = "Require template literals instead of string concatenation"
    default_reliability: ClassVar[float] = 0.95
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        has_errors = source.has_errors
        # The `+` nodes inside a chain read so far (see _top_concats).
        inner: set[int] | None = None if has_errors else set()
        for top in _top_concats(source, inner):
            chain = _Chain(top)
            if inner is not None:
                inner.update(chain.parts)
            types = chain.types
            kinds = [types[o.id] in _STRINGS for o in chain.operands]
            if all(kinds) or not any(kinds):
                continue
            fix = None
            octal = any(
                types[o.id] == "string" and _OCTAL_ESCAPE.match(source.node_text(o))
                for o in chain.operands
            )
            if not octal and not has_errors and chain.deepest <= _MAX_DEPTH:
                replacement = _Fix(ctx, chain).template(top, None, None)
                fix = ctx.edit(top.start_byte, top.end_byte, replacement)
            yield ctx.problem(MESSAGE, top.start_byte, top.end_byte, fix)


def _top_concats(source: ParsedSource, inner: set[int] | None) -> Iterator[Node]:
    """The ``+`` chains that are not themselves an operand of a ``+``, in document order.

    With ``inner`` (a tree without syntax errors), the caller adds to it the ids
    of the ``+`` nodes of each chain it is given before asking for the next:
    an operand of a ``+`` comes after it in document order, so it is then
    known unread (in such a tree the parentheses around an operand each hold
    that operand alone, so the chain's walk down reaches every ``+`` whose
    parent, its parentheses skipped, is a ``+``). Without it, each node's
    parent is asked.
    """
    for node in source.nodes_shaped(CONCATENATION):
        if inner is not None:
            if node.id not in inner:
                yield node
        elif not _is_concat(outer_parens(node).parent):
            yield node
