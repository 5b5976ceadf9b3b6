"""Repairing tree-sitter's reading of ``let`` before a line break.

``let``, a line break (and maybe comments), then a binding is one declaration
for the language and for ESLint, but tree-sitter's JavaScript grammar reads it
as an expression statement ``let`` followed by an assignment. Where that
happens, :func:`repair_let_gaps` parses a copy of the bytes with each gap after
such a ``let`` blanked out: the same bytes at the same offsets, so every node
still points into the real text (only row/column points move, and comments in
a gap are not in the tree). The repair is kept only when every such ``let``
becomes a declaration and the copy has no syntax error the original lacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from tree_sitter import Tree

__all__ = ["misread_let_gaps", "repair_let_gaps"]

# `let` with a line break or a comment after it: maybe a declaration tree-sitter
# misreads. The literal comes first so that the scan is a fast substring search;
# the look-behind after it rules out a name character or a dot before `let`.
_LET_BEFORE_GAP: Final = re.compile(
    rb"let(?<![\w$.]let)"
    rb"(?=(?:[ \t\f\v]|\xc2\xa0|\xef\xbb\xbf)*"  # spaces, NBSP, BOM
    rb"(?:[\r\n]|\xe2\x80[\xa8\xa9]|/[/*]))"  # then a line break (LS, PS too) or a comment
)
# What may follow: a name (in TypeScript `x: T` reads as a label), an object pattern.
_BINDING_STARTS: Final = frozenset({"identifier", "statement_identifier", "{"})


def misread_let_gaps(data: bytes, tree: Tree) -> list[tuple[int, int]]:
    """Byte ranges between a ``let`` and its binding that tree-sitter took for
    the end of a statement ``let`` (the binding then reads as an assignment)."""
    # The rules' token helpers; imported here, since the rules import this module's
    # parser (patterns.parsing) themselves.
    from .rules._statements import is_statement_list, line_break_between, token_after

    gaps: list[tuple[int, int]] = []
    root = tree.root_node
    for match in _LET_BEFORE_GAP.finditer(data):
        start, end = match.span()
        keyword = root.descendant_for_byte_range(start, end)
        if (
            keyword is None
            or keyword.type != "identifier"
            or (keyword.start_byte, keyword.end_byte) != (start, end)
        ):
            continue
        statement = keyword.parent
        if (
            statement is None
            or statement.type != "expression_statement"
            or statement.parent is None
            or not is_statement_list(statement.parent)
            or any(child.type not in ("identifier", "comment") for child in statement.children)
        ):
            continue  # only a statement list may hold a declaration
        following = token_after(keyword)
        if (
            following is not None
            and following.type in _BINDING_STARTS
            and line_break_between(data, end, following.start_byte)
        ):
            gaps.append((end, following.start_byte))
    return gaps


def repair_let_gaps(data: bytes, tree: Tree, reparse: Callable[[bytes], Tree]) -> Tree:
    """``tree``, or the tree of ``data`` with the gaps of misread ``let``
    declarations blanked when that makes each of them a declaration without
    adding syntax errors. ``reparse`` parses a copy of the bytes."""
    if _LET_BEFORE_GAP.search(data) is None:
        return tree  # no `let` before a line break or a comment (the common case)
    gaps = misread_let_gaps(data, tree)
    if not gaps:
        return tree
    blanked = bytearray(data)
    for start, end in gaps:
        blanked[start:end] = b" " * (end - start)
    repaired = reparse(bytes(blanked))
    if repaired.root_node.has_error and not tree.root_node.has_error:
        return tree
    root = repaired.root_node
    for start, _ in gaps:
        keyword = root.descendant_for_byte_range(start - 3, start)
        parent = keyword.parent if keyword is not None else None
        if parent is None or parent.type != "lexical_declaration":
            return tree
    return repaired
