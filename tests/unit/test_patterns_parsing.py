"""patterns.parsing: languages, offsets, positions, error detection."""

from __future__ import annotations

import tracemalloc

import pytest

from patterns import (
    ParseTimeout,
    UnsupportedLanguage,
    error_count,
    has_syntax_errors,
    language_for_path,
    parse,
    parsing,
)
from patterns.parsing import iter_leaves, normalize_language, parse_time_limit


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a.js", "javascript"),
        ("dir/b.mjs", "javascript"),
        ("c.cjs", "javascript"),
        ("d.jsx", "javascript"),
        ("e.ts", "typescript"),
        ("f.mts", "typescript"),
        ("g.cts", "typescript"),
        ("h.tsx", "tsx"),
        ("UPPER.JS", "javascript"),
    ],
)
def test_language_for_path(path: str, language: str) -> None:
    assert language_for_path(path) == language


@pytest.mark.parametrize("path", ["a.py", "README", "x.json", "y.js.map"])
def test_language_for_path_rejects_other_files(path: str) -> None:
    with pytest.raises(UnsupportedLanguage):
        language_for_path(path)


def test_language_aliases() -> None:
    assert normalize_language("JS") == "javascript"
    assert normalize_language("jsx") == "javascript"
    assert normalize_language("ts") == "typescript"
    assert normalize_language("tsx") == "tsx"
    with pytest.raises(UnsupportedLanguage, match="python"):
        normalize_language("python")


def test_unsupported_language_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse("x", "cobol")


def test_ascii_offsets_are_identity() -> None:
    src = parse("let x = 1;")
    assert src.char_offset(4) == 4
    assert src.byte_offset(4) == 4


def test_multibyte_offsets_round_trip() -> None:
    text = "const s = 'é😀'; let x = 1;"
    src = parse(text)
    assert len(src.data) > len(text)
    for index in range(len(text) + 1):
        assert src.char_offset(src.byte_offset(index)) == index
    x = text.index("x")
    node = src.root.descendant_for_byte_range(src.byte_offset(x), src.byte_offset(x) + 1)
    assert node is not None and node.type == "identifier"
    assert src.char_offset(node.start_byte) == x
    assert src.node_text(node) == "x"


def test_positions_follow_eslint_line_breaks() -> None:
    src = parse("a;\r\nb;\rc;\u2028d;\ne;")
    assert src.position(0) == (1, 1)
    assert src.position(4) == (2, 1)  # after \r\n
    assert src.position(7) == (3, 1)  # after \r
    assert src.position(10) == (4, 1)  # after U+2028
    assert src.position(14) == (5, 2)


def test_lone_surrogates_do_not_break_parsing() -> None:
    src = parse("let s = '\ud800';")
    assert src.text == "let s = '\ud800';"
    assert src.char_offset(len(src.data)) == len(src.text)


def test_syntax_errors() -> None:
    assert not has_syntax_errors(parse("let x = 1;"))
    assert error_count(parse("let x = 1;")) == 0
    broken = parse("a = = b;")
    assert has_syntax_errors(broken)
    assert has_syntax_errors(broken.tree)
    assert error_count(broken) >= 1


def test_jsx_parses_with_the_javascript_grammar() -> None:
    assert not has_syntax_errors(parse("const el = <div className='a'>{x}</div>;", "javascript"))


def test_typescript_and_tsx() -> None:
    ts = "let x: number = 1; function f<T>(a: T): T { return a as T; }"
    assert not has_syntax_errors(parse(ts, "typescript"))
    tsx = "const el = <Foo<number> value={1} />; let y: string = 'a';"
    assert not has_syntax_errors(parse(tsx, "tsx"))
    # An angle-bracket type assertion is TypeScript, not TSX.
    assert not has_syntax_errors(parse("let z = <any>w;", "typescript"))


def test_iter_leaves_handles_deep_nesting_and_opaque_nodes() -> None:
    src = parse("x = " + "[" * 3000 + "]" * 3000 + "; s = 'a = b';")
    leaves = list(iter_leaves(src.root, {"string"}))
    assert leaves[0].type == "identifier"
    assert any(leaf.type == "string" for leaf in leaves)
    assert not any(leaf.type == "string_fragment" for leaf in leaves)


# tree-sitter-typescript's error recovery runs away on this input (minutes, GBs).
RUNAWAY_TYPESCRIPT = "{/\n'';return[}break o);e "


@pytest.fixture(params=["native", "python"])
def parser_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each parse test with the native parser (where built) and with py-tree-sitter's."""
    if request.param == "python":
        monkeypatch.setattr(parsing, "_native_parser", lambda _language: None)
    elif parsing._native_parser("javascript") is None:
        pytest.skip("the native core is not built here")
    return str(request.param)


def test_runaway_parses_are_cut_off(parser_kind: str) -> None:
    with pytest.raises(ParseTimeout):
        parse(RUNAWAY_TYPESCRIPT, "typescript", time_limit=0.2)
    # The parser is reset, so the next parse in this thread is a fresh one.
    assert not has_syntax_errors(parse("let x: number = 1;", "typescript"))
    assert has_syntax_errors(parse(RUNAWAY_TYPESCRIPT, "javascript"))
    assert parse_time_limit(0) >= 1.0
    assert parse_time_limit(1_000_000) > parse_time_limit(1_000)


def test_parsing_keeps_no_reference_to_its_source(parser_kind: str) -> None:
    # py-tree-sitter 0.26.1 keeps a reference to every chunk a read callable returns;
    # unless that is undone, each parse keeps its source's bytes alive for good.
    code = "let value = compute(1, 'two', `three`);\n" * 2000  # 80 kB, past one 64 kB chunk
    parse(code)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(25):
            parse(code)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < len(code)  # leaking, 25 parses would keep 25 copies (2 MB)


def test_let_before_a_line_break_reads_as_a_declaration() -> None:
    # tree-sitter alone reads `let` as an expression statement and `x = 1` as an
    # assignment; ESLint reads one declaration, and so does every rule here.
    text = "let // why\n  x = 1;\nfoo(x);"
    src = parse(text)
    declaration = src.root.named_children[0]
    assert declaration.type == "lexical_declaration"
    assert src.node_text(declaration) == "let // why\n  x = 1;"  # the real text
    assert src.text == text and src.data == text.encode()
    assert not src.has_errors


@pytest.mark.parametrize(
    "text",
    [
        "let\n+ 1",  # not followed by a binding
        "a.let\nx = 1",  # a property, not the keyword
        "if (a) let\nx = 1",  # only a statement list may hold a declaration
        "let x = 1;",  # no gap at all
    ],
)
def test_let_that_is_no_declaration_keeps_the_tree(text: str) -> None:
    from patterns._let_repair import misread_let_gaps

    src = parse(text)
    assert misread_let_gaps(src.data, src.tree) == []


def test_let_gap_is_found_between_keyword_and_binding() -> None:
    from patterns._let_repair import misread_let_gaps
    from patterns.parsing import _parser

    data = b"let\n  {a} = b; let\nc"
    tree = _parser("javascript").parse(data)
    assert misread_let_gaps(data, tree) == [(3, 6), (18, 19)]


def test_wide_character_offsets_are_built_per_run_on_demand() -> None:
    text = "a = 'é'; b = '😀x😀'; c = 'ü😀';"
    src = parse(text)
    for index in range(len(text) + 1):  # every run, the 2-byte and the mixed ones
        assert src.char_offset(src.byte_offset(index)) == index
    emoji = text.index("😀")
    assert src.char_offset(src.byte_offset(emoji) + 2) == emoji  # inside a character
