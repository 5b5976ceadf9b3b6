"""patterns._node_index and the facts ParsedSource keeps: the node index gives what a
full walk of the tree gives; offsets convert as a per-character table would."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Node

from patterns import parse
from patterns._node_index import (
    CONCATENATION,
    EQUALITY,
    IN,
    INDEXED_KINDS,
    LOGICAL,
    LOOSE_EQUALITY,
    SHAPES,
    Shape,
)
from patterns.parsing import ParsedSource

SOURCE = """\
// Déjà vu: π and 😀 shift byte offsets.
/* eslint-disable no-var */
var a = b + c + d, e = f ? g : h;
if (a) { x = 1; } else if (b) { x += 2; } else { foo(function () { return this; }); }
for (let i = 0; i < 3; i++) while (i) do { i--; } while (i);
for (const k in o) o[k] = o.k || /re+/g.test(new.target);
const obj = { [k]: 1, "π": 2, m() { super.m(); }, ...rest };
const { p: q } = obj;
import { u as v } from "w";
export { v as y };
const arrow = (z) => z ** 2;
"""

pytestmark = pytest.mark.usefixtures("walks")  # each test with both walks


def _walk(node: Node) -> list[Node]:
    """Every node, named or not, in document (pre-)order."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(current.children))
    return found


@pytest.mark.parametrize("language", ["javascript", "typescript", "tsx"])
def test_each_indexed_kind_matches_a_full_walk(language: str) -> None:
    source = parse(SOURCE, language)
    walked = [n for n in _walk(source.root) if n.is_named]
    for kind in sorted(INDEXED_KINDS):
        expected = [(n.id, n.start_byte) for n in walked if n.type == kind]
        assert [(n.id, n.start_byte) for n in source.nodes_of(kind)] == expected, kind


SHAPED = """\
a = b + c; a = (b || c); a = b; a = -b; a = (b); a += b + c;
!!a; !(!a); -!a; !a; typeof !a;
x ? true : y; x ? y : false; x ? (true) : y; x ? y : z; x ? (y) : z;
f(a = b * (c = d + e));
o = { a: a, b: function () {}, c: () => 1, d: 1, e: (f), g: b.c, [h]: h };
a["b"]; a[`b`]; a[null]; a[b]; a[(c)]; a[1];
if (a) b; else c; if (a) b; if (a) {} else if (b) {}
while (a) b; while (a) {} do a; while (b); do {} while (a); for (;;) a; for (;;) {}
for (a in b) c; for (a of b) {} for (const a of b) c;
a + b; a || b; a && b; a ?? b; a == b; a !== b; a < b; a in b; a * b;
"""


@pytest.mark.parametrize("language", ["javascript", "typescript", "tsx"])
def test_each_shape_holds_the_nodes_of_its_kind_that_have_it(language: str) -> None:
    source = parse(SHAPED, language)
    walked = [n for n in _walk(source.root) if n.is_named]
    for shape in SHAPES:
        expected = []
        for node in walked:
            if node.type != shape.kind:
                continue
            kinds = [c.type for f in shape.fields if (c := node.child_by_field_name(f)) is not None]
            if any((kind in shape.child_kinds) != shape.negated for kind in kinds):
                expected.append((node.id, node.start_byte))
        assert expected, shape.name  # the snippet has some of each
        assert [(n.id, n.start_byte) for n in source.nodes_shaped(shape)] == expected, shape.name


def _operator_texts(code: str, shape: Shape, language: str = "javascript") -> list[str]:
    source = parse(code, language)
    return [source.node_text(node) for node in source.nodes_shaped(shape)]


