"""Value types shared by rules, the fixer and the public API.

All ranges are half-open ``[start, end)`` CHARACTER offsets into the Python
``str`` that was analysed (code points, not UTF-8 bytes and not UTF-16 units).
Lines and columns are 1-based, like ESLint's; a column counts code points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AppliedFix", "FixReport", "Problem", "SkippedFix", "TextEdit"]


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``text[start:end]`` by ``text`` (an insertion when start == end)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of one rule, with the fix the rule proposes, if any."""

    rule: str
    message: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    reliability: float
    fix: TextEdit | None = None


@dataclass(frozen=True, slots=True)
class AppliedFix:
    """A fix the fixer kept; the range is in the text of pass ``pass_index`` (0-based)."""

    rule: str
    start: int
    end: int
    reliability: float
    pass_index: int


@dataclass(frozen=True, slots=True)
class SkippedFix:
    """A fix still proposed for the final text that the fixer did not apply.

    The range is in the final text, like the ranges of ``FixReport.remaining``.
    """

    rule: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class FixReport:
    """What a multipass fix run did.

    ``applied`` lists every kept fix in order; ``skipped`` the fixes still on
    offer for the final text with the reason each was declined; ``passes`` the
    number of passes that changed the text; ``remaining`` the problems of the
    final text.
    """

    applied: list[AppliedFix] = field(default_factory=list)
    skipped: list[SkippedFix] = field(default_factory=list)
    passes: int = 0
    remaining: list[Problem] = field(default_factory=list)
