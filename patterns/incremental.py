"""Incremental re-parsing: keep a document's syntax tree across an editor's edits.

An editor sends small changes to a large text; parsing the whole text again for
each wastes most of the work. :class:`IncrementalDocument` holds the current
text and its :class:`~patterns.parsing.ParsedSource`. :meth:`~IncrementalDocument.
apply_edit` describes a change to tree-sitter (``Tree.edit``, in UTF-8 byte
offsets and row/column points) and parses again with the edited tree, so that
tree-sitter reuses every subtree the change does not touch.

The result is the tree a fresh parse of the new text gives, with one known
exception: a comment after a statement that ends without a semicolon
(``var a = 1 // note``) can end up beside the statement instead of inside it
when an edit touches the statement (reused subtrees skip the automatic-semicolon
scan that takes the comment in). Where the new tree holds syntax errors,
tree-sitter's error recovery over reused subtrees can take another path than a
fresh parse (about 1 % of such edits in our tests); such a text is parsed again
from scratch, at the price of a full parse while the code is broken. With
``exact=False`` the incremental tree is kept anyway: still a valid tree of the
new text, only its ERROR nodes may sit elsewhere.

>>> doc = IncrementalDocument("let a = 1;\\nfoo(a);\\n")
>>> doc.apply_edit(4, 5, "b").text
'let b = 1;\\nfoo(a);\\n'
"""

from __future__ import annotations

import tree_sitter

from .parsing import Language, ParsedSource, parse

__all__ = ["IncrementalDocument"]


def _point(data: bytes, offset: int) -> tuple[int, int]:
    """tree-sitter's (row, byte column) of a byte offset; rows end at ``\\n`` only."""
    row = data.count(b"\n", 0, offset)
    return row, offset - (data.rfind(b"\n", 0, offset) + 1)


def _end_point(start: tuple[int, int], inserted: bytes) -> tuple[int, int]:
    """The point after ``inserted`` when it is written at ``start``."""
    rows = inserted.count(b"\n")
    if rows == 0:
        return start[0], start[1] + len(inserted)
    return start[0] + rows, len(inserted) - (inserted.rfind(b"\n") + 1)


def _common_affixes(old: str, new: str) -> tuple[int, int]:
    """Lengths of the longest common prefix, and of the longest common suffix of
    what is left after it."""
    low, high = 0, min(len(old), len(new))
    while low < high:  # binary search: slices compare at C speed
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    prefix = low
    low, high = 0, min(len(old), len(new)) - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle :] == new[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return prefix, low


class IncrementalDocument:
    """A source text kept parsed across edits.

    ``language``: a grammar name or alias, as for :func:`~patterns.parsing.parse`;
    ``time_limit``: the cap of each parse in seconds (default: scaled to the
    size); ``exact``: re-parse from scratch when an edit leaves syntax errors
    (see above). Offsets are character offsets into :attr:`text`, like
    everywhere in the public API. Not safe to share across threads (nor are
    the trees).
    """

    __slots__ = ("_exact", "_parsed", "_time_limit", "full_parses", "incremental_parses")

    def __init__(
        self,
        text: str,
        language: str = "javascript",
        *,
        time_limit: float | None = None,
        exact: bool = True,
    ) -> None:
        self._time_limit = time_limit
        self._exact = exact
        self._parsed = parse(text, language, time_limit=time_limit)
        self.incremental_parses = 0
        """Edits whose result came from the incremental parse."""
        self.full_parses = 1
        """Parses from scratch: the first, and after edits that left syntax errors."""

    @property
    def parsed(self) -> ParsedSource:
        """The current text with its tree."""
        return self._parsed

    @property
    def text(self) -> str:
        return self._parsed.text

    @property
    def language(self) -> Language:
        return self._parsed.language

    def apply_edit(self, start: int, end: int, new_text: str) -> ParsedSource:
        """Replace the characters ``[start, end)`` of :attr:`text` by ``new_text``.

        Returns the new :class:`ParsedSource` (also :attr:`parsed` from now on);
        earlier ones stay valid. Raises ``ValueError`` for a range outside the
        text, and :class:`~patterns.exceptions.ParseTimeout` like ``parse``, in
        which case the document keeps its previous text.
        """
        old = self._parsed
        if not 0 <= start <= end <= len(old.text):
            raise ValueError(
                f"edit range [{start}, {end}) is outside the text (length {len(old.text)})"
            )
        start_byte = old.byte_offset(start)
        old_end_byte = old.byte_offset(end)
        inserted = new_text.encode("utf-8", "surrogatepass")
        start_point = _point(old.data, start_byte)
        tree = old.tree.copy()  # edit a copy: `old` keeps a tree that matches its text
        tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=start_byte + len(inserted),
            start_point=start_point,
            old_end_point=_point(old.data, old_end_byte),
            new_end_point=_end_point(start_point, inserted),
        )
        text = old.text[:start] + new_text + old.text[end:]
        self._parsed = self._reparse(text, tree)
        return self._parsed

    def set_text(self, text: str) -> ParsedSource:
        """Replace the whole text (as an editor's full sync, or a changed file does),
        re-parsing incrementally over the span that differs from the current text."""
        prefix, suffix = _common_affixes(self.text, text)
        return self.apply_edit(prefix, len(self.text) - suffix, text[prefix : len(text) - suffix])

    def _reparse(self, text: str, tree: tree_sitter.Tree) -> ParsedSource:
        parsed = parse(text, self.language, time_limit=self._time_limit, old_tree=tree)
        if self._exact and parsed.has_errors:
            self.full_parses += 1
            return parse(text, self.language, time_limit=self._time_limit)
        self.incremental_parses += 1
        return parsed
