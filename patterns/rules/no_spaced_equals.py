"""no-spaced-equals: ``a = = b`` is a typo for ``a == b`` (and ``= = =``, ``! =``, ``! = =``).

Not an ESLint rule: ESLint cannot parse such code at all. tree-sitter can, with
an ERROR node, so the rule works on tokens: it walks the leaf tokens of the
tree (ERROR nodes included), and finds runs of ``=``/``==``/``!``/``!=``
tokens separated only by spaces or tabs whose concatenation is ``==``,
``===``, ``!=`` or ``!==``.

Safety: tokens inside strings, template literals, comments, regexes and JSX
text are never looked at; a run is only reported where the tree around it
holds a syntax error (so valid code such as TypeScript's ``x! = 1`` is never
touched); and nothing after an unterminated block comment or template literal
is reported, because that text is really inside the comment or literal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Final

from tree_sitter import Node

from ..parsing import iter_leaves
from ..rule import Rule, RuleContext
from ..types import Problem

__all__ = ["NoSpacedEquals"]

_OPAQUE: Final = frozenset(
    {
        "string",
        "template_string",
        "template_literal_type",
        "comment",
        "html_comment",
        "regex",
        "jsx_text",
        "hash_bang_line",
    }
)
_PIECES: Final = frozenset({"=", "==", "!", "!="})
_OPERATORS: Final = frozenset({"==", "===", "!=", "!=="})
_GAP: Final = frozenset(b" \t")


def _is_gap(data: bytes, start: int, end: int) -> bool:
    return end > start and all(b in _GAP for b in data[start:end])


def _is_piece(token: Node) -> bool:
    if token.type not in _PIECES:
        return False
    # TypeScript's non-null assertion (`x! = 1`) is not half of a `!=`.
    parent = token.parent
    return not (token.type == "!" and parent is not None and parent.type == "non_null_expression")


def _opens_unterminated(leaf: Node, data: bytes) -> bool:
    """A stray backtick, or a ``/*`` that tree-sitter could not close."""
    parent = leaf.parent
    if leaf.type == "`":
        return parent is None or parent.type != "template_string"
    if leaf.type == "/" and parent is not None and parent.is_error:
        following = leaf.next_sibling
        return (
            following is not None and data[following.start_byte : following.start_byte + 1] == b"*"
        )
    return False


class NoSpacedEquals(Rule):
    name: ClassVar[str] = "no-spaced-equals"
    description: ClassVar[str] = "Fix equality operators split by spaces: '= =' means '=='"
    default_reliability: ClassVar[float] = 1.0
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        if not source.has_errors:
            return  # the typo never parses, so clean code has none
        data = source.data
        tokens: list[Node] = []
        for leaf in iter_leaves(source.root, _OPAQUE):
            if _opens_unterminated(leaf, data):
                break
            if leaf.end_byte > leaf.start_byte:
                tokens.append(leaf)
        index = 0
        while index < len(tokens):
            last = self._run_end(tokens, index, data)
            pieces = [t.type for t in tokens[index : last + 1]]
            operator = "".join(pieces)
            if last > index and operator in _OPERATORS:
                start = tokens[index].start_byte
                end = tokens[last].end_byte
                spanning = source.root.descendant_for_byte_range(start, end)
                if spanning is not None and spanning.has_error:
                    message = f"Spaced '{' '.join(pieces)}' is a typo for '{operator}'."
                    yield ctx.problem(message, start, end, ctx.edit(start, end, operator))
            index = last + 1

    @staticmethod
    def _run_end(tokens: list[Node], index: int, data: bytes) -> int:
        """The last token of the run of operator pieces, split by blanks, at ``index``.

        The whole run must spell one operator to be fixed: ``= = = =`` is left
        alone, since no single fix is clearly right.
        """
        last = index
        if not _is_piece(tokens[index]):
            return last
        while (
            last + 1 < len(tokens)
            and _is_piece(tokens[last + 1])
            and _is_gap(data, tokens[last].end_byte, tokens[last + 1].start_byte)
        ):
            last += 1
        return last