def test_operator_shapes_hold_the_binary_expressions_of_their_operators() -> None:
    code = "a == b + c; x = (d != e) && f === g; h in k; m ** n;"
    assert _operator_texts(code, EQUALITY) == ["a == b + c", "d != e", "f === g"]
    assert _operator_texts(code, LOOSE_EQUALITY) == ["a == b + c", "d != e"]
    assert _operator_texts(code, CONCATENATION) == ["b + c"]
    assert _operator_texts(code, IN) == ["h in k"]
    power = Shape("binary_expression", ("operator",), frozenset({"**"}))  # not collected
    assert _operator_texts(code, power) == ["m ** n"]
    assert _operator_texts("a + b + c", CONCATENATION) == ["a + b + c", "a + b"]
    assert _operator_texts("a || b && c; d ?? e", LOGICAL, "typescript") == [
        "a || b && c",
        "b && c",
        "d ?? e",
    ]


def test_shapes_match_a_parenthesized_child_whatever_it_holds() -> None:
    source = parse("a = (b); a = (b + c); a = b;")
    (shape,) = [s for s in SHAPES if s.kind == "assignment_expression"]
    assert [source.node_text(n) for n in source.nodes_shaped(shape)] == ["a = (b)", "a = (b + c)"]


def test_a_shape_outside_the_index_is_still_found() -> None:
    shape = Shape("call_expression", ("arguments",), frozenset({"arguments"}))
    assert shape not in SHAPES
    source = parse("f(1); g.h(2); new K(3);")
    assert [source.node_text(n) for n in source.nodes_shaped(shape)] == ["f(1)", "g.h(2)"]
    missing = Shape("call_expression", ("no_such_field",), frozenset({"arguments"}))
    assert source.nodes_shaped(missing) == []


def test_several_kinds_merge_in_document_order_outer_first() -> None:
    source = parse("a = b + (c + d) * e; if (x) y = z + 1;")
    kinds = ("binary_expression", "assignment_expression", "if_statement")
    found = source.nodes_of(*kinds)
    walked = [n for n in _walk(source.root) if n.type in kinds]
    assert [n.id for n in found] == [n.id for n in walked]
    assert found[0].type == "assignment_expression"


def test_a_kind_outside_the_index_is_still_found() -> None:
    source = parse("let a = 1; let b = [a, 2];")
    assert [source.node_text(n) for n in source.nodes_of("array")] == ["[a, 2]"]
    assert "array" not in INDEXED_KINDS


def test_unknown_kinds_give_nothing() -> None:
    source = parse("let a = 1;")
    assert source.nodes_of("no_such_kind") == []
    assert source.nodes_of("function") == []  # only a keyword token in this grammar


def test_each_call_returns_a_new_list() -> None:
    source = parse("f(1); g(2);")
    first = source.nodes_of("call_expression")
    first.clear()
    assert len(source.nodes_of("call_expression")) == 2


def test_facts_are_computed_once_per_source() -> None:
    source = parse("let a = 1;")
    calls: list[ParsedSource] = []

    def compute(parsed: ParsedSource) -> int:
        calls.append(parsed)
        return 42

    assert source.fact("k", compute) == 42
    assert source.fact("k", compute) == 42
    assert calls == [source]
    assert parse("let a = 1;").fact("k", lambda _: 7) == 7  # not shared across sources


def _table(text: str) -> list[int]:
    """The byte offset of every character, plus the end."""
    widths = (len(ch.encode("utf-8", "surrogatepass")) for ch in text)
    return [0, *accumulate(widths)]


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab\n\u00e9\u00df\u0416\u4e2d\u20ac\U0001f600\ud800\u2028"))
)
def test_offsets_agree_with_a_per_character_table(text: str) -> None:
    source = parse(text)
    table = _table(text)
    for byte in range(len(source.data) + 1):
        assert source.char_offset(byte) == bisect_right(table, byte) - 1
    for char in range(len(text) + 1):
        assert source.byte_offset(char) == table[char]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("a\r\n\u2028\u2029\x0b\x0c\x1c\x85\u00e9 ")))
def test_positions_break_lines_where_eslint_does(text: str) -> None:
    source = parse(text)
    starts = [0, *(m.end() for m in re.finditer("\r\n|[\r\n\u2028\u2029]", text))]
    for offset in range(len(text) + 1):
        line = bisect_right(starts, offset)
        assert source.position(offset) == (line, offset - starts[line - 1] + 1)
