"""patterns.incremental: an edited document's tree equals a fresh parse of its text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Node

from patterns.exceptions import ParseTimeout
from patterns.incremental import IncrementalDocument, _common_affixes
from patterns.parsing import ParsedSource, parse

SOURCE = """\
// Déjà vu: a small module with non-ASCII text (π, 😀) to exercise byte offsets.
import { helper } from "./helper.js";

const table = { "π": 3.14159, emoji: "😀" };

function area(radius) {
  let result = table["π"] * radius ** 2;
  if (radius > 10) {
    result = Math.round(result);
  }
  return result;
}

class Shape {
  constructor(name) {
    this.name = name;
  }
  describe() {
    return `${this.name}: ${helper(area(2))}`;
  }
}

export default new Shape("circle");
"""

TS_SOURCE = """\
interface Point { x: number; y: number }
export function norm(p: Point): number {
  const s = p.x ** 2 + p.y ** 2;
  return Math.sqrt(s);
}
"""

# Pieces an editor may type or paste: tokens, whole lines, brackets left open.
FRAGMENTS = [
    "", "x", "é", "😀", "\ud800", ";", "\n", "\r\n", " ", "{", "}", "(", ")", "'", '"', "`",
    "/*", "*/", "//", "let y = 2;\n", "if (a) {", "return 1;", "function g() {}\n",
    "${", "π", "=>", "= =", "<div>", ".5", "0x1f", "class K {}", "\u2028",
]


def _shape(node: Node) -> list[tuple[object, ...]]:
    """Every node's kind and exact range, in document order."""
    found: list[tuple[object, ...]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append((current.type, current.start_byte, current.end_byte,
                      current.start_point, current.end_point, current.is_missing))
        stack.extend(reversed(current.children))
    return found


def assert_same_as_fresh(parsed: ParsedSource) -> None:
    fresh = parse(parsed.text, parsed.language)
    assert parsed.data == fresh.data
    assert str(parsed.root) == str(fresh.root)
    assert _shape(parsed.root) == _shape(fresh.root)


def test_an_edit_changes_the_text_and_reparses() -> None:
    doc = IncrementalDocument(SOURCE)
    start = SOURCE.index("radius > 10")
    parsed = doc.apply_edit(start, start + len("radius"), "r")
    assert parsed is doc.parsed
    assert doc.text == SOURCE.replace("radius > 10", "r > 10")
    assert_same_as_fresh(parsed)
    assert (doc.incremental_parses, doc.full_parses) == (1, 1)


def test_edits_after_non_ascii_text_use_byte_offsets() -> None:
    doc = IncrementalDocument(SOURCE)
    where = SOURCE.index("😀") + 1  # just after an astral character (4 UTF-8 bytes)
    assert_same_as_fresh(doc.apply_edit(where, where, "!"))
    where = doc.text.index("area(2)")
    assert_same_as_fresh(doc.apply_edit(where, where + 4, "périmètre"))
    assert doc.text.count("périmètre(2)") == 1


def test_an_earlier_parsed_source_stays_valid() -> None:
    doc = IncrementalDocument(SOURCE)
    before = doc.parsed
    doc.apply_edit(0, 0, "/* a new first line */\n")
    assert_same_as_fresh(before)
    assert before.text == SOURCE


def test_a_range_outside_the_text_is_refused() -> None:
    doc = IncrementalDocument("let a = 1;")
    for start, end in [(-1, 0), (3, 2), (0, 11)]:
        with pytest.raises(ValueError, match="outside the text"):
            doc.apply_edit(start, end, "x")
    assert doc.text == "let a = 1;"


def test_a_broken_result_is_parsed_from_scratch_unless_told_otherwise() -> None:
    doc = IncrementalDocument(SOURCE)
    where = SOURCE.index("return result;")
    assert doc.apply_edit(where, where, "(").has_errors
    assert doc.full_parses == 2
    assert_same_as_fresh(doc.parsed)

    loose = IncrementalDocument(SOURCE, exact=False)
    parsed = loose.apply_edit(where, where, "(")
    assert parsed.has_errors
    assert (loose.incremental_parses, loose.full_parses) == (1, 1)
    assert parsed.root.end_byte == len(parsed.data)


def test_a_parse_timeout_keeps_the_previous_text() -> None:
    doc = IncrementalDocument("let a = 1;\n", time_limit=0)
    with pytest.raises(ParseTimeout):
        doc.apply_edit(0, 0, "let b = 2;\n" * 200)
    assert doc.text == "let a = 1;\n"
    assert_same_as_fresh(doc.apply_edit(4, 5, "c"))


def test_set_text_reparses_the_changed_span() -> None:
    doc = IncrementalDocument(SOURCE)
    changed = SOURCE.replace("this.name = name;", "this.name = name.trim();")
    assert_same_as_fresh(doc.set_text(changed))
    assert doc.text == changed
    assert doc.incremental_parses == 1
    assert_same_as_fresh(doc.set_text(""))
    assert_same_as_fresh(doc.set_text(SOURCE))


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="ab\n😀", max_size=12), st.text(alphabet="ab\n😀", max_size=12))
def test_common_affixes_leave_the_differing_middle(old: str, new: str) -> None:
    prefix, suffix = _common_affixes(old, new)
    assert prefix + suffix <= min(len(old), len(new))
    assert old[:prefix] == new[:prefix]
    assert old[len(old) - suffix :] == new[len(new) - suffix :]
    longer_prefix = prefix < min(len(old), len(new)) and old[prefix] == new[prefix]
    assert not longer_prefix


