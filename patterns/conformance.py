"""Conformance with ESLint's own rule tests.

The test vectors (one JSON file per rule, from ESLint's ``tests/lib/rules``)
live outside the project, in ``$FIXSTREAM_ESLINT_CASES`` or
``<repo>/../shared/eslint-cases``. For an invalid case, the rule must report
ESLint's errors (count, and position, message or data where the case gives
them) and ONE fix pass must give the case's ``output`` (no change when it is
null). A valid case must give no problem at all.

Run ``python -m patterns.conformance [-v] [rule ...]`` for a table of passed
cases per rule.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fixer import apply_pass
from .matcher import PatternMatcher
from .parsing import language_for_path
from .registry import RULES, all_rule_names
from .types import Problem

__all__ = [
    "CASES_ENV",
    "Case",
    "Outcome",
    "cases_dir",
    "implemented_rules",
    "load_cases",
    "main",
    "run_case",
]

CASES_ENV = "FIXSTREAM_ESLINT_CASES"

_INLINE_CONFIG = re.compile(r"/\*\s*eslint\s+(.*?)\*/", re.DOTALL)
_INLINE_RULE = re.compile(r"""(?:^|,)\s*["']?([@\w/-]+)["']?\s*:\s*(\S)""")


def cases_dir() -> Path | None:
    """The folder of test vectors, or None when it is absent."""
    configured = os.environ.get(CASES_ENV)
    if configured:
        path = Path(configured)
    else:
        path = Path(__file__).resolve().parent.parent.parent / "shared" / "eslint-cases"
    return path if path.is_dir() else None


def implemented_rules(directory: Path | None = None) -> list[str]:
    """Our rules that have a test-vector file."""
    directory = directory or cases_dir()
    if directory is None:
        return []
    return [name for name in all_rule_names() if (directory / f"{name}.json").is_file()]


@dataclass(frozen=True, slots=True)
class Case:
    rule: str
    valid: bool
    index: int
    code: str
    output: str | None
    options: list[Any]
    language_options: dict[str, Any]
    errors: list[Any] | int
    uses_custom_parser: bool
    filename: str | None = None

    @property
    def id(self) -> str:
        return f"{self.rule}-{'valid' if self.valid else 'invalid'}-{self.index}"

    @property
    def source_type(self) -> str:
        options = self.language_options
        features = options.get("parserOptions", {}).get("ecmaFeatures", {})
        if options.get("sourceType") == "commonjs" or features.get("globalReturn"):
            return "commonjs"
        return "script" if options.get("sourceType") == "script" else "module"

    @property
    def ecma_version(self) -> int | str | None:
        """``languageOptions.ecmaVersion`` (None: ESLint's default, "latest")."""
        value = self.language_options.get("ecmaVersion")
        return value if isinstance(value, (int, str)) else None

    @property
    def language(self) -> str:
        if self.filename:
            try:
                return language_for_path(self.filename)
            except ValueError:
                pass
        return "javascript"

    @property
    def error_count(self) -> int:
        return self.errors if isinstance(self.errors, int) else len(self.errors)


def load_cases(rule: str, directory: Path | None = None) -> list[Case]:
    """The valid and invalid cases of one rule (empty when there is no file)."""
    directory = directory or cases_dir()
    if directory is None or not (directory / f"{rule}.json").is_file():
        return []
    raw = json.loads((directory / f"{rule}.json").read_text(encoding="utf-8"))
    cases = []
    for valid, key in ((False, "invalid"), (True, "valid")):
        for index, item in enumerate(raw.get(key, [])):
            cases.append(
                Case(
                    rule=rule,
                    valid=valid,
                    index=index,
                    code=item["code"],
                    output=item.get("output"),
                    options=list(item.get("options") or []),
                    language_options=dict(item.get("languageOptions") or {}),
                    errors=item.get("errors", []) if not valid else [],
                    uses_custom_parser=bool(item.get("usesCustomParser")),
                    filename=item.get("filename"),
                )
            )
    return cases


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    passed: bool
    skipped: str | None = None  # why the case cannot run here
    detail: str = ""


def _inline_rules(code: str) -> list[str]:
    """Core rules a case turns on in ``/* eslint rule: ... */`` comments."""
    names = []
    for match in _INLINE_CONFIG.finditer(code):
        for rule in _INLINE_RULE.finditer(match.group(1)):
            name, severity = rule.group(1), rule.group(2)
            if "/" not in name and severity not in ("0", "o"):  # not a plugin, not "off"
                names.append(name)
    return names


def _check_errors(case: Case, problems: list[Problem]) -> str:
    if len(problems) != case.error_count:
        return f"expected {case.error_count} error(s), got {len(problems)}: " + "; ".join(
            f"{p.line}:{p.column} {p.message}" for p in problems
        )
    if isinstance(case.errors, int):
        return ""
    for number, (expected, got) in enumerate(zip(case.errors, problems, strict=True)):
        if not isinstance(expected, dict):
            if isinstance(expected, str) and expected != got.message:
                return f"error {number}: expected message {expected!r}, got {got.message!r}"
            continue
        for key, actual in (
            ("line", got.line),
            ("column", got.column),
            ("endLine", got.end_line),
            ("endColumn", got.end_column),
        ):
            if key in expected and expected[key] != actual:
                return f"error {number}: expected {key} {expected[key]}, got {actual}"
        if "message" in expected and expected["message"] != got.message:
            return f"error {number}: expected message {expected['message']!r}, got {got.message!r}"
        for value in (expected.get("data") or {}).values():
            if str(value) not in got.message:
                return f"error {number}: {value!r} not in message {got.message!r}"
    return ""


def run_case(case: Case, matcher: PatternMatcher | None = None) -> Outcome:
    """Run one case; never raises for a failing case (the outcome says why)."""
    if case.uses_custom_parser:
        return Outcome(case, False, skipped="needs a custom parser (TypeScript or fixture AST)")
    matcher = matcher or PatternMatcher()
    selection: dict[str, Any] = {case.rule: case.options}
    extra = [name for name in _inline_rules(case.code) if name != case.rule]
    missing = [name for name in extra if name not in RULES]
    if missing:
        return Outcome(case, False, detail=f"needs rule(s) not implemented: {', '.join(missing)}")
    selection.update((name, None) for name in extra)
    problems = matcher.analyze_code(
        case.code,
        case.language,
        rules=selection,
        source_type=case.source_type,
        ecma_version=case.ecma_version,
    )
    if case.valid:
        if problems:
            return Outcome(
                case, False, detail="; ".join(f"{p.line}:{p.column} {p.message}" for p in problems)
            )
        return Outcome(case, True)
    detail = _check_errors(case, problems)
    if detail:
        return Outcome(case, False, detail=detail)
    fixed = apply_pass(case.code, problems).text
    expected = case.output if case.output is not None else case.code
    if fixed != expected:
        return Outcome(case, False, detail=f"output {fixed!r}, expected {expected!r}")
    return Outcome(case, True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m patterns.conformance",
        description="Run ESLint's rule tests against our rules.",
    )
    parser.add_argument("rules", nargs="*", help="rules to run (default: all with test vectors)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failing case")
    args = parser.parse_args(argv)
    directory = cases_dir()
    if directory is None:
        print(f"no test vectors: set {CASES_ENV} or add ../shared/eslint-cases", file=sys.stderr)
        return 2
    rules = args.rules or implemented_rules(directory)
    matcher = PatternMatcher()
    print(f"{'rule':<28}{'invalid':>12}{'valid':>12}{'skipped':>10}")
    failures: list[Outcome] = []
    for rule in rules:
        outcomes = [run_case(case, matcher) for case in load_cases(rule, directory)]
        runnable = [o for o in outcomes if o.skipped is None]
        invalid = [o for o in runnable if not o.case.valid]
        valid = [o for o in runnable if o.case.valid]
        failures.extend(o for o in runnable if not o.passed)
        print(
            f"{rule:<28}"
            f"{sum(o.passed for o in invalid):>7}/{len(invalid):<4}"
            f"{sum(o.passed for o in valid):>7}/{len(valid):<4}"
            f"{len(outcomes) - len(runnable):>10}"
        )
    if args.verbose:
        for outcome in failures:
            print(f"FAIL {outcome.case.id}: {outcome.detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
