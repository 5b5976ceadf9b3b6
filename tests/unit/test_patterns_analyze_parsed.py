"""PatternMatcher.analyze_parsed: the analysis of an already parsed source, as
analyze_code gives it, also after incremental edits."""

from __future__ import annotations

import pytest

from patterns import IncrementalDocument, PatternMatcher, parse

SOURCE = """\
/* eslint-disable-next-line eqeqeq */
var a = b == c;
var total = 0;
for (var i = 0; i < items.length; i++) {
  total = total + items[i];
}
const label = "total: " + total;
export default { label: label };
"""


@pytest.mark.parametrize("source_type", ["module", "script", "commonjs"])
def test_analyze_parsed_equals_analyze_code(source_type: str) -> None:
    matcher = PatternMatcher()
    expected = matcher.analyze_code(SOURCE, source_type=source_type)
    assert expected
    assert matcher.analyze_parsed(parse(SOURCE), source_type=source_type) == expected


def test_analyze_parsed_takes_rules_and_ecma_version() -> None:
    matcher = PatternMatcher()
    parsed = parse("var x = Math.pow(2, 3);")
    only = matcher.analyze_parsed(parsed, rules=["prefer-exponentiation-operator"])
    assert [p.rule for p in only] == ["prefer-exponentiation-operator"]
    assert matcher.analyze_parsed(parsed, rules=["no-var"], ecma_version=5) == (
        matcher.analyze_code("var x = Math.pow(2, 3);", rules=["no-var"], ecma_version=5)
    )


def test_analyze_parsed_twice_on_one_source_gives_the_same_problems() -> None:
    matcher = PatternMatcher()
    parsed = parse(SOURCE)
    assert matcher.analyze_parsed(parsed) == matcher.analyze_parsed(parsed)


def test_analyze_parsed_on_typescript() -> None:
    code = "let n: number = 1;\nif (n == 2) { n = n + 1; }\n"
    matcher = PatternMatcher()
    assert matcher.analyze_parsed(parse(code, "ts")) == matcher.analyze_code(code, "ts")


def test_after_incremental_edits() -> None:
    matcher = PatternMatcher()
    doc = IncrementalDocument(SOURCE)
    edits = [
        (0, 0, "let z = 1;\n"),
        (20, 20, " "),
        (5, 9, ""),
        (0, 0, "if (x) { y(); } else { if (z) w(); }\n"),
    ]
    for start, end, text in edits:
        parsed = doc.apply_edit(start, end, text)
        assert matcher.analyze_parsed(parsed) == matcher.analyze_code(doc.text)


@pytest.mark.xfail(
    strict=True,
    reason="tree-sitter's incremental parse puts the comment after an ASI-ended "
    "statement beside it, a fresh parse inside it; rules see the difference",
)
def test_after_an_edit_next_to_a_trailing_comment_without_semicolon() -> None:
    text = "function f() {\n  var a = b + 1 // c\n  if (a) g()\n}\n"
    doc = IncrementalDocument(text)
    parsed = doc.apply_edit(17, 20, "let")
    assert str(parsed.root) == str(parse(doc.text).root)
