"""no-useless-return: a bare ``return;`` after which nothing more would run.

ESLint decides this on its code-path graph; this rule follows the same flow
over the statements of each function. A reachable ``return;`` outside loops
and ``finally`` blocks is a candidate; it is *used* as soon as a statement
could run after it, where "after" lets the return fall through to what follows
it (so ``return; foo();`` and ``if (a) { return; } foo();`` are both used).
Only the statements ESLint counts mark returns as used (expression statements,
declarations, control statements...; not blocks, ``break``, function
declarations or another bare ``return``). Statements in the ``catch`` or
``finally`` of a ``try`` do not use a return of that ``try`` block.

The fix deletes the statement but, as ESLint's does, replaces the whole
enclosing function (so one pass never combines it with another fix there). It
is withheld where the return is not directly in a statement list or holds a
comment.

Reliability 0.95: deleting a return that provably ends the function is
mechanical; the flow analysis is the only thing that can be wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, NamedTuple

from tree_sitter import Node

from ..rule import Rule, RuleContext
from ..types import Problem
from ._statements import FUNCTIONS, function_range, is_statement_list, named

__all__ = ["NoUselessReturn"]

MESSAGE: Final = "Unnecessary return statement."

# Statements whose execution makes an earlier bare return useful (ESLint's list).
_MARKING: Final = frozenset(
    {
        "class_declaration",
        "abstract_class_declaration",
        "continue_statement",
        "debugger_statement",
        "do_statement",
        "empty_statement",
        "expression_statement",
        "for_in_statement",
        "for_statement",
        "if_statement",
        "import_statement",
        "labeled_statement",
        "switch_statement",
        "throw_statement",
        "try_statement",
        "variable_declaration",
        "lexical_declaration",
        "using_declaration",
        "while_statement",
        "with_statement",
        "export_statement",
    }
)
_LOOPS: Final = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})


class _Flow(NamedTuple):
    """What reaches a point: candidate returns that may fall through to it."""

    pending: frozenset[int]
    reachable: bool


_NOWHERE: Final = _Flow(frozenset(), False)


def _join(flows: Iterable[_Flow]) -> _Flow:
    pending: set[int] = set()
    reachable = False
    for flow in flows:
        pending |= flow.pending
        reachable = reachable or flow.reachable
    return _Flow(frozenset(pending), reachable)


@dataclass(slots=True)
class _Target:
    """Where ``break``/``continue`` go: a loop, a switch or a labelled statement."""

    kind: str  # "loop", "switch", "label"
    labels: frozenset[str]
    breaks: list[_Flow] = field(default_factory=list)
    continues: list[_Flow] = field(default_factory=list)


def _text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


def _constant_truth(data: bytes, node: Node | None) -> bool | None:
    """ESLint's value of a loop test that is a plain literal (None: not one)."""
    if node is None:
        return True  # `for (;;)`
    while node.type == "parenthesized_expression" and len(named(node)) == 1:
        node = named(node)[0]
    kind = node.type
    if kind == "empty_statement":
        return True
    if kind == "true" or kind == "regex":
        return True
    if kind in ("false", "null"):
        return False
    if kind == "string":
        return node.end_byte - node.start_byte > 2
    if kind == "number":
        text = _text(data, node).replace("_", "").lower()
        try:
            if text.endswith("n"):
                return int(text[:-1], 0) != 0
            if text[:2] in ("0x", "0o", "0b"):
                return int(text, 0) != 0
            return float(text) != 0
        except ValueError:
            return None
    return None