@st.composite
def edit_sequences(draw: st.DrawFn) -> list[tuple[float, int, str]]:
    """Edits as (relative start, length to replace, inserted text)."""
    steps = draw(st.integers(min_value=1, max_value=6))
    return [
        (draw(st.floats(min_value=0.0, max_value=1.0)),
         draw(st.sampled_from([0, 0, 1, 2, 5, 40])),
         draw(st.sampled_from(FRAGMENTS)))
        for _ in range(steps)
    ]


LANGUAGE_CASES = [("javascript", SOURCE), ("typescript", TS_SOURCE), ("tsx", SOURCE)]


@settings(max_examples=150, deadline=None, database=None)
@given(st.sampled_from(LANGUAGE_CASES), edit_sequences(), st.booleans(), st.booleans())
def test_random_edits_give_the_tree_of_a_fresh_parse(
    case: tuple[str, str], edits: list[tuple[float, int, str]], via_set_text: bool, exact: bool
) -> None:
    """Exact documents always match a fresh parse; the others whenever the result
    holds no syntax error."""
    language, text = case
    doc = IncrementalDocument(text, language, exact=exact)
    for relative, length, inserted in edits:
        start = int(relative * len(doc.text))
        end = min(len(doc.text), start + length)
        if via_set_text:
            parsed = doc.set_text(doc.text[:start] + inserted + doc.text[end:])
        else:
            parsed = doc.apply_edit(start, end, inserted)
        assert parsed.text == doc.text
        if exact or not parsed.has_errors:
            assert_same_as_fresh(parsed)


def _nodes(parsed: ParsedSource, kinds: set[str]) -> list[Node]:
    found, stack = [], [parsed.root]
    while stack:
        node = stack.pop()
        if node.type in kinds:
            found.append(node)
        stack.extend(node.children)
    return sorted(found, key=lambda n: n.start_byte)


@settings(max_examples=100, deadline=None, database=None)
@given(st.sampled_from(LANGUAGE_CASES), st.data())
def test_edits_that_keep_the_code_valid_reuse_the_tree(
    case: tuple[str, str], data: st.DataObject
) -> None:
    """Renames, deleted and repeated statements, new lines: the incremental parse
    alone (``exact=False``) gives the fresh parse's tree."""
    language, text = case
    doc = IncrementalDocument(text, language, exact=False)
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        parsed = doc.parsed
        kind = data.draw(st.sampled_from(["rename", "delete", "repeat", "newline"]))
        kinds = {"identifier"} if kind == "rename" else {
            "expression_statement", "lexical_declaration", "return_statement"}
        candidates = _nodes(parsed, kinds)
        if not candidates:  # everything deleted already
            assert_same_as_fresh(doc.apply_edit(len(doc.text), len(doc.text), "let z = 1;\n"))
            continue
        node = data.draw(st.sampled_from(candidates))
        if kind == "rename":
            inserted = data.draw(st.sampled_from(["q", "é1", "longerName", "$"]))
        else:
            inserted = {"delete": "", "repeat": parsed.node_text(node) * 2,
                        "newline": parsed.node_text(node) + "\n"}[kind]
        start = parsed.char_offset(node.start_byte)
        end = parsed.char_offset(node.end_byte)
        assert_same_as_fresh(doc.apply_edit(start, end, inserted))
    assert doc.full_parses == 1
