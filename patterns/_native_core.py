"""The native core: the scope walk and the node index in Rust, when it is built.

``patterns/native`` (a Rust crate, built by ``pip install`` when a Rust toolchain
is present) walks py-tree-sitter's trees directly. The pure-Python walks in
:mod:`patterns._scope_walk` and :mod:`patterns._node_index` define the results;
the native ones must give the very same objects in the same order, which
:func:`describe_scopes` makes comparable. The module is trusted only when it
imports, was built for the installed py-tree-sitter's object layout, and agrees
with the Python walks on :data:`_SAMPLES` (checked once, on first use).
Otherwise, or with ``FIXSTREAM_NATIVE=0`` in the environment, everything runs
in Python, with the same results: the walks about three times slower, a whole
fix run 1.25-1.45x (the parity bench prints both). The kind sets the walk
acts on come from :func:`patterns._scope_walk.action_codes`, so they live in
Python only.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, TypeVar

import tree_sitter
from tree_sitter import Language, Node, Tree

from ._scope_model import (
    Declaration,
    Declarator,
    Definition,
    Reference,
    Scope,
    ScopeManager,
    SourceType,
    Variable,
)

if TYPE_CHECKING:
    from ._node_index import Shape
    from .parsing import ParsedSource

__all__ = [
    "describe_scopes",
    "kind_sets",
    "native",
    "native_index",
    "native_line_starts",
    "native_maker",
    "native_parser",
    "native_scopes",
    "native_text_scans",
    "native_wide_runs",
    "python_walks",
]

log = logging.getLogger(__name__)

_CLASSES: Final = (Scope, Variable, Definition, Reference, Declaration, Declarator)

# Snippets that go through every branch of the scope walk (JavaScript, then TypeScript).
_SAMPLES: Final = (
    (
        "javascript",
        """#!/usr/bin/env node
import d, { a as b, c } from "m"; import * as ns from "n";
export { b, c as e }; export * from "x"; export default function () {}
var v = 1, w; let [x, { y = v, z: [q, ...r] }] = [v]; const { [w]: k } = {};
for (let i = 0; i < 2; i++) { v += i; } for (const p in o) {} for (var j of x) { j++; }
for (p of x); ({ a: m.n, b: [o.p] } = x); (v) = 2; [v, w] = [w, v];
function f(a, b = a, { c } = {}, ...rest) { return arguments, this, a + b + c; }
const g = function h() { h(); }, i2 = async (u) => u * 2, gen = function* () { yield; };
class C extends (v ? Object : null) { #p = 1; q = () => this.#p; static { let s = 1; s++; }
  [v] = 2; m() { return super.m(); } get k() { return C; } static n(a) {} }
