"""tree-sitter parsing and offset bookkeeping.

tree-sitter works on UTF-8 bytes; everything public in this package speaks in
character offsets of the Python ``str``. :class:`ParsedSource` holds both and
converts between byte offsets, character offsets and ESLint-style positions.
"""

from __future__ import annotations

import re
import threading
import time
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from pathlib import PurePath
from typing import Final, Literal

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

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

Language = Literal["javascript", "typescript", "tsx"]

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
        with _GRAMMARS_LOCK:
            grammar = _GRAMMARS.get(language)
            if grammar is None:
                grammar = _GRAMMARS[language] = _load(language)
        parser = cache[language] = tree_sitter.Parser(grammar)
    return parser


class ParsedSource:
    """A source text, its UTF-8 bytes and its syntax tree.

    Offsets: ``byte`` offsets index ``data`` (what tree-sitter nodes report);
    ``char`` offsets index ``text`` (what the public API reports). Lone
    surrogates are encoded with ``surrogatepass`` so that any ``str`` parses.
    """

    __slots__ = ("_byte_starts", "_line_starts", "data", "language", "text", "tree")

    def __init__(self, text: str, language: Language, data: bytes, tree: tree_sitter.Tree):
        self.text = text
        self.language: Language = language
        self.data = data
        self.tree = tree
        # byte offset of every character, plus the end; None when all ASCII.
        self._byte_starts: list[int] | None = None
        if len(data) != len(text):
            widths = (_utf8_width(ch) for ch in text)
            self._byte_starts = [0, *accumulate(widths)]
        self._line_starts: list[int] | None = None

    @property
    def root(self) -> tree_sitter.Node:
        return self.tree.root_node

    @property
    def has_errors(self) -> bool:
        return self.tree.root_node.has_error

    def char_offset(self, byte_offset: int) -> int:
        """The character offset of a byte offset (inside a character: that character)."""
        starts = self._byte_starts
        if starts is None:
            return byte_offset
        return bisect_right(starts, byte_offset) - 1

    def byte_offset(self, char_offset: int) -> int:
        """The byte offset where character ``char_offset`` starts (or the end)."""
        starts = self._byte_starts
        if starts is None:
            return char_offset
        return starts[char_offset]

    def node_text(self, node: tree_sitter.Node) -> str:
        """The source text of a node."""
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")

    def byte_text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", "surrogatepass")

    def position(self, char_offset: int) -> tuple[int, int]:
        """ESLint-style (line, column) of a character offset, both 1-based."""
        starts = self._line_starts
        if starts is None:
            starts = [0]
            starts.extend(m.end() for m in _LINE_BREAK.finditer(self.text))
            self._line_starts = starts
        line = bisect_right(starts, char_offset) - 1
        return line + 1, char_offset - starts[line] + 1


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
    """
    lang = normalize_language(language)
    data = code.encode("utf-8", "surrogatepass")
    limit = parse_time_limit(len(data)) if time_limit is None else time_limit
    deadline = time.monotonic() + limit
    parser = _parser(lang)

    def read(offset: int, _point: tree_sitter.Point) -> bytes:
        return data[offset : offset + _CHUNK]

    def give_up(_offset: int, _has_error: bool) -> bool:
        return time.monotonic() > deadline

    try:
        if old_tree is None:  # tree-sitter takes no None for old_tree
            tree = parser.parse(read, progress_callback=give_up)
        else:
            tree = parser.parse(read, old_tree=old_tree, progress_callback=give_up)
    except ValueError:
        parser.reset()  # a cancelled parser would otherwise resume this parse
        raise ParseTimeout(
            f"tree-sitter could not parse this {lang} source within {limit:.1f}s; "
            "it is probably badly broken"
        ) from None
    if tree is None:
        raise ParseFailure(f"tree-sitter returned no tree for a {lang} source")
    return ParsedSource(code, lang, data, tree)


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
