"""LSP ``TextEdit`` lists between two versions of a text.

LSP positions are zero-based lines and zero-based characters counted in UTF-16
code units; lines end at ``\\n``, ``\\r\\n`` or ``\\r``. All edits of one list
refer to the original text and never overlap, as LSP requires. No position
falls between the ``\\r`` and the ``\\n`` of a line break.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from difflib import SequenceMatcher
from itertools import accumulate
from typing import Any, Final

__all__ = ["apply_lsp_edits", "offset_to_position", "position_to_offset", "to_lsp_edits"]

_LINE_END: Final = re.compile(r"\r\n|\r|\n")


def _split_lines(text: str) -> list[str]:
    """Lines with their terminators (the last one may have none)."""
    lines = []
    position = 0
    for match in _LINE_END.finditer(text):
        lines.append(text[position : match.end()])
        position = match.end()
    if position < len(text):
        lines.append(text[position:])
    return lines


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class _Lines:
    """Line starts of a text, for offset ↔ LSP position conversion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _LINE_END.finditer(text)]

    def position(self, offset: int) -> dict[str, int]:
        line = bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return {"line": line, "character": _utf16_length(self.text[start:offset])}

    def line_content_end(self, line: int) -> int:
        """Where the content of ``line`` ends (before its line break)."""
        if line + 1 >= len(self.starts):
            return len(self.text)
        end = self.starts[line + 1]
        if end - 2 >= self.starts[line] and self.text[end - 2 : end] == "\r\n":
            return end - 2
        return end - 1

    def offset(self, position: dict[str, Any]) -> int:
        line = int(position["line"])
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        limit = self.line_content_end(line)
        units = int(position["character"])
        offset = start
        while offset < limit and units > 0:
            units -= 2 if ord(self.text[offset]) > 0xFFFF else 1
            offset += 1
        return offset


def offset_to_position(text: str, offset: int) -> dict[str, int]:
    """The LSP position of a character offset of ``text``."""
    return _Lines(text).position(offset)


def position_to_offset(text: str, position: dict[str, Any]) -> int:
    """The character offset of an LSP position (past a line's end: its end)."""
    return _Lines(text).offset(position)


def _common_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    index = 0
    while index < limit and a[index] == b[index]:
        index += 1
    return index


def _common_suffix(a: str, b: str, floor: int) -> int:
    limit = min(len(a), len(b)) - floor
    index = 0
    while index < limit and a[len(a) - 1 - index] == b[len(b) - 1 - index]:
        index += 1
    return index


def to_lsp_edits(old: str, new: str) -> list[dict[str, Any]]:
    """LSP TextEdits that turn ``old`` into ``new``, in document order.

    Lines are diffed first (difflib, with its popular-line heuristic so that
    large files stay fast), then each changed block is narrowed to the
    characters that differ, line by line where the block keeps its line count.
    """
    if old == new:
        return []
    old_lines = _split_lines(old)
    new_lines = _split_lines(new)
    old_starts = list(accumulate((len(line) for line in old_lines), initial=0))
    new_starts = list(accumulate((len(line) for line in new_lines), initial=0))
    lines = _Lines(old)
    edits: list[dict[str, Any]] = []

    def add(a_start: int, a_end: int, b_start: int, b_end: int) -> None:
        edit = _narrow(old, new, a_start, a_end, b_start, b_end)
        if edit is not None:
            start, end, text = edit
            edits.append(
                {
                    "range": {"start": lines.position(start), "end": lines.position(end)},
                    "newText": text,
                }
            )

    matcher = SequenceMatcher(None, old_lines, new_lines)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                if old_lines[i] != new_lines[j]:
                    add(old_starts[i], old_starts[i + 1], new_starts[j], new_starts[j + 1])
        else:
            add(old_starts[i1], old_starts[i2], new_starts[j1], new_starts[j2])
    return edits


def _narrow(
    old: str, new: str, a_start: int, a_end: int, b_start: int, b_end: int
) -> tuple[int, int, str] | None:
    """Shrink the replacement of ``old[a_start:a_end]`` by ``new[b_start:b_end]``."""
    a = old[a_start:a_end]
    b = new[b_start:b_end]
    if a == b:
        return None
    prefix = _common_prefix(a, b)
    suffix = _common_suffix(a, b, prefix)
    prefix, suffix = _whole_words(a, b, prefix, suffix)
    start = a_start + prefix
    end = a_end - suffix
    # Never split a "\r\n": widen the edit over the whole line break.
    if prefix and old[start - 1] == "\r" and start < len(old) and old[start] == "\n":
        prefix -= 1
        start -= 1
    if suffix and old[end - 1 : end + 1] == "\r\n":
        suffix -= 1
        end += 1
    return start, end, b[prefix : len(b) - suffix]


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def _whole_words(a: str, b: str, prefix: int, suffix: int) -> tuple[int, int]:
    """Shorten the kept ``prefix`` / ``suffix`` so that the edit never splits a word:
    ``let`` -> ``const`` becomes one edit of the whole word, not ``le`` -> ``cons``
    keeping the ``t`` (the same result, but editors and the dashboard show edits)."""

    def changed_word_at(first: bool) -> bool:
        a_end, b_end = len(a) - suffix, len(b) - suffix
        if first:
            return (prefix < a_end and _is_word(a[prefix])) or (
                prefix < b_end and _is_word(b[prefix]))
        return (prefix < a_end and _is_word(a[a_end - 1])) or (
            prefix < b_end and _is_word(b[b_end - 1]))

    while prefix and _is_word(a[prefix - 1]) and changed_word_at(first=True):
        prefix -= 1
    while suffix and _is_word(a[len(a) - suffix]) and changed_word_at(first=False):
        suffix -= 1
    return prefix, suffix


def apply_lsp_edits(text: str, edits: Sequence[dict[str, Any]]) -> str:
    """Apply LSP TextEdits (all relative to ``text``, non-overlapping)."""
    lines = _Lines(text)
    spans = []
    for order, edit in enumerate(edits):
        start = lines.offset(edit["range"]["start"])
        end = lines.offset(edit["range"]["end"])
        spans.append((start, end, order, str(edit["newText"])))
    spans.sort()
    pieces = []
    position = 0
    for start, end, _, new_text in spans:
        pieces.append(text[position:start])
        pieces.append(new_text)
        position = max(position, end)
    pieces.append(text[position:])
    return "".join(pieces)
