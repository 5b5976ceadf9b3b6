"""patterns._native_core: the Rust walks give exactly what the Python walks give.

The Python scope walk and node index define the results; the native ones are
compared with them on every code snippet of ESLint's rule tests, on generated
snippets and on broken input, in every source type.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patterns import PatternMatcher, parse
from patterns._native_core import (
    _SAMPLES,
    _index_with,
    _python_index,
    _ranges,
    _scopes_with,
    _self_check,
    describe_scopes,
    native,
    python_walks,
)
from patterns._node_index import INDEXED_KINDS, SHAPES
from patterns._scope_walk import build_scopes
from patterns.conformance import cases_dir, implemented_rules, load_cases
from patterns.parsing import Language, ParsedSource

MODULE = native()
needs_native = pytest.mark.skipif(MODULE is None, reason="the native core is not built here")
SOURCE_TYPES = ("module", "script", "commonjs")
DECIDED_NATIVELY = PatternMatcher(["no-var", "prefer-const"])
KINDS = sorted(INDEXED_KINDS)


def assert_same(source: ParsedSource) -> None:
    assert MODULE is not None
    for source_type in SOURCE_TYPES:
        ours = describe_scopes(_scopes_with(MODULE, source, source_type))
        assert ours == describe_scopes(build_scopes(source, source_type)), source_type
    for source_type in SOURCE_TYPES:  # rules that decide natively over the walk's records
        natively = DECIDED_NATIVELY.analyze_parsed(source, source_type=source_type)
        with python_walks():
            assert DECIDED_NATIVELY.analyze_parsed(source, source_type=source_type) == natively
    by_walk = _index_with(MODULE, source.tree, KINDS, SHAPES)
    expected = _python_index(source.tree, source.language, KINDS, SHAPES)
    assert _ranges(by_walk) == _ranges(expected)
    for nodes in by_walk.values():  # already in document order, outer first
        keys = [(n.start_byte, -n.end_byte) for n in nodes]
        assert keys == sorted(keys)


def test_built_wherever_a_rust_toolchain_is() -> None:
    if MODULE is None and shutil.which("cargo") and os.environ.get("FIXSTREAM_NATIVE") != "0":
        pytest.fail(
            "cargo is installed but patterns._native is not built or was refused: "
            "reinstall with `pip install -e .` and read its build log"
        )


@needs_native
@pytest.mark.parametrize(("language", "code"), _SAMPLES, ids=[s[0] for s in _SAMPLES])
def test_the_samples_agree(language: str, code: str) -> None:
    assert_same(parse(code, language))


def _all_case_snippets() -> list[tuple[str, str]]:
    directory = cases_dir()
    if directory is None:
        return []
    found = {}
    for rule in implemented_rules(directory):
        for case in load_cases(rule, directory):
            found[(case.language, case.code)] = None
            if case.output:
                found[(case.language, case.output)] = None
    return list(found)


@needs_native
def test_every_eslint_case_agrees() -> None:
    snippets = _all_case_snippets()
    if not snippets:
        pytest.skip("no ESLint cases here (../shared/eslint-cases or FIXSTREAM_ESLINT_CASES)")
    assert len(snippets) > 1000
    for language, code in snippets:
        assert_same(parse(code, language))


@needs_native
@pytest.mark.parametrize("language", ["javascript", "typescript", "tsx"])
def test_deep_nesting_and_broken_input_agree(language: str) -> None:
    deep = "f(" * 3000 + ")" * 3000 + ";" + "{" * 2000 + "let x = y;" + "}" * 2000
    assert_same(parse(deep, language))
    for broken in ("let = ;", "function (", "class { x = }", "for (let of) {", "a ? : b", "\x00"):
        assert_same(parse(broken, language))


_PIECES = st.sampled_from(
    [
        "let a = 1;",
        "var b = a;",
        "const { c, d: [e] } = b;",
        "a = c;",
        "b += 2;",
        "e++;",
        "function f(x, y = x) {",
        "}",
        "(z) => z;",
        "class K {",
        "m() { return this; }",
        "static { let s; }",
        "for (let i of a) {",
        "for (var j in b) {",
        "try {",
        "} catch (q) {",
        "with (a) {",
        "switch (a) { case 1:",
        "({ a, b } = c);",
        "[a, b] = [b, a];",
        "arguments;",
        "import x from 'y';",
        "export { a };",
        "label: a;",
        "(",
        ")",
        "{",
        "=",
        ",",
        "\n",
        "// c\n",
        "/* c */",
        "undefined = 1;",
        "new.target;",
        "`${a}`;",
        "a?.b.c;",
        "<A b={c} />;",
        "a = b + c;",
        "a = (b || c);",
        "!!a;",
        "a ? true : b;",
        "a ? (b) : false;",
    ]
)


@needs_native
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=25))
def test_generated_snippets_agree(pieces: list[str]) -> None:
    assert_same(parse(" ".join(pieces), "javascript"))


@needs_native
def test_the_layout_check_refuses_other_objects() -> None:
    assert MODULE is not None
    source = parse("let a = 1;", "javascript")
    with pytest.raises(TypeError):
        MODULE.build_scopes(source.root, source.root, source.data, "module", ())
    plan = MODULE.IndexPlan([], [])
    with pytest.raises(TypeError):
        plan.collect(source.tree, source.tree)
    other = parse("let b = 2;", "javascript")
    with pytest.raises(TypeError, match="does not belong"):
        plan.collect(source.tree, other.root)


@needs_native
def test_the_self_check_notices_a_walk_that_differs() -> None:
    assert MODULE is not None

    def flips_a_write(*args: object) -> tuple[object, ...]:
        result = MODULE.build_scopes(*args)
        last = result[3][-1]
        last.is_write = not last.is_write
        return tuple(result)

    assert _self_check(MODULE) == ""
    wrong = SimpleNamespace(build_scopes=flips_a_write, IndexPlan=MODULE.IndexPlan)
    assert "scopes" in _self_check(wrong)


def test_the_environment_switch_turns_it_off() -> None:
    code = "from patterns._native_core import native; print(native() is None)"
    env = {**os.environ, "FIXSTREAM_NATIVE": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


# Any text, with the characters the byte scans care about made common: wide ones
# of each UTF-8 length, lone surrogates, and every line break (ESLint's and not).
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("aé😀\u0800\ud800\udfff\r\n\u2028\u2029\x0b\x0c\x1c\x85 "),
    ),
    max_size=60,
)


@needs_native
@pytest.mark.parametrize("scan", ["wide_runs", "line_starts"])
@settings(max_examples=400, deadline=None)
@given(text=_TEXT)
def test_byte_scans_agree(scan: str, text: str) -> None:
    """Each native scan of the UTF-8 bytes gives what its Python twin in
    patterns.parsing (``_wide_runs``, ``_line_starts``) gives for the text."""
    import patterns.parsing

    assert MODULE is not None
    native = getattr(MODULE, scan)(text.encode("utf-8", "surrogatepass"))
    assert native == getattr(patterns.parsing, f"_{scan}")(text)


# Bytes where words and their neighbours are common: name bytes, `$`, non-ASCII.
_WORDY = st.lists(
    st.sampled_from(
        [b"var", b"let", b"va", b"r", b"$", b"_", b"x1", b" ", b"\n", b".", b"\xc3\xa9"]
    ),
    max_size=30,
).map(b"".join)


@needs_native
@settings(max_examples=400, deadline=None)
@given(data=_WORDY, word=st.sampled_from([b"var", b"let", b"r", b"vv"]), limit=st.integers(0, 4))
def test_word_scans_agree(data: bytes, word: bytes, limit: int) -> None:
    """The native word scan finds what the word pattern finds (patterns._bytes)."""
    from patterns import _bytes

    assert MODULE is not None
    assert MODULE.word_starts(data, word, limit) == _bytes._word_starts(data, word, limit)
    needles = (word, b"x1")
    assert MODULE.contains_any(data, needles) == _bytes._contains_any(data, needles)


@needs_native
def test_release_empties_the_native_model() -> None:
    from patterns.scope import analyze_scopes

    manager = analyze_scopes(parse("let a = 1; function f(b) { return a + b; }", "javascript"))
    variable = manager.program_scope.variables["a"]
    assert variable.references and manager._owned
    manager.release()
    assert not variable.references and not manager.scopes and not manager._owned


@needs_native
@pytest.mark.parametrize("language", ["javascript", "typescript", "tsx"])
def test_the_native_parser_makes_the_trees_py_tree_sitter_makes(language: Language) -> None:
    from patterns._native_core import _preorder
    from patterns.parsing import _native_parser, _parser

    native = _native_parser(language)
    assert native is not None and type(native).__name__ == "Parser"
    for code in (
        "var a = 1;\nlet\nb = 2; // a comment\nf(a, b)",
        "if (x) { y() } else z\n/re/g.test(`t${u}`)",
        "const t = (a: number): string => `${a}`; let (;",  # errors in JavaScript
        "",
    ):
        data = code.encode()
        ours = native.parse(data, 10.0)
        assert _preorder(ours) == _preorder(_parser(language).parse(data))
        assert ours.root_node.text == data  # the tree's source is the bytes
    # An incremental parse through the public API: the tree of the edited text.
    edited = parse("let a = 1;\nlet b = a;\n", language, old_tree=None)
    old = edited.tree
    old.edit(4, 5, 7, (0, 4), (0, 5), (0, 7))
    again = parse("let abc = 1;\nlet b = a;\n", language, old_tree=old)
    assert _preorder(again.tree) == _preorder(_parser(language).parse(again.data))


@needs_native
def test_the_native_parser_gives_up_in_time() -> None:
    from patterns.exceptions import ParseTimeout
    from patterns.parsing import _native_parser

    native = _native_parser("javascript")
    assert native is not None
    broken = ("(" * 4000 + "[{" * 4000).encode()
    for limit in (0.0, -1.0):
        with pytest.raises(ValueError):
            native.parse(broken, limit)
        with pytest.raises(ParseTimeout):
            parse(broken.decode(), "javascript", time_limit=limit)
    # The parser is reset after giving up: the next parse starts afresh.
    assert parse("a = 1", "javascript").tree.root_node.type == "program"
    for never in (float("inf"), 1e300, float("nan")):  # `monotonic() + limit` never passes
        assert native.parse(broken, never).root_node.has_error


@needs_native
def test_the_native_maker_makes_what_the_dataclass_makes() -> None:
    from dataclasses import dataclass

    from patterns._native_core import native_maker
    from patterns.types import AppliedFix, Problem, TextEdit

    make = native_maker(Problem)
    assert make is not None
    fields = ("eqeqeq", "Expected '==='.", 3, 5, 1, 4, 1, 6, 0.95, TextEdit(3, 5, "==="))
    made = make(*fields)
    assert type(made) is Problem and made == Problem(*fields)
    assert hash(made) == hash(Problem(*fields))
    with pytest.raises(AttributeError):  # still frozen
        made.start = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        make(*fields[:-1])
    make_applied = native_maker(AppliedFix)
    assert make_applied is not None
    assert make_applied("curly", 0, 1, 1.0, 0) == AppliedFix("curly", 0, 1, 1.0, 0)

    @dataclass
    class WithoutSlots:
        value: int

    assert native_maker(WithoutSlots) is None  # refused, so the caller uses the class


@needs_native
@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
def test_a_signal_stops_a_native_parse() -> None:
    # A Python progress callback lets a signal handler's exception (Ctrl-C's
    # KeyboardInterrupt) through; so must the native one, long before the parse's
    # own limit (30 s here). The parse holds the GIL: only a real signal gets in.
    import time

    class Alarm(Exception):
        pass

    def ring(_signum: int, _frame: object) -> None:
        raise Alarm

    runaway = "{/\n'';return[}break o);e "  # tree-sitter-typescript never finishes it
    previous = signal.signal(signal.SIGALRM, ring)
    began = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(Alarm):
            parse(runaway, "typescript", time_limit=30.0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - began < 5.0
    assert parse("let x: number = 1;", "typescript").tree.root_node.type == "program"
