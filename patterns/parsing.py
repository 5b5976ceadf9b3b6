"""tree-sitter parsing and offset bookkeeping.

tree-sitter works on UTF-8 bytes; everything public in this package speaks in
character offsets of the Python ``str``. :class:`ParsedSource` holds both and
converts between byte offsets, character offsets and ESLint-style positions.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import re
import sys
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from itertools import accumulate
from pathlib import PurePath
from typing import Any, Final, Literal, TypeVar

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from ._let_repair import repair_let_gaps
from ._native_core import WideRuns, native_line_starts, native_parser, native_wide_runs
from ._node_index import NodeIndex, Shape
from .exceptions import ParseFailure, ParseTimeout, UnsupportedLanguage

__all__ = [
    "LANGUAGES",
    "Language",
    "ParsedSource",
    "error_count",
    "has_syntax_errors",
    "iter_leaves",
    "language_for_path",
    "normalize_language",
    "parse",
    "parse_time_limit",
]

log = logging.getLogger(__name__)

Language = Literal["javascript", "typescript", "tsx"]

_T = TypeVar("_T")

LANGUAGES: Final[tuple[Language, ...]] = ("javascript", "typescript", "tsx")

_EXTENSIONS: Final[dict[str, Language]] = {
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
}

_ALIASES: Final[dict[str, Language]] = {
    "javascript": "javascript",
    "js": "javascript",
    "jsx": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "ts": "typescript",
    "tsx": "tsx",
    "typescriptreact": "tsx",
}

# ESLint's line terminators (and the ones ECMAScript defines).
_LINE_BREAK: Final = re.compile("\r\n|[\r\n\u2028\u2029]")


def language_for_path(path: str | PurePath) -> Language:
    """The grammar for a file name, from its extension (JSX uses javascript).

    Raises :class:`UnsupportedLanguage` for any other extension.
    """
    suffix = PurePath(path).suffix.lower()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        raise UnsupportedLanguage(str(path), tuple(sorted(_EXTENSIONS))) from None


def normalize_language(language: str) -> Language:
    """Map a language name or common alias (``js``, ``ts``, ``jsx``...) to a grammar."""
    try:
        return _ALIASES[language.lower()]
    except (KeyError, AttributeError):
        raise UnsupportedLanguage(str(language), LANGUAGES) from None


def _load(language: Language) -> tree_sitter.Language:
    if language == "javascript":
        return tree_sitter.Language(tree_sitter_javascript.language())
    if language == "typescript":
        return tree_sitter.Language(tree_sitter_typescript.language_typescript())
    return tree_sitter.Language(tree_sitter_typescript.language_tsx())


_GRAMMARS: dict[Language, tree_sitter.Language] = {}
_GRAMMARS_LOCK = threading.Lock()
_PARSERS = threading.local()  # tree-sitter parsers are not safe to share across threads


def _parser(language: Language) -> tree_sitter.Parser:
    cache: dict[Language, tree_sitter.Parser] | None = getattr(_PARSERS, "cache", None)
    if cache is None:
        cache = {}
        _PARSERS.cache = cache
    parser = cache.get(language)
    if parser is None:
        parser = cache[language] = tree_sitter.Parser(_grammar(language))
    return parser


def _grammar(language: Language) -> tree_sitter.Language:
    with _GRAMMARS_LOCK:
        grammar = _GRAMMARS.get(language)
        if grammar is None:
            grammar = _GRAMMARS[language] = _load(language)
    return grammar


class ParsedSource:
    """A source text, its UTF-8 bytes and its syntax tree.

    Offsets: ``byte`` offsets index ``data`` (what tree-sitter nodes report);
    ``char`` offsets index ``text`` (what the public API reports). Lone
    surrogates are encoded with ``surrogatepass`` so that any ``str`` parses.
    """

    __slots__ = (
        "_facts",
        "_index",
        "_line_starts",
        "_wide",
        "data",
        "has_errors",
        "language",
        "text",
        "tree",
    )

    def __init__(self, text: str, language: Language, data: bytes, tree: tree_sitter.Tree):
        self.text = text
        self.language: Language = language
        self.data = data
        self.tree = tree
        # Whether the tree holds an ERROR or MISSING node (rules ask it often).
        self.has_errors: bool = tree.root_node.has_error
        # Where characters wider than one byte sit; None when all ASCII, else
        # built on first use (see _WideCharacters).
        self._wide: _WideCharacters | None = None
        self._line_starts: list[int] | None = None
        self._facts: dict[str, object] | None = None
        self._index: NodeIndex | None = None  # built on the first nodes_of

    @property
    def root(self) -> tree_sitter.Node:
        return self.tree.root_node

    def _wide_characters(self) -> _WideCharacters:
        wide = self._wide
        if wide is None:
            wide = self._wide = _WideCharacters(self.text, self.data)
        return wide

    def char_offset(self, byte_offset: int) -> int:
        """The character offset of a byte offset (inside a character: that character)."""
        if len(self.data) == len(self.text):
            return byte_offset
        return self._wide_characters().char_offset(byte_offset, len(self.text))

    def char_span(self, start_byte: int, end_byte: int) -> tuple[int, int]:
        """The character offsets of a byte range (both ends as :meth:`char_offset`)."""
        if len(self.data) == len(self.text):  # all ASCII: bytes are characters
            return start_byte, end_byte
        wide = self._wide_characters()
        length = len(self.text)
        return wide.char_offset(start_byte, length), wide.char_offset(end_byte, length)

    def byte_offset(self, char_offset: int) -> int:
        """The byte offset where character ``char_offset`` starts (or the end)."""
        if len(self.data) == len(self.text):
            return char_offset
        return self._wide_characters().byte_offset(char_offset, len(self.text))

    def fact(self, key: str, compute: Callable[[ParsedSource], _T]) -> _T:
        """A fact derived from this text and tree alone (its directive comments, a
        node index...), computed on first use and kept with the source."""
        facts = self._facts
        if facts is None:
            facts = self._facts = {}
        try:
            return facts[key]  # type: ignore[return-value]
        except KeyError:
            value = facts[key] = compute(self)
            return value

    def nodes_of(self, *kinds: str) -> list[tree_sitter.Node]:
        """Every node of the given kinds, in document order (outer before inner).

        One tree-sitter query per source collects the kinds rules commonly ask
        for (see :mod:`patterns._node_index`); a new list each call.
        """
        return (self._index or self._build_index()).nodes_of(kinds)

    def nodes_shaped(self, shape: Shape) -> list[tree_sitter.Node]:
        """Every node of ``shape`` (see :class:`patterns._node_index.Shape`), in
        document order; a new list each call."""
        return (self._index or self._build_index()).shaped(shape)

    def _build_index(self) -> NodeIndex:
        index = self._index = NodeIndex(self.tree, self.language)
        return index

    def node_text(self, node: tree_sitter.Node) -> str:
        """The source text of a node."""
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")

    def byte_text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", "surrogatepass")

    def position(self, char_offset: int) -> tuple[int, int]:
        """ESLint-style (line, column) of a character offset, both 1-based."""
        starts = self._line_starts
        if starts is None:
            found = native_line_starts(self.data)
            starts = self._line_starts = _line_starts(self.text) if found is None else found
        line = bisect_right(starts, char_offset) - 1
        return line + 1, char_offset - starts[line] + 1


# Where str.splitlines breaks lines and ESLint does not.
_OTHER_LINE_ENDS: Final = re.compile("[\x0b\x0c\x1c-\x1e\x85]")


def _line_starts(text: str) -> list[int]:
    """The character offset where each line starts (ESLint's line breaks)."""
    if _OTHER_LINE_ENDS.search(text) is not None:
        return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
    # Without those, splitlines breaks exactly where ESLint does, and at C speed.
    ends = list(accumulate(map(len, text.splitlines(keepends=True))))
    if ends and text[-1] not in "\r\n\u2028\u2029":
        ends.pop()  # the last line ends the text, not with a break
    return [0, *ends]


_NON_ASCII: Final = re.compile("[^\x00-\x7f]+")


def _wide_runs(text: str) -> WideRuns:
    """What the native core's ``wide_runs`` gives, from the text (one regex scan)."""
    char_starts: list[int] = []
    lengths: list[int] = []
    byte_starts: list[int] = []
    byte_ends: list[int] = []
    shifts = [0]
    two_byte: list[bool] = []
    shift = 0
    for match in _NON_ASCII.finditer(text):
        run = match.group()
        start = match.start()
        size = len(run.encode("utf-8", "surrogatepass"))
        char_starts.append(start)
        lengths.append(len(run))
        byte_starts.append(start + shift)
        two_byte.append(size == 2 * len(run))
        shift += size - len(run)
        byte_ends.append(start + shift + len(run))
        shifts.append(shift)
    return char_starts, lengths, byte_starts, byte_ends, shifts, two_byte


class _WideCharacters:
    """Offset conversion for a text with characters wider than one UTF-8 byte.

    Only the runs of non-ASCII characters are recorded (one regex scan), so
    building this costs little for mostly-ASCII code, and a conversion is one
    bisection over the runs.
    """

    __slots__ = (
        "byte_ends",
        "byte_starts",
        "char_starts",
        "lengths",
        "runs",
        "shifts",
        "text",
        "two_byte",
    )

    def __init__(self, text: str, data: bytes) -> None:
        self.text = text
        found = native_wide_runs(data)
        if found is None:
            found = _wide_runs(text)
        # Per run: the character offset where it starts, its length in characters,
        # the byte offset where it starts and just after it, whether every one of
        # its characters takes two bytes (Latin, Greek, Cyrillic...); and the
        # extra bytes before run i (i = 0..n), cumulative.
        (
            self.char_starts,
            self.lengths,
            self.byte_starts,
            self.byte_ends,
            self.shifts,
            self.two_byte,
        ) = found
        # Per run: the byte offset of each character within the run, built on the
        # first conversion that lands inside it (see _widths).
        self.runs: list[list[int] | None] = [None] * len(self.lengths)

    def _widths(self, index: int) -> list[int] | None:
        """The byte offsets of run ``index``'s characters (None: two bytes each)."""
        if self.two_byte[index]:
            return None
        widths = self.runs[index]
        if widths is None:
            start = self.char_starts[index]
            run = self.text[start : start + self.lengths[index]]
            widths = list(accumulate((_utf8_width(ch) for ch in run[:-1]), initial=0))
            self.runs[index] = widths
        return widths

    def char_offset(self, byte_offset: int, length: int) -> int:
        if byte_offset < 0:
            return -1
        index = bisect_right(self.byte_starts, byte_offset) - 1
        if index >= 0 and byte_offset < self.byte_ends[index]:
            inside = byte_offset - self.byte_starts[index]
            widths = self._widths(index)
            step = inside // 2 if widths is None else bisect_right(widths, inside) - 1
            return self.char_starts[index] + step
        return min(byte_offset - self.shifts[index + 1], length)

    def byte_offset(self, char_offset: int, length: int) -> int:
        if char_offset < 0:  # as indexing a list of every character's byte offset did
            char_offset += length + 1
        if not 0 <= char_offset <= length:
            raise IndexError("character offset out of range")
        index = bisect_right(self.char_starts, char_offset) - 1
        if index >= 0:
            inside = char_offset - self.char_starts[index]
            if inside < self.lengths[index]:
                widths = self._widths(index)
                return self.byte_starts[index] + (2 * inside if widths is None else widths[inside])
        return char_offset + self.shifts[index + 1]


def _utf8_width(ch: str) -> int:
    code = ord(ch)
    if code < 0x80:
        return 1
    if code < 0x800:
        return 2
    if code < 0x10000:
        return 3
    return 4


def parse_time_limit(size: int) -> float:
    """The default parse budget in seconds for ``size`` bytes.

    About ten times what a healthy parse needs; tree-sitter's error recovery can
    otherwise run away on some broken inputs (minutes, gigabytes).
    """
    return PARSE_TIME_BASE + PARSE_TIME_PER_BYTE * size


PARSE_TIME_BASE: Final = 1.0
PARSE_TIME_PER_BYTE: Final = 2e-5
_CHUNK: Final = 1 << 16


def parse(
    code: str,
    language: str = "javascript",
    *,
    time_limit: float | None = None,
    old_tree: tree_sitter.Tree | None = None,
) -> ParsedSource:
    """Parse ``code`` with the grammar for ``language`` (a name or alias).

    ``time_limit`` caps the parse in seconds (default: :func:`parse_time_limit`);
    raises :class:`~patterns.exceptions.ParseTimeout` when it runs out.
    ``old_tree``: the tree of the previous text, already ``edit``-ed to match
    ``code``, for an incremental parse (see :mod:`patterns.incremental`).
    A ``let`` declaration that tree-sitter misreads because of a line break after
    ``let`` is read as ESLint reads it (see :mod:`patterns._let_repair`).
    """
    lang = normalize_language(language)
    data = code.encode("utf-8", "surrogatepass")
    limit = parse_time_limit(len(data)) if time_limit is None else time_limit
    run = _runner(lang, limit)
    try:
        tree = run(data, old_tree)
        tree = repair_let_gaps(data, tree, run)
    except ValueError:
        raise ParseTimeout(
            f"tree-sitter could not parse this {lang} source within {limit:.1f}s; "
            "it is probably badly broken"
        ) from None
    except _NoTree:
        raise ParseFailure(f"tree-sitter returned no tree for a {lang} source") from None
    return ParsedSource(code, lang, data, tree)


class _NoTree(Exception):
    """tree-sitter returned no tree."""


def _runner(language: Language, seconds: float) -> Callable[..., tree_sitter.Tree]:
    """``run(data, old_tree=None) -> Tree``: parses with ``language`` until
    ``seconds`` from now have passed, for every parse it makes (a source and its
    let repair share the budget); raises ValueError once they have."""
    native = _native_parser(language)
    if native is not None:
        until = time.monotonic() + seconds

        def run_native(data: bytes, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
            tree: tree_sitter.Tree = native.parse(data, until - time.monotonic(), old_tree)
            return tree

        return run_native
    parser = _parser(language)
    give_up = _deadline(seconds)

    def run(data: bytes, old_tree: tree_sitter.Tree | None = None) -> tree_sitter.Tree:
        try:
            return _run_parser(parser, data, give_up, old_tree)
        except ValueError:
            parser.reset()  # a cancelled parser would otherwise resume this parse
            raise

    return run


def _native_parser(language: Language) -> Any | None:
    """This thread's native parser for ``language`` (see
    :func:`patterns._native_core.native_parser`), or None without one."""
    cache: dict[Language, Any] | None = getattr(_PARSERS, "native", None)
    if cache is None:
        cache = _PARSERS.native = {}
    try:
        return cache[language]
    except KeyError:
        made = cache[language] = native_parser(_parser(language))
        return made


def _deadline(seconds: float) -> Callable[[int, bool], bool]:
    """A progress callback for tree-sitter that asks it to stop once ``seconds``
    have passed."""
    deadline = time.monotonic() + seconds

    def give_up(_offset: int, _has_error: bool) -> bool:
        return time.monotonic() > deadline

    return give_up


def _run_parser(
    parser: tree_sitter.Parser,
    data: bytes,
    give_up: Callable[[int, bool], bool],
    old_tree: tree_sitter.Tree | None = None,
) -> tree_sitter.Tree:
    """One py-tree-sitter parse of ``data``; raises ValueError when ``give_up`` (a
    progress callback, see :func:`_deadline`) stops it, :class:`_NoTree` when no
    tree comes back.

    py-tree-sitter honours the callback only when it reads through a callable, and
    its 0.26.1 read wrapper keeps a reference to each chunk the callable returns;
    those are given back here (see :func:`_references_kept_per_chunk`), or every
    parse would keep its source bytes alive for good.
    """
    returned: list[bytes] = []

    def read(offset: int, _point: tree_sitter.Point) -> bytes:
        chunk = data[offset : offset + _CHUNK]
        returned.append(chunk)
        return chunk

    try:
        if old_tree is None:  # tree-sitter takes no None for old_tree
            tree = parser.parse(read, progress_callback=give_up)
        else:
            tree = parser.parse(read, old_tree=old_tree, progress_callback=give_up)
    finally:
        kept = _references_kept_per_chunk()
        for chunk in returned:  # the list's own reference keeps each alive meanwhile
            for _ in range(kept):
                _PY_DECREF(chunk)
        returned.clear()
    if tree is None:
        raise _NoTree
    return tree


_PY_DECREF: Final = ctypes.pythonapi.Py_DecRef
_PY_DECREF.argtypes = (ctypes.py_object,)
_PY_DECREF.restype = None


@functools.cache
def _references_kept_per_chunk() -> int:
    """How many references py-tree-sitter's ``Parser.parse`` keeps to each chunk a
    read callable returns: measured once on a probe, so that a release without the
    leak is not given back references it never took."""
    parser = tree_sitter.Parser(_grammar("javascript"))
    chunk = bytes(bytearray(b"x;"))  # a new object, referenced only here
    before = sys.getrefcount(chunk)

    def read(offset: int, _point: tree_sitter.Point) -> bytes:
        return chunk if offset == 0 else b""

    tree = parser.parse(read, progress_callback=lambda _offset, _has_error: False)
    del tree, read  # the tree holds the callable, which holds the chunk's cell
    kept = sys.getrefcount(chunk) - before
    if kept not in (0, 1):
        log.warning("py-tree-sitter kept %d references to a parse's chunk; not given back", kept)
        return 0
    return kept


def has_syntax_errors(tree: tree_sitter.Tree | ParsedSource) -> bool:
    """Whether the tree holds any ERROR or MISSING node."""
    if isinstance(tree, ParsedSource):
        tree = tree.tree
    return tree.root_node.has_error


def error_count(tree: tree_sitter.Tree | ParsedSource) -> int:
    """How many ERROR and MISSING nodes the tree holds (0 for a clean parse).

    Only subtrees that contain errors are visited, so this is cheap on clean code.
    """
    if isinstance(tree, ParsedSource):
        tree = tree.tree
    root = tree.root_node
    if not root.has_error:
        return 0
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        stack.extend(child for child in node.children if child.has_error)
    return count


def iter_leaves(
    node: tree_sitter.Node, opaque: frozenset[str] | set[str] = frozenset()
) -> Iterator[tree_sitter.Node]:
    """Leaf nodes under ``node`` in document order.

    A node whose type is in ``opaque`` is yielded whole instead of descended
    into (strings, comments...). Iterative, so any nesting depth is fine.
    """
    cursor = node.walk()
    while True:
        current = cursor.node
        assert current is not None
        if current.child_count == 0 or current.type in opaque:
            yield current
        elif cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
