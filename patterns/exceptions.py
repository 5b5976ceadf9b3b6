"""Errors raised by the fix engine.

Everything the engine raises on purpose derives from :class:`PatternError`, so
callers (the stream workers) can catch one type at the boundary. tree-sitter
failures are translated into these where they cross into our code.
"""

from __future__ import annotations

__all__ = [
    "InvalidRuleOptions",
    "ParseFailure",
    "ParseTimeout",
    "PatternError",
    "UnknownRule",
    "UnsupportedLanguage",
]


class PatternError(Exception):
    """Base class of every error raised by :mod:`patterns`."""


class UnsupportedLanguage(PatternError, ValueError):
    """The language (or file extension) has no grammar in this engine."""

    def __init__(self, language: str, supported: tuple[str, ...] = ()) -> None:
        self.language = language
        hint = f"; use one of: {', '.join(supported)}" if supported else ""
        super().__init__(f"unsupported language {language!r}{hint}")


class UnknownRule(PatternError, KeyError):
    """A rule name that is not in the registry."""

    def __init__(self, name: str, known: tuple[str, ...] = ()) -> None:
        self.name = name
        hint = f"; known rules: {', '.join(known)}" if known else ""
        super().__init__(f"unknown rule {name!r}{hint}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class InvalidRuleOptions(PatternError, ValueError):
    """Options given for a rule do not fit its options schema."""

    def __init__(self, rule: str, detail: str) -> None:
        self.rule = rule
        super().__init__(f"invalid options for rule {rule!r}: {detail}")


class ParseFailure(PatternError, RuntimeError):
    """tree-sitter gave no tree for a source."""


class ParseTimeout(ParseFailure):
    """tree-sitter did not finish within its time limit (pathological broken input)."""