class _FunctionFlow:
    """The flow of one function body (or of the program)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.candidates: dict[int, Node] = {}
        self.ends: dict[int, int] = {}  # where each candidate ends, ESTree-wise
        self.absorbed: set[int] = set()  # `;` statements that belong to a `return`
        self.used: set[int] = set()
        self.targets: list[_Target] = []
        self.try_blocks: list[tuple[int, int]] = []  # try blocks whose catch/finally runs now
        self.loop_depth = 0
        self.finally_depth = 0

    def useless(self) -> list[tuple[Node, int]]:
        """The useless returns, each with its end offset."""
        return [
            (node, self.ends[key]) for key, node in self.candidates.items() if key not in self.used
        ]

    def mark(self, flow: _Flow) -> _Flow:
        """A statement runs here: the returns that reach it were not useless."""
        if not flow.pending:
            return flow
        kept = []
        for key in flow.pending:
            node = self.candidates[key]
            if any(s <= node.start_byte and node.end_byte <= e for s, e in self.try_blocks):
                kept.append(key)
            else:
                self.used.add(key)
        return _Flow(frozenset(kept), flow.reachable)

    def statements(self, nodes: Iterable[Node], flow: _Flow) -> _Flow:
        for node in nodes:
            flow = self.statement(node, flow)
        return flow

    def statement(self, node: Node, flow: _Flow) -> _Flow:
        kind = node.type
        if kind == "comment" or node.id in self.absorbed:
            return flow
        if kind in _MARKING:
            flow = self.mark(flow)
        handler = _HANDLERS.get(kind)
        if handler is not None:
            return handler(self, node, flow)
        return flow

    # -- statements

    def block(self, node: Node, flow: _Flow) -> _Flow:
        return self.statements(named(node), flow)

    def return_(self, node: Node, flow: _Flow) -> _Flow:
        if named(node):  # `return value;` runs code
            self.mark(flow)
            return _NOWHERE
        end = node.end_byte
        semicolon = _detached_semicolon(node)
        if semicolon is not None:
            self.absorbed.add(semicolon.id)
            end = semicolon.end_byte
        if self.loop_depth or self.finally_depth or not flow.reachable:
            return _Flow(flow.pending, False)
        self.candidates[node.id] = node
        self.ends[node.id] = end
        return _Flow(flow.pending | {node.id}, False)

    def throw(self, node: Node, flow: _Flow) -> _Flow:
        return _NOWHERE

    def break_(self, node: Node, flow: _Flow) -> _Flow:
        label = node.child_by_field_name("label")
        target = self.find_target(label, loop_only=False)
        if target is not None:
            target.breaks.append(flow)
        return _NOWHERE

    def continue_(self, node: Node, flow: _Flow) -> _Flow:
        label = node.child_by_field_name("label")
        target = self.find_target(label, loop_only=True)
        if target is not None:
            target.continues.append(flow)
        return _NOWHERE

    def find_target(self, label: Node | None, *, loop_only: bool) -> _Target | None:
        name = _text(self.data, label) if label is not None else None
        for target in reversed(self.targets):
            if name is not None:
                if name in target.labels and (target.kind == "loop" or not loop_only):
                    return target
            elif target.kind == "loop" or (target.kind == "switch" and not loop_only):
                return target
        return None

    def if_(self, node: Node, flow: _Flow) -> _Flow:
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        then = self.statement(consequence, flow) if consequence is not None else flow
        otherwise = flow
        if alternative is not None:
            otherwise = self.statements(named(alternative), flow)
        return _join((then, otherwise))

    def switch(self, node: Node, flow: _Flow) -> _Flow:
        body = node.child_by_field_name("body")
        target = _Target("switch", self.labels_of(node))
        self.targets.append(target)
        falling = _NOWHERE
        has_default = False
        for case in named(body) if body is not None else []:
            has_default = has_default or case.type == "switch_default"
            entry = _join((flow, falling))
            falling = self.statements(case.children_by_field_name("body"), entry)
        self.targets.pop()
        ends = [falling, *target.breaks]
        if not has_default:
            ends.append(flow)
        return _join(ends)

    def loop(self, node: Node, flow: _Flow) -> _Flow:
        kind = node.type
        truth: bool | None = None
        if kind != "for_in_statement":
            truth = _constant_truth(self.data, node.child_by_field_name("condition"))
        target = _Target("loop", self.labels_of(node))
        self.targets.append(target)
        self.loop_depth += 1
        body = node.child_by_field_name("body")
        entry = flow if truth is not False or kind == "do_statement" else _Flow(flow.pending, False)
        end = self.statement(body, entry) if body is not None else entry
        self.loop_depth -= 1
        self.targets.pop()
        ends = list(target.breaks)
        if truth is not True:
            ends.extend(target.continues)
            ends.append(end)
            if kind != "do_statement":
                ends.append(flow)
        return _join(ends)

    def labeled(self, node: Node, flow: _Flow) -> _Flow:
        body = node.child_by_field_name("body")
        target = _Target("label", self.labels_of(body) if body is not None else frozenset())
        self.targets.append(target)
        end = self.statement(body, flow) if body is not None else flow
        self.targets.pop()
        return _join((end, *target.breaks))

    def labels_of(self, node: Node) -> frozenset[str]:
        """The labels of the labelled statements that directly wrap ``node``."""
        labels = []
        parent = node.parent
        while parent is not None and parent.type == "labeled_statement":
            label = parent.child_by_field_name("label")
            if label is not None:
                labels.append(_text(self.data, label))
            parent = parent.parent
        return frozenset(labels)

    def with_(self, node: Node, flow: _Flow) -> _Flow:
        body = node.child_by_field_name("body")
        return self.statement(body, flow) if body is not None else flow

    def try_(self, node: Node, flow: _Flow) -> _Flow:
        block = node.child_by_field_name("body")
        handler = node.child_by_field_name("handler")
        finalizer = node.child_by_field_name("finalizer")
        if block is None:
            return flow
        seen = len(self.candidates)
        block_end = self.statement(block, flow)
        self.try_blocks.append((block.start_byte, block.end_byte))
        ends = [block_end]
        if handler is not None:
            # Anything in the block may throw: the catch sees all its returns.
            inside = frozenset(list(self.candidates)[seen:])
            entry = _Flow(flow.pending | inside | block_end.pending, flow.reachable)
            body = handler.child_by_field_name("body")
            ends.append(self.statement(body, entry) if body is not None else entry)
        result = _join(ends)
        if finalizer is not None:
            body = finalizer.child_by_field_name("body")
            self.finally_depth += 1
            after = self.statement(body, _Flow(result.pending, flow.reachable)) if body else result
            self.finally_depth -= 1
            result = _Flow(after.pending, result.reachable and after.reachable)
        self.try_blocks.pop()
        return result


_HANDLERS = {
    "statement_block": _FunctionFlow.block,
    "return_statement": _FunctionFlow.return_,
    "throw_statement": _FunctionFlow.throw,
    "break_statement": _FunctionFlow.break_,
    "continue_statement": _FunctionFlow.continue_,
    "if_statement": _FunctionFlow.if_,
    "switch_statement": _FunctionFlow.switch,
    "for_statement": _FunctionFlow.loop,
    "for_in_statement": _FunctionFlow.loop,
    "while_statement": _FunctionFlow.loop,
    "do_statement": _FunctionFlow.loop,
    "labeled_statement": _FunctionFlow.labeled,
    "with_statement": _FunctionFlow.with_,
    "try_statement": _FunctionFlow.try_,
}


# A `return` that may have no value: not followed on its line by what can start
# an expression (a comment, a line break, `;`, `}`, non-ASCII... all count).
# Longer words ending in "return" also match: harmless, and the literal start
# keeps the scan fast.
_MAYBE_BARE_RETURN: Final = re.compile(rb"return(?![\w$])[ \t]*+(?![\w$\"'`(\[{!~+\-.#])")


def _innermost(owners: list[Node], positions: list[int]) -> set[int]:
    """The indexes in ``owners`` (nodes in document order, so properly nested
    ranges, outer first) of the innermost owner around each of the sorted
    ``positions``."""
    found: set[int] = set()
    stack: list[tuple[int, int, int]] = []  # (start, end, index), outer first
    following = 0
    for position in positions:
        while following < len(owners):
            owner = owners[following]
            start = owner.start_byte
            if start > position:
                break
            end = owner.end_byte
            while stack and stack[-1][1] <= start:
                stack.pop()
            stack.append((start, end, following))
            following += 1
        while stack and stack[-1][1] <= position:
            stack.pop()
        if stack and stack[-1][0] <= position:
            found.add(stack[-1][2])
    return found


def _detached_semicolon(node: Node) -> Node | None:
    """The ``;`` of ``return\n;``, which tree-sitter parses as a statement of its own.

    A ``;`` cannot start an expression, so no semicolon is inserted after this
    ``return``: the ``;`` on the next line ends it.
    """
    last = node.children[-1] if node.children else None
    if last is None or last.type != "return":
        return None
    # `if (a) return\n;`: the `;` follows the statements that end with this return.
    current = node
    while current.next_sibling is None and current.parent is not None:
        if is_statement_list(current.parent):
            return None
        current = current.parent
    following = current.next_sibling
    while following is not None and following.type == "comment":
        following = following.next_sibling
    if following is not None and following.type == "empty_statement":
        return following
    return None


def _has_comment(node: Node, end: int) -> bool:
    """Whether a comment lies within the statement (which ends at ``end``)."""
    if any(child.type == "comment" for child in node.children):
        return True
    following = node.next_sibling
    while following is not None and following.start_byte < end:
        if following.type == "comment":
            return True
        following = following.next_sibling
    return False


class NoUselessReturn(Rule):
    name: ClassVar[str] = "no-useless-return"
    description: ClassVar[str] = "Disallow redundant return statements"
    default_reliability: ClassVar[float] = 0.95
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ()
    version: ClassVar[int] = 1

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        source = ctx.source
        data = source.data
        # Only a `return` without a value can be useless; skip code that has none.
        bare = [match.start() for match in _MAYBE_BARE_RETURN.finditer(data)]
        if not bare:
            return
        # Only the innermost function around a `return` (or the program) can
        # find it: a function's flow visits its own statements only. Such a
        # function without a block body holds no return of its own.
        functions = [source.root, *source.nodes_of(*sorted(FUNCTIONS))]
        for index in sorted(_innermost(functions, bare)):
            owner = functions[index]
            if index:
                body = owner.child_by_field_name("body")
                if body is None or body.type != "statement_block":
                    continue
            if owner.has_error:
                continue  # broken code: the flow is unknown
            flow = _FunctionFlow(data)
            if owner.type == "program":
                if ctx.source_type != "commonjs":
                    continue  # a top-level return does not even parse there
                flow.statements(named(owner), _Flow(frozenset(), True))
                start, end = 0, len(data)
            else:
                body = owner.child_by_field_name("body")
                assert body is not None
                flow.statement(body, _Flow(frozenset(), True))
                start, end = function_range(owner)
            for node, node_end in flow.useless():
                fix = None
                parent = node.parent
                if (
                    parent is not None
                    and is_statement_list(parent)
                    and not _has_comment(node, node_end)
                ):
                    text = data[start : node.start_byte] + data[node_end:end]
                    fix = ctx.edit(start, end, text.decode("utf-8", "surrogatepass"))
                yield ctx.problem(MESSAGE, node.start_byte, node_end, fix)
