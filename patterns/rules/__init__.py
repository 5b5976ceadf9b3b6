"""The rules, one per module: every public module here that defines a :class:`Rule`
subclass with a ``name`` is registered. Modules starting with ``_`` hold shared helpers.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from ..rule import Rule

__all__ = ["RULE_CLASSES"]


def _discover() -> tuple[type[Rule], ...]:
    found: list[type[Rule]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if (issubclass(value, Rule) and value is not Rule
                    and value.__module__ == module.__name__ and getattr(value, "name", None)):
                found.append(value)
    return tuple(found)


RULE_CLASSES: tuple[type[Rule], ...] = _discover()
