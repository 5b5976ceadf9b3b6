"""A validating reader of ECMAScript regular expression patterns.

ESLint's regex rules parse patterns with ``@eslint-community/regexpp`` and
ignore patterns it rejects. :func:`character_classes` does the part they
need: it checks a pattern against the ECMAScript grammar (Annex B in the
default mode, the stricter grammar with the ``u`` flag, class set notation
with ``v``) and returns the ranges of its character classes. It validates
structure (groups, classes, quantifiers, escapes, group names and
back-references); a few late static checks (duplicate group names, Unicode
property names) are left out.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["RegexSyntaxError", "character_classes"]


class RegexSyntaxError(ValueError):
    """The pattern is not a valid ECMAScript regular expression."""


_SYNTAX_CHARS: Final = frozenset("^$\\.*+?()[]{}|/")
_CLASS_ESCAPES: Final = frozenset("dDsSwW")
_CONTROL_ESCAPES: Final = frozenset("fnrtv")
_QUANTIFIER: Final = re.compile(r"\{(\d+)(,(\d*))?\}")
_GROUP_NAME: Final = re.compile(r"(?!\d)[$_\w\u0080-\U0010ffff][$\w\u200c\u200d\u0080-\U0010ffff]*")
_HEX2: Final = re.compile(r"[0-9a-fA-F]{2}")
_HEX4: Final = re.compile(r"[0-9a-fA-F]{4}")
_BRACED_HEX: Final = re.compile(r"\{([0-9a-fA-F]+)\}")
_PROPERTY: Final = re.compile(r"\{[A-Za-z_0-9]+(=[A-Za-z_0-9]+)?\}")
_MODIFIERS: Final = re.compile(r"[ims]*(-[ims]*)?:")
# The double punctuators that class set notation (v flag) reserves.
_RESERVED_DOUBLE: Final = frozenset(
    [
        "&&",
        "!!",
        "##",
        "$$",
        "%%",
        "**",
        "++",
        ",,",
        "..",
        "::",
        ";;",
        "<<",
        "==",
        ">>",
        "??",
        "@@",
        "^^",
        "``",
        "~~",
    ]
)


def character_classes(pattern: str, flags: str = "") -> list[tuple[int, int]]:
    """The ``[start, end)`` ranges of the character classes of ``pattern``.

    Nested classes (``v`` flag) are included. Raises :class:`RegexSyntaxError`
    when the pattern is invalid under ``flags``.
    """
    return _Reader(pattern, "u" in flags or "v" in flags, "v" in flags).run()


class _Reader:
    def __init__(self, pattern: str, unicode: bool, sets: bool) -> None:
        self.src = pattern
        self.pos = 0
        self.unicode = unicode
        self.sets = sets
        self.classes: list[tuple[int, int]] = []
        self.group_count = 0
        self.names: set[str] = set()
        self.references: list[str] = []
        self.has_names = bool(re.search(r"\(\?<(?![=!])", pattern))
        self.strict_names = unicode or self.has_names

    # -- helpers ---------------------------------------------------------
    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def eat(self, text: str) -> bool:
        if self.src.startswith(text, self.pos):
            self.pos += len(text)
            return True
        return False

    def fail(self, why: str) -> RegexSyntaxError:
        return RegexSyntaxError(f"{why} at {self.pos}")

    # -- structure ---------------------------------------------------------
    def run(self) -> list[tuple[int, int]]:
        self.disjunction()
        if self.pos < len(self.src):
            raise self.fail("unmatched ')'")
        for name in self.references:
            if name.startswith("#"):
                if int(name[1:]) > self.group_count:
                    raise self.fail(f"no group {name[1:]}")
            elif name not in self.names:
                raise self.fail(f"no group named {name!r}")
        return self.classes

    def disjunction(self) -> None:
        self.alternative()
        while self.eat("|"):
            self.alternative()

    def alternative(self) -> None:
        while self.pos < len(self.src) and self.peek() not in "|)":
            self.term()

    def term(self) -> None:
        char = self.peek()
        if char in "^$":
            self.pos += 1
            return
        if char == "\\" and self.peek(1) in ("b", "B"):
            self.pos += 2
            return
        if char == "(" and self.src.startswith(("(?=", "(?!", "(?<=", "(?<!"), self.pos):
            behind = self.peek(2) == "<"
            self.pos += 4 if behind else 3
            self.disjunction()
            if not self.eat(")"):
                raise self.fail("unterminated group")
            if not behind and not self.unicode:
                self.quantifier()  # Annex B: lookaheads may be quantified
            elif self.at_quantifier():
                raise self.fail("nothing to repeat")
            return
        self.atom()
        self.quantifier()

    def at_quantifier(self) -> bool:
        char = self.peek()
        if char in ("*", "+", "?"):
            return True
        return char == "{" and _QUANTIFIER.match(self.src, self.pos) is not None

    def quantifier(self) -> None:
        char = self.peek()
        if char in ("*", "+", "?"):
            self.pos += 1
        elif char == "{":
            match = _QUANTIFIER.match(self.src, self.pos)
            if match is None:
                return  # a literal "{" (checked by the next atom)
            low, high = match.group(1), match.group(3)
            if high and int(high) < int(low):
                raise self.fail("numbers out of order in quantifier")
            self.pos = match.end()
        else:
            return
        self.eat("?")

    def atom(self) -> None:
        char = self.peek()
        if char == "(":
            self.group()
        elif char == "[":
            self.character_class()
        elif char == "\\":
            self.pos += 1
            self.atom_escape()
        elif char in ("*", "+", "?"):
            raise self.fail("nothing to repeat")
        elif char == "{":
            if self.unicode or _QUANTIFIER.match(self.src, self.pos):
                raise self.fail("nothing to repeat" if not self.unicode else "lone '{'")
            self.pos += 1
        elif char in ("}", "]"):
            if self.unicode:
                raise self.fail(f"lone {char!r}")
            self.pos += 1
        else:
            self.pos += 1

    def group(self) -> None:
        self.pos += 1
        if self.eat("?"):
            if self.eat("<"):
                name = self.group_name()
                self.names.add(name)
                self.group_count += 1
            elif not self.eat(":"):
                match = _MODIFIERS.match(self.src, self.pos)
                if match is None or match.group(0) in (":", "-:"):
                    raise self.fail("invalid group")
                self.pos = match.end()
        else:
            self.group_count += 1
        self.disjunction()
        if not self.eat(")"):
            raise self.fail("unterminated group")

    def group_name(self) -> str:
        match = _GROUP_NAME.match(self.src, self.pos)
        if match is None:
            raise self.fail("invalid group name")
        self.pos = match.end()
        if not self.eat(">"):
            raise self.fail("invalid group name")
        return match.group(0)

    # -- escapes -----------------------------------------------------------
    def atom_escape(self) -> None:
        char = self.peek()
        if char == "":
            raise self.fail("\\ at end of pattern")
        if char in "123456789":
            match = re.compile(r"\d+").match(self.src, self.pos)
            assert match is not None
            if self.unicode:
                self.pos = match.end()
                self.references.append(f"#{match.group(0)}")  # checked in run()
                return
            self.pos += 1
            return
        if char == "k":
            if self.strict_names:
                self.pos += 1
                if not self.eat("<"):
                    raise self.fail("invalid named reference")
                self.references.append(self.group_name())
                return
            self.pos += 1
            return
        self.character_escape(in_class=False)

    def character_escape(self, in_class: bool) -> None:
        """After a backslash: any escape but back-references."""
        char = self.peek()
        if char == "":
            raise self.fail("\\ at end of pattern")
        self.pos += 1
        if char in _CLASS_ESCAPES or char in _CONTROL_ESCAPES:
            return
        if char in ("p", "P") and self.unicode:
            match = _PROPERTY.match(self.src, self.pos)
            if match is None:
                raise self.fail("invalid property name")
            self.pos = match.end()
            return
        if char == "c":
            if self.peek().isascii() and self.peek().isalpha():
                self.pos += 1
            elif in_class and not self.unicode and (self.peek().isdigit() or self.peek() == "_"):
                self.pos += 1
            elif self.unicode:
                raise self.fail("invalid control escape")
            else:
                self.pos -= 1  # Annex B: "\c" is a literal backslash
            return
        if char == "0":
            if self.unicode and self.peek().isdigit():
                raise self.fail("invalid decimal escape")
            return
        if char == "x":
            if _HEX2.match(self.src, self.pos):
                self.pos += 2
            elif self.unicode:
                raise self.fail("invalid hex escape")
            return
        if char == "u":
            if _HEX4.match(self.src, self.pos):
                self.pos += 4
                return
            if self.unicode:
                match = _BRACED_HEX.match(self.src, self.pos)
                if match is None or int(match.group(1), 16) > 0x10FFFF:
                    raise self.fail("invalid unicode escape")
                self.pos = match.end()
            return
        if self.unicode:
            if char in _SYNTAX_CHARS or (in_class and char == "-"):
                return
            if self.sets and in_class and char in "&-!#%,:;<=>@`~":
                return
            if char.isdigit() and in_class:
                raise self.fail("invalid class escape")
            raise self.fail("invalid escape")
        # Annex B: an identity escape of any other character.

    # -- classes -----------------------------------------------------------
    def character_class(self) -> None:
        start = self.pos
        self.pos += 1
        self.eat("^")
        if self.sets:
            self.class_set_contents()
        else:
            self.class_ranges()
        if not self.eat("]"):
            raise self.fail("unterminated character class")
        self.classes.append((start, self.pos))

    def class_ranges(self) -> None:
        while self.pos < len(self.src) and self.peek() != "]":
            low = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                high = self.class_atom()
                if low is None or high is None:
                    if self.unicode:
                        raise self.fail("invalid character class range")
                elif ord(low) > ord(high):
                    raise self.fail("range out of order in character class")

    def class_atom(self) -> str | None:
        """One class atom; its character, or None for a class escape like \\d."""
        char = self.peek()
        if char != "\\":
            self.pos += 1
            return char
        self.pos += 1
        escaped = self.peek()
        if escaped == "b":
            self.pos += 1
            return "\b"
        if escaped == "-" and self.unicode:
            self.pos += 1
            return "-"
        if escaped.isdigit() and escaped != "0" and not self.unicode:
            self.pos += 1
            return None  # an octal escape: its value does not matter here
        before = self.pos
        self.character_escape(in_class=True)
        if escaped in _CLASS_ESCAPES or escaped in ("p", "P") and self.unicode:
            return None
        return self.value_of(before)

    def value_of(self, start: int) -> str | None:
        """The character an escape (from ``start``, after the backslash) stands for."""
        text = self.src[start : self.pos]
        if not text:
            return "\\"
        head = text[0]
        simple = {"f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0"}
        if head in simple and len(text) == 1:
            return simple[head]
        if head in ("x", "u") and len(text) > 1:
            digits = text[1:].strip("{}")
            try:
                return chr(int(digits, 16))
            except (ValueError, OverflowError):
                return None
        if head == "c" and len(text) == 2:
            return chr(ord(text[1]) % 32)
        return text[0] if len(text) == 1 else None

    def class_set_contents(self) -> None:
        """The body of a ``v``-mode class: operands, ranges, ``&&`` and ``--``."""
        while self.pos < len(self.src) and self.peek() != "]":
            char = self.peek()
            pair = self.src[self.pos : self.pos + 2]
            if pair in ("&&", "--"):
                self.pos += 2
                continue
            if pair in _RESERVED_DOUBLE:
                raise self.fail("reserved double punctuator in class")
            if char == "[":
                self.character_class()
            elif char == "\\":
                if self.peek(1) == "q":
                    self.pos += 2
                    if not self.eat("{"):
                        raise self.fail("invalid \\q escape")
                    self.string_disjunction()
                else:
                    self.pos += 1
                    self.character_escape(in_class=True)
            elif char in "()[]{}/|":
                raise self.fail(f"{char!r} must be escaped in a class")
            else:
                self.pos += 1

    def string_disjunction(self) -> None:
        while self.peek() != "}":
            if self.peek() == "":
                raise self.fail("unterminated \\q{")
            if self.eat("\\"):
                self.character_escape(in_class=True)
            else:
                self.pos += 1
        self.pos += 1
