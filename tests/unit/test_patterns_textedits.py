"""patterns.textedits: minimal LSP TextEdits, UTF-16 positions, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patterns import PatternMatcher, apply_lsp_edits, to_lsp_edits
from patterns.textedits import offset_to_position, position_to_offset


def edit(sl: int, sc: int, el: int, ec: int, text: str) -> dict[str, object]:
    return {
        "range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}},
        "newText": text,
    }


def test_no_change_no_edits() -> None:
    assert to_lsp_edits("abc\n", "abc\n") == []


def test_edits_are_narrowed_to_the_changed_words() -> None:
    old = "let a = 1;\nfoo(a);\nlet b = 2;\n"
    new = "const a = 1;\nfoo(a);\nconst b = 2;\n"
    # "let" -> "const" is one edit of the word, though both end in "t".
    assert to_lsp_edits(old, new) == [edit(0, 0, 0, 3, "const"), edit(2, 0, 2, 3, "const")]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("if (a == b) {}", "if (a === b) {}", edit(0, 8, 0, 8, "=")),  # no word touched
        ("x = foo;", "x = foo2;", edit(0, 4, 0, 7, "foo2")),
        ("x = foo2;", "x = foo;", edit(0, 4, 0, 8, "foo")),
        ("a.b_c = 1", "a.b_d = 1", edit(0, 2, 0, 5, "b_d")),
        ('o["key"]', "o.key", edit(0, 1, 0, 8, ".key")),
        ("var $x = 1", "let $x = 1", edit(0, 0, 0, 3, "let")),
        ("f(a,b)", "f(a, b)", edit(0, 4, 0, 4, " ")),
    ],
)
def test_edits_never_split_a_word(old: str, new: str, expected: dict) -> None:
    assert to_lsp_edits(old, new) == [expected]
    assert apply_lsp_edits(old, [expected]) == new


def test_inserted_and_deleted_lines() -> None:
    old = "a\nb\nc\n"
    assert to_lsp_edits(old, "a\nc\n") == [edit(1, 0, 2, 0, "")]
    assert to_lsp_edits(old, "a\nb\nx\nc\n") == [edit(2, 0, 2, 0, "x\n")]


def test_characters_are_utf16_code_units() -> None:
    old = "s = '😀'; x = 1;"
    new = "s = '😀'; y = 1;"
    # The emoji is one code point but two UTF-16 units.
    assert old.index("x") == 9
    assert to_lsp_edits(old, new) == [edit(0, 10, 0, 11, "y")]
    assert offset_to_position(old, 9) == {"line": 0, "character": 10}
    assert position_to_offset(old, {"line": 0, "character": 10}) == 9


def test_crlf_is_never_split() -> None:
    old = "a\r\nb"
    new = "a\nb"
    edits = to_lsp_edits(old, new)
    assert apply_lsp_edits(old, edits) == new
    for e in edits:
        for end in ("start", "end"):
            position = e["range"][end]
            offset = position_to_offset(old, position)
            assert not (0 < offset < len(old) and old[offset - 1] == "\r" and old[offset] == "\n")


def test_positions_past_the_end_of_a_line_clamp() -> None:
    assert position_to_offset("ab\ncd", {"line": 0, "character": 99}) == 2
    assert position_to_offset("ab\ncd", {"line": 7, "character": 0}) == 5


def test_fixer_output_round_trips() -> None:
    old = "let a = 1;\r\nif (a = = 2) { let b = '😀'; foo(b); }\n"
    new, _ = PatternMatcher().apply_fixes(old)
    assert new != old
    assert apply_lsp_edits(old, to_lsp_edits(old, new)) == new


_pieces = st.sampled_from(["a", "b", "let x = 1;", "\n", "\r\n", "\r", "é", "😀", " ", "\t", "="])
_texts = st.lists(_pieces, max_size=30).map("".join)


@settings(max_examples=300, deadline=None, database=None)
@given(old=_texts, new=_texts)
def test_applying_the_edits_gives_the_new_text(old: str, new: str) -> None:
    edits = to_lsp_edits(old, new)
    assert apply_lsp_edits(old, edits) == new
    # Edits are in order and do not overlap.
    offsets = [
        (position_to_offset(old, e["range"]["start"]), position_to_offset(old, e["range"]["end"]))
        for e in edits
    ]
    for (_, end), (start, _) in zip(offsets, offsets[1:], strict=False):
        assert end <= start


@settings(max_examples=100, deadline=None, database=None)
@given(old=st.text(max_size=40), new=st.text(max_size=40))
def test_round_trip_on_arbitrary_text(old: str, new: str) -> None:
    assert apply_lsp_edits(old, to_lsp_edits(old, new)) == new
