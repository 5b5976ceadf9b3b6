"""The rules, one per module. Add a new rule's class to ``RULE_CLASSES``."""

from __future__ import annotations

from ..rule import Rule
from .no_spaced_equals import NoSpacedEquals
from .prefer_const import PreferConst

__all__ = ["RULE_CLASSES", "NoSpacedEquals", "PreferConst"]

RULE_CLASSES: tuple[type[Rule], ...] = (NoSpacedEquals, PreferConst)
