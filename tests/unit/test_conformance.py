"""Conformance with ESLint's own rule tests, one test per case.

The vectors live outside the project (``$FIXSTREAM_ESLINT_CASES`` or
``<repo>/../shared/eslint-cases``); without them every case is skipped. For a
table of passed cases per rule run ``python -m patterns.conformance``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from patterns import PatternMatcher
from patterns.conformance import CASES_ENV, Case, cases_dir, implemented_rules, load_cases, run_case

# Cases we knowingly fail, each with the reason, one JSON file per rule in
# conformance_gaps/ (``{"<case id>": "<reason>"}``). Keep them short: when a case starts
# passing, strict xfail turns it red so that it leaves the list.
KNOWN_FAILURES: dict[str, str] = {
    case_id: reason
    for path in sorted((Path(__file__).parent / "conformance_gaps").glob("*.json"))
    for case_id, reason in json.loads(path.read_text(encoding="utf-8")).items()
}


def _params() -> list[object]:
    directory = cases_dir()
    if directory is None:
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(
                    reason=f"ESLint test vectors not found: set {CASES_ENV} "
                    "or provide ../shared/eslint-cases next to the repository"
                ),
                id="no-eslint-cases",
            )
        ]
    params: list[object] = []
    for rule in implemented_rules(directory):
        for case in load_cases(rule, directory):
            marks = []
            if case.uses_custom_parser:
                marks.append(
                    pytest.mark.skip(reason="needs ESLint's custom parser (TS or fixture AST)")
                )
            elif case.id in KNOWN_FAILURES:
                marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[case.id], strict=True))
            params.append(pytest.param(case, marks=marks, id=case.id))
    return params


@pytest.fixture(scope="module")
def matcher() -> PatternMatcher:
    return PatternMatcher()


@pytest.mark.parametrize("case", _params())
def test_eslint_case(case: Case, matcher: PatternMatcher) -> None:
    outcome = run_case(case, matcher)
    assert outcome.passed, f"{case.id}: {outcome.detail}\ncode: {case.code!r}"


def test_known_failures_name_real_cases() -> None:
    directory = cases_dir()
    if directory is None:
        pytest.skip(f"ESLint test vectors not found (set {CASES_ENV})")
    ids = {case.id for rule in implemented_rules(directory) for case in load_cases(rule, directory)}
    assert set(KNOWN_FAILURES) <= ids


def test_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    from patterns.conformance import main

    if cases_dir() is None:
        assert main([]) == 2
        return
    assert main(["prefer-const"]) == 0
    table = capsys.readouterr().out
    assert "prefer-const" in table
    with capsys.disabled():  # show the figures in the test log
        print("\n" + table, end="")


def test_a_wrong_output_fails_the_case() -> None:
    case = Case(
        rule="prefer-const",
        valid=False,
        index=0,
        code="let x = 1; foo(x);",
        output="let x = 1; foo(x);",
        options=[],
        language_options={},
        errors=1,
        uses_custom_parser=False,
    )
    outcome = run_case(case)
    assert not outcome.passed and "output" in outcome.detail
    wrong_count = dataclasses.replace(case, errors=2)
    assert "expected 2 error(s)" in run_case(wrong_count).detail
