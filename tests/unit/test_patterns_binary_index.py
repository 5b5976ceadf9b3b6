"""The shared index of binary expressions by operator (patterns.rules._binary_index)."""

from __future__ import annotations

from patterns import parse
from patterns.rules._binary_index import binary_expressions


def _texts(code: str, operators: set[str], language: str = "javascript") -> list[str]:
    source = parse(code, language)
    return [source.node_text(node) for node in binary_expressions(source, operators)]


def test_selects_the_operators_asked_for_in_document_order() -> None:
    code = "a == b + c; x = (d != e) && f === g; h in k;"
    assert _texts(code, {"==", "!=", "==="}) == ["a == b + c", "d != e", "f === g"]
    assert _texts(code, {"+"}) == ["b + c"]
    assert _texts(code, {"in"}) == ["h in k"]
    assert _texts(code, {"**"}) == []


def test_outer_expressions_come_before_inner_ones() -> None:
    assert _texts("a + b + c", {"+"}) == ["a + b + c", "a + b"]


def test_one_index_per_source_serves_every_selection() -> None:
    source = parse("a || b && c", "typescript")
    first = binary_expressions(source, {"||", "&&"})
    assert binary_expressions(source, ["&&", "||"]) is first
    assert [source.node_text(n) for n in first] == ["a || b && c", "b && c"]