try { throw v; } catch ({ message }) { message; } finally {}
switch (v) { case 1: let s = 2; break; default: s; }
label: while (v) { break label; } do { v--; } while (v > 0);
with (o) { z; } if (v) v = 1; else { function inner() {} }
new.target; x?.y[z]; `t${v}`; /re/g.test(x); <A.B c={d} {...e}><f.g />{h}</A.B>;
var undefined; undefined = 1; ({ v, w: w, [x]: y, "s": t } = u); delete o.p; typeof q;
a = b = c; a ||= b; a ??= c; x = { get g() { return 1; }, set s(v) {}, m() {}, v, ...w };
let bad = (; function (a, { b }) {} var 1x = ; q(v,
""",
    ),
    (
        "typescript",
        """import type { T } from "t"; import x = require("y");
enum E { A = 1, B = A } namespace N { export const n = 1; } module M { let m; }
declare function f(a: number): void; function f(a: number, b?: string): void {}
abstract class A<T> implements I { private x: T; constructor(public p: number, q = 1) {}
  abstract m(): void; static s?: string = "s"; }
let v = x as unknown as number; let w = <number>v; let z = v!; let s = v satisfies number;
(v as number) = 2; v! = 3; (<any>w) = 4; type U = typeof v; interface I { k: string; }
const g = <T,>(a: T): T => a; let o: { [k: string]: number } = {};
function h(this: Window, ...r: number[]) { return r; } @dec class D { @prop p = 1; }
""",
    ),
)

_D = TypeVar("_D")

_state: dict[str, ModuleType | None] = {}
_state_lock = threading.Lock()


def native() -> ModuleType | None:
    """The native module when it can be trusted, else None (decided once)."""
    try:
        return _state["module"]
    except KeyError:
        pass
    with _state_lock:
        if "module" not in _state:
            _state["module"] = _load()
        return _state["module"]


@contextmanager
def python_walks() -> Iterator[None]:
    """Run the Python walks in this process for the duration of the block (to time
    or test both side by side), whether or not the native core is in use."""
    module = native()
    with _state_lock:
        _state["module"] = None
    try:
        yield
    finally:
        with _state_lock:
            _state["module"] = module


def _switched_off() -> bool:
    return os.environ.get("FIXSTREAM_NATIVE", "1").strip().lower() in ("0", "false", "no", "off")


def _load() -> ModuleType | None:
    if _switched_off():
        log.info("native core off (FIXSTREAM_NATIVE=0): the engine runs in Python")
        return None
    try:
        from . import _native  # type: ignore[attr-defined]
    except ImportError as error:
        log.info("native core not built (%s): the engine runs in Python", error)
        return None
    try:
        problem = _self_check(_native)
    except Exception as error:  # a layout the module refuses, or a crash in it
        problem = f"{type(error).__name__}: {error}"
    if problem:
        log.warning("native core disagrees with the Python walks (%s); not used", problem)
        return None
    return _native


def _self_check(module: ModuleType) -> str:
    """'' when the module's walks give exactly the Python ones on the samples."""
    from ._node_index import INDEXED_KINDS, SHAPES
    from ._scope_walk import build_scopes
    from .parsing import parse

    for language, code in _SAMPLES:
        source = parse(code, language)
        for source_type in ("module", "script", "commonjs"):
            ours = describe_scopes(_scopes_with(module, source, source_type))
            if ours != describe_scopes(build_scopes(source, source_type)):
                return f"scopes of the {language} sample ({source_type})"
        kinds = sorted(INDEXED_KINDS)
        by_walk = _index_with(module, source.tree, kinds, SHAPES)
        if _ranges(by_walk) != _ranges(_python_index(source.tree, language, kinds, SHAPES)):
            return f"node index of the {language} sample"
    return ""


def _python_index(
    tree: Tree, language_name: str, kinds: Sequence[str], shapes: Sequence[Shape]
) -> dict[str, list[Node]]:
    """What the native index walk must give (in any order), by one query and the
    shapes' own tests."""
    from ._node_index import captured_by_query

    wanted = sorted({*kinds, *(shape.kind for shape in shapes)})
    captured = captured_by_query(tree, language_name, wanted)
    found = {kind: nodes for kind, nodes in captured.items() if kind in kinds}
    for shape in shapes:
        shaped = [node for node in captured.get(shape.kind, []) if shape.matches(node)]
        if shaped:
            found[shape.name] = shaped
    return found


def _ranges(
    found: dict[str, list[Node]],
) -> dict[str, list[tuple[int, int, int, tuple[int, int], str]]]:
    """Each list's nodes by range, identity (the same slot of the same tree), start
    point and kind: what a rule may read of a node found by the walk."""
    return {
        kind: sorted(
            (n.start_byte, -n.end_byte, n.id, (n.start_point[0], n.start_point[1]), n.type)
            for n in nodes
        )
        for kind, nodes in found.items()
    }


_CODES: dict[str, list[int]] = {}  # action_codes per language name


def _scopes_with(module: Any, source: ParsedSource, source_type: SourceType) -> ScopeManager:
    codes = _CODES.get(source.language)
    if codes is None:  # once per grammar (imported here: the walk imports parsing)
        from ._scope_walk import action_codes

        codes = _CODES[source.language] = action_codes(source.tree.language, source.language)
    tree = source.tree
    global_scope, program, scopes, references, declarations, by_node, owned, records = (
        module.build_scopes(tree, tree.root_node, source.data, source_type, _CLASSES, codes)
    )
    return ScopeManager(
        global_scope, program, scopes, references, declarations, by_node, owned, records
    )


_IndexIds = tuple[list[tuple[int, str]], list[tuple[str, int, list[int], list[int], bool]]]
# The native IndexPlan per grammar, kinds and shapes (the node index asks with the
# same constants for every tree): its id tables are built once, not per tree.
_INDEX_PLANS: dict[tuple[Language, tuple[str, ...], tuple[Shape, ...]], Any] = {}


def _index_ids(language: Language, kinds: Sequence[str], shapes: Sequence[Shape]) -> _IndexIds:
    """What the native index walk takes: ``(kind id, kind)`` for the named kinds the
    grammar has, and ``(name, kind id, field ids, child kind ids, negated)`` for the
    shapes that can occur in it."""

    def kind_id(kind: str) -> int:
        return language.id_for_node_kind(kind, True) or 0

    def child_ids(kinds: frozenset[str]) -> list[int]:
        # Named and anonymous (an operator token): a child's type is its name either way.
        ids = {language.id_for_node_kind(kind, named) for kind in kinds for named in (True, False)}
        return sorted(kind for kind in ids if kind)

    kind_ids = [(found, kind) for kind in kinds if (found := kind_id(kind))]
    shape_ids = []
    for shape in shapes:
        fields = [f for field in shape.fields if (f := language.field_id_for_name(field))]
        children = child_ids(shape.child_kinds)
        if kind_id(shape.kind) and fields and (children or shape.negated):
            shape_ids.append((shape.name, kind_id(shape.kind), fields, children, shape.negated))
    return kind_ids, shape_ids


def _index_with(
    module: Any, tree: Tree, kinds: Sequence[str], shapes: Sequence[Shape] = ()
) -> dict[str, list[Node]]:
    language = tree.language
    key = (language, tuple(kinds), tuple(shapes))
    plan = _INDEX_PLANS.get(key)
    if plan is None:
        plan = _INDEX_PLANS[key] = module.IndexPlan(*_index_ids(language, kinds, shapes))
    found: dict[str, list[Node]] = plan.collect(tree, tree.root_node)
    return found


def native_scopes(source: ParsedSource, source_type: SourceType) -> ScopeManager | None:
    """The scope analysis by the native walk, or None when it is not in use."""
    module = native()
    if module is None:
        return None
    return _scopes_with(module, source, source_type)


def native_index(
    tree: Tree, kinds: Sequence[str], shapes: Sequence[Shape] = ()
) -> dict[str, list[Node]] | None:
    """``{kind or shape name: nodes in document order}`` for the named kinds and
    the shapes present, by the native walk, or None when it is not in use."""
    module = native()
    if module is None:
        return None
    return _index_with(module, tree, kinds, shapes)


WideRuns = tuple[list[int], list[int], list[int], list[int], list[int], list[bool]]


@functools.cache
def _unchecked_module() -> ModuleType | None:
    """The native module for its parser, which needs none of the walks'
    self-check (that check itself parses): None when off or not built."""
    if _switched_off():
        return None
    try:
        from . import _native  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _native


def native_text_scans() -> ModuleType | None:
    """The native module for the byte scans of :mod:`patterns._bytes` (they read no
    tree), or None without the native core or with ``FIXSTREAM_NATIVE=0``."""
    module = _unchecked_module()
    return module if module is not None and hasattr(module, "word_starts") else None


_KIND_SETS: dict[tuple[Language, tuple[frozenset[str], ...]], Any] = {}


def kind_sets(language: Language, sets: tuple[frozenset[str], ...]) -> Any:
    """``patterns._native.KindSets`` for a rule's kind ``sets`` in ``language``
    (made once per grammar): a kind id is in set ``i`` when its name is, named or
    not, as ``Node.type in sets[i]`` reads it. Only asked with the native core."""
    key = (language, sets)
    found = _KIND_SETS.get(key)
    if found is None:
        module = _unchecked_module()
        assert module is not None, "kind sets are for the native core"
        names = [language.node_kind_for_id(kind) for kind in range(language.node_kind_count)]
        bits = [sum(1 << i for i, kinds in enumerate(sets) if name in kinds) for name in names]
        found = _KIND_SETS[key] = module.KindSets(bits)
    return found


def native_parser(parser: tree_sitter.Parser) -> Any | None:
    """A native parser with the grammar of py-tree-sitter's ``parser``, making the
    same trees (see ``patterns/native/src/parser.rs``), or None without the native
    core, with ``FIXSTREAM_NATIVE=0`` or when it parses :data:`_SAMPLES`
    differently from ``parser``. One thread only, like ``parser`` itself.

    ``made.parse(data, seconds, old_tree=None)`` returns a ``Tree`` or raises
    ValueError once ``seconds`` have passed (never for NaN or infinity)."""
    module = _unchecked_module()
    kind = None if module is None else getattr(module, "Parser", None)
    if kind is None:
        return None
    try:
        made = kind(parser.parse(b""))
        for _, code in _SAMPLES:
            data = code.encode()
            theirs = parser.parse(data)
            ours = made.parse(data, math.inf)
            if _preorder(ours) != _preorder(theirs):
                raise ValueError("a sample parses differently")
            # The last byte (a line break) becomes `;`: an incremental parse.
            end = len(data) - 1
            row = data.count(b"\n", 0, end)
            start_point = (row, end - (data.rfind(b"\n", 0, end) + 1))
            end_point = (row + 1, 0)
            ours.edit(end, end + 1, end + 1, start_point, end_point, (row, start_point[1] + 1))
            changed = data[:end] + b";"
            if _preorder(made.parse(changed, math.inf, ours)) != _preorder(parser.parse(changed)):
                raise ValueError("a sample parses differently after an edit")
    except Exception as error:  # a layout the module refuses, or a different core
        log.warning("native parser not used (%s: %s)", type(error).__name__, error)
        return None
    return made


def native_maker(cls: type[_D]) -> Callable[..., _D] | None:
    """``make(*fields)``: makes ``cls(*fields)`` natively, without running the
    generated ``__init__`` of ``cls`` (a dataclass with slots; see
    ``patterns/native/src/make.rs``), or None without the native core."""
    module = _unchecked_module()
    kind = None if module is None else getattr(module, "Maker", None)
    if kind is None:
        return None
    try:
        made = kind(cls)
        names = [field.name for field in dataclasses.fields(cls)]  # type: ignore[arg-type]
        values = [object() for _ in names]
        probe = made(*values)
        if type(probe) is not cls or any(
            getattr(probe, name) is not value for name, value in zip(names, values, strict=True)
        ):
            raise ValueError("the fields land elsewhere")
    except Exception as error:  # not a dataclass with slots, or a layout it refuses
        log.warning(
            "native maker for %s not used (%s: %s)", cls.__name__, type(error).__name__, error
        )
        return None
    maker: Callable[..., _D] = made
    return maker


def _preorder(tree: Tree) -> list[tuple[int, int, int, bool, bool]]:
    """Every node of ``tree``: kind, range, whether it is named and missing."""
    found = []
    cursor = tree.walk()
    while True:
        node = cursor.node
        assert node is not None
        found.append((node.kind_id, node.start_byte, node.end_byte, node.is_named, node.is_missing))
        if cursor.goto_first_child() or cursor.goto_next_sibling():
            continue
        while cursor.goto_parent():
            if cursor.goto_next_sibling():
                break
        else:
            return found


def native_wide_runs(data: bytes) -> WideRuns | None:
    """The runs of non-ASCII characters of UTF-8 ``data`` (see
    :class:`patterns.parsing._WideCharacters`), or None without the native core."""
    module = native()
    if module is None:
        return None
    runs: WideRuns = module.wide_runs(data)
    return runs


def native_line_starts(data: bytes) -> list[int] | None:
    """The character offset where each line of UTF-8 ``data`` starts (see
    :func:`patterns.parsing._line_starts`), or None without the native core."""
    module = native()
    if module is None:
        return None
    starts: list[int] = module.line_starts(data)
    return starts


def describe_scopes(manager: ScopeManager) -> list[Any]:
    """Everything the rules can read from an analysis, as plain comparable data:
    objects become their positions in the manager's lists, nodes their ranges."""

    def node(n: Node | None) -> tuple[str, int, int] | None:
        return None if n is None else (n.type, n.start_byte, n.end_byte)

    scope_at = {id(s): i for i, s in enumerate(manager.scopes)}
    variables = [v for s in manager.scopes for v in s.variables.values()]
    variable_at = {id(v): i for i, v in enumerate(variables)}
    reference_at = {id(r): i for i, r in enumerate(manager.references)}
    declaration_at = {id(d): i for i, d in enumerate(manager.declarations)}

    def scope(s: Scope | None) -> int | None:
        return None if s is None else scope_at[id(s)]

    return [
        scope(manager.global_scope),
        scope(manager.program_scope),
        [
            (
                s.kind,
                node(s.node),
                scope(s.parent),
                [scope(c) for c in s.children],
                [(name, variable_at[id(v)]) for name, v in s.variables.items()],
                [reference_at[id(r)] for r in s.references],
                [reference_at[id(r)] for r in s.through],
            )
            for s in manager.scopes
        ],
        [
            (
                v.name,
                scope(v.scope),
                [
                    (
                        d.kind,
                        node(d.name),
                        node(d.node),
                        None if d.declaration is None else declaration_at[id(d.declaration)],
                    )
                    for d in v.definitions
                ],
                [reference_at[id(r)] for r in v.references],
            )
            for v in variables
        ],
        [
            (
                node(r.identifier),
                r.name,
                scope(r.scope),
                r.is_read,
                r.is_write,
                r.is_init,
                None if r.resolved is None else variable_at[id(r.resolved)],
            )
            for r in manager.references
        ],
        [
            (
                node(d.node),
                d.kind,
                node(d.keyword),
                [(node(x.node), node(x.id), node(x.init)) for x in d.declarators],
                d.start_byte,
                d.end_byte,
                d.loop,
                [variable_at[id(v)] for v in d.variables],
            )
            for d in manager.declarations
        ],
        [(node_id, scope(s)) for node_id, s in manager._by_node.items()],
    ]
