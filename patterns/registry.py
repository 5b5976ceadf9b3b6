"""The registry of rules by name."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from .exceptions import UnknownRule
from .rule import Rule
from .rules import RULE_CLASSES

__all__ = ["RULES", "RULESET_VERSION", "all_rule_names", "get_rule"]


def _build() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for cls in RULE_CLASSES:
        if cls.name in rules:
            raise RuntimeError(f"two rules are named {cls.name!r}")
        rules[cls.name] = cls()
    return rules


RULES: Final[Mapping[str, Rule]] = MappingProxyType(_build())


def all_rule_names() -> tuple[str, ...]:
    """Every registered rule name, sorted."""
    return tuple(sorted(RULES))


def get_rule(name: str) -> Rule:
    """The rule called ``name``; raises :class:`UnknownRule` otherwise."""
    try:
        return RULES[name]
    except (KeyError, TypeError):
        raise UnknownRule(str(name), all_rule_names()) from None


# Bump when the fixer's semantics change (what a pass applies, verification) or
# the trees every rule sees (2: `let` before a line break read as a declaration).
_ENGINE_VERSION: Final = 2


def _ruleset_version() -> str:
    digest = hashlib.sha256(f"engine@{_ENGINE_VERSION};".encode())
    for name in all_rule_names():
        digest.update(f"{name}@{RULES[name].version};".encode())
    return digest.hexdigest()[:16]


RULESET_VERSION: Final[str] = _ruleset_version()
"""Changes whenever a rule is added, removed, or bumps its ``version``."""
