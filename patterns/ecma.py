"""ESLint's ``ecmaVersion`` language option and the built-in globals it brings.

ESLint 9 (flat config) accepts an edition (3, 5, 6 to 17), a year (2015 to
2026) or ``"latest"`` (its default) and normalises editions from 6 on to years:
6 is 2015, 11 is 2020, 17 is 2026. Rules see the normalised value. Each version
declares ESLint's built-in globals of that version (``conf/globals.js``), for
example ``globalThis`` only from 2020; a rule that finds "the global X" must not
find it where ESLint has no such global.
"""

from __future__ import annotations

from typing import Final, TypeAlias

__all__ = [
    "LATEST_ECMA_VERSION",
    "EcmaVersion",
    "builtin_globals",
    "normalize_ecma_version",
]

EcmaVersion: TypeAlias = int | str | None
"""What callers may pass: an edition, a year, ``"latest"``, or None for "latest"."""

LATEST_ECMA_VERSION: Final = 2026
"""The year ``"latest"`` stands for (ESLint 9.39's latest version)."""

_EDITIONS_BEFORE_2015: Final = (3, 5)
_FIRST_YEAR: Final = 2015
# The normalised versions, each its own normalisation.
_NORMALIZED: Final = frozenset(
    (*_EDITIONS_BEFORE_2015, *range(_FIRST_YEAR, LATEST_ECMA_VERSION + 1))
)

# The globals each version adds to the one before (ESLint's conf/globals.js);
# versions that add none are left out.
_ADDED_GLOBALS: Final[dict[int, frozenset[str]]] = {
    3: frozenset(
        {
            "Array",
            "Boolean",
            "constructor",
            "Date",
            "decodeURI",
            "decodeURIComponent",
            "encodeURI",
            "encodeURIComponent",
            "Error",
            "escape",
            "eval",
            "EvalError",
            "Function",
            "hasOwnProperty",
            "Infinity",
            "isFinite",
            "isNaN",
            "isPrototypeOf",
            "Math",
            "NaN",
            "Number",
            "Object",
            "parseFloat",
            "parseInt",
            "propertyIsEnumerable",
            "RangeError",
            "ReferenceError",
            "RegExp",
            "String",
            "SyntaxError",
            "toLocaleString",
            "toString",
            "TypeError",
            "undefined",
            "unescape",
            "URIError",
            "valueOf",
        }
    ),
    5: frozenset({"JSON"}),
    2015: frozenset(
        {
            "ArrayBuffer",
            "DataView",
            "Float32Array",
            "Float64Array",
            "Int16Array",
            "Int32Array",
            "Int8Array",
            "Intl",
            "Map",
            "Promise",
            "Proxy",
            "Reflect",
            "Set",
            "Symbol",
            "Uint16Array",
            "Uint32Array",
            "Uint8Array",
            "Uint8ClampedArray",
            "WeakMap",
            "WeakSet",
        }
    ),
    2017: frozenset({"Atomics", "SharedArrayBuffer"}),
    2020: frozenset({"BigInt", "BigInt64Array", "BigUint64Array", "globalThis"}),
    2021: frozenset({"AggregateError", "FinalizationRegistry", "WeakRef"}),
    2025: frozenset({"Float16Array", "Iterator"}),
    2026: frozenset({"AsyncDisposableStack", "DisposableStack", "SuppressedError"}),
}


def normalize_ecma_version(value: EcmaVersion) -> int:
    """The version rules see: a year from 2015 on, or 3 or 5 for the editions
    before; ``"latest"`` and None give :data:`LATEST_ECMA_VERSION`.

    Raises ValueError for anything ESLint 9 does not accept (such as 4, 2014, a
    year after the latest one, or a string other than ``"latest"``).
    """
    if type(value) is int and value in _NORMALIZED:
        return value  # already normalised (the common case: the matcher passes these on)
    if value is None or value == "latest":
        return LATEST_ECMA_VERSION
    if isinstance(value, int) and not isinstance(value, bool):
        if value in _EDITIONS_BEFORE_2015:
            return value
        year = value + 2009 if 6 <= value < _FIRST_YEAR else value
        if _FIRST_YEAR <= year <= LATEST_ECMA_VERSION:
            return year
    latest_edition = LATEST_ECMA_VERSION - 2009
    raise ValueError(
        f"ecma_version must be 3, 5, 6 to {latest_edition}, {_FIRST_YEAR} to "
        f'{LATEST_ECMA_VERSION} or "latest", got {value!r}'
    )


def builtin_globals(ecma_version: int) -> frozenset[str]:
    """ESLint's built-in globals of a normalised version (see
    :func:`normalize_ecma_version`)."""
    return _GLOBALS_BY_VERSION[ecma_version]


def _globals_by_version() -> dict[int, frozenset[str]]:
    table: dict[int, frozenset[str]] = {}
    names: frozenset[str] = frozenset()
    for version in (*_EDITIONS_BEFORE_2015, *range(_FIRST_YEAR, LATEST_ECMA_VERSION + 1)):
        names = names | _ADDED_GLOBALS.get(version, frozenset())
        table[version] = names
    return table


_GLOBALS_BY_VERSION: Final = _globals_by_version()
