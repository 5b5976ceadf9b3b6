"""Byte scans of a source text: the tests rules make before reading a tree.

Most rules first ask whether a word can be in the source at all (``var``,
``parseInt``, a directive's label...); most of the time it cannot, and the whole
text is scanned for nothing, once per rule and per pass. Where the native core is
built these scans are its SIMD substring search (several times CPython's ``in``
and ``re``); otherwise the same answers come from Python.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from itertools import islice

from ._native_core import native_text_scans

__all__ = ["contains_any", "has_word", "word_pattern", "word_starts"]


@cache
def word_pattern(word: bytes) -> re.Pattern[bytes]:
    """A pattern for ``word`` with no ASCII name character (nor ``$``) on either side.

    The look-behind comes after the word so that a scan hunts for the word itself
    (a fast substring search) instead of trying the look-behind everywhere.
    """
    literal = re.escape(word)
    return re.compile(literal + rb"(?<![\w$]" + literal + rb")(?![\w$])")


def _contains_any(data: bytes, needles: tuple[bytes, ...]) -> bool:
    return any(needle in data for needle in needles)


def _word_starts(data: bytes, word: bytes, limit: int) -> list[int]:
    return [match.start() for match in islice(word_pattern(word).finditer(data), limit)]


_native = native_text_scans()
_CONTAINS_ANY = _contains_any if _native is None else _native.contains_any
_WORD_STARTS = _word_starts if _native is None else _native.word_starts


def contains_any(data: bytes, needles: tuple[bytes, ...]) -> bool:
    """Whether any of ``needles`` occurs in ``data``."""
    return _CONTAINS_ANY(data, needles)


def word_starts(data: bytes, word: bytes, limit: int = sys.maxsize) -> list[int]:
    """Where ``word`` stands in ``data`` with no ASCII name character (nor ``$``)
    on either side, in order, without overlaps (what :func:`word_pattern` finds),
    at most ``limit`` of them."""
    found: list[int] = _WORD_STARTS(data, word, limit)
    return found


def has_word(data: bytes, word: bytes) -> bool:
    """Whether ``word`` stands in ``data`` with no ASCII name character (or ``$``)
    on either side: a cheap, safe test that source text may hold a keyword."""
    return bool(_WORD_STARTS(data, word, 1))
