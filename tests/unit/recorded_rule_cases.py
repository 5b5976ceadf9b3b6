"""Rule cases recorded from an earlier implementation, checked the same way by
several test modules.

A case is ``(rules, language, source type, code, problems, fixed text)``:
``rules`` a rule name or ``{name: options}``; each problem ``(start, end, line,
column, end line, end column, fix)`` with ``fix`` None or ``(start, end, text)``.
"""

from __future__ import annotations

from typing import Any

from patterns import PatternMatcher


def case_id(case: tuple[Any, ...]) -> str:
    rules = case[0] if isinstance(case[0], str) else next(iter(case[0]))
    return f"{rules}-{case[1]}-{case[2]}"


def assert_unchanged(case: tuple[Any, ...]) -> None:
    """The case's problems and fixed text are still the recorded ones."""
    rules, language, source_type, code, expected, fixed = case
    selection = [rules] if isinstance(rules, str) else rules
    matcher = PatternMatcher()
    problems = matcher.analyze_code(code, language, rules=selection, source_type=source_type)
    found = [
        (
            p.start,
            p.end,
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            None if p.fix is None else (p.fix.start, p.fix.end, p.fix.text),
        )
        for p in problems
    ]
    assert found == expected
    assert matcher.apply_fixes(code, language, rules=selection, source_type=source_type)[0] == fixed
