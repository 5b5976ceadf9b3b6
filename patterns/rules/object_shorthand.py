"""object-shorthand: ``{x: x}`` is ``{x}`` and ``{f: function() {}}`` is ``{f() {}}``.

Follows ESLint 9 (https://eslint.org/docs/latest/rules/object-shorthand) with
all its options: the mode (``"always"``, ``"methods"``, ``"properties"``,
``"never"``, ``"consistent"``, ``"consistent-as-needed"``) and
``avoidQuotes``, ``ignoreConstructors``, ``methodsIgnorePattern`` and
``avoidExplicitReturnArrows``.

Fixes are ESLint's text edits: a longform property becomes its name (not when
a comment sits inside it), a function value becomes a method (not when a
comment sits between the key and the function; ``async``/``*`` move before
the key, an arrow's lone bare parameter gets parentheses), and ``"never"``
turns methods and shorthands back into longform. An arrow function is only
made a method when it does not use ``this``, ``arguments``, ``super`` or
``new.target`` of its surroundings. A property whose value carries a JSDoc
``@type`` cast (``/** @type {T} */ (x)``) is left alone.

Reliability 0.9: property and method rewrites keep behaviour for ordinary code
but a method differs from a function value in subtle ways (it cannot be
called with ``new``, and it gets ``super``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from tree_sitter import Node

from .._bytes import word_pattern
from .._node_index import NAME_OR_FUNCTION_VALUE
from ..exceptions import InvalidRuleOptions
from ..parsing import ParsedSource
from ..rule import Rule, RuleContext
from ..types import Problem, TextEdit
from ._object_syntax import (
    has_comment_between,
    name_value,
    number_name,
    string_value,
    unparen,
)

__all__ = ["ObjectShorthand"]

MESSAGES: Final = {
    "expectedAllPropertiesShorthanded": "Expected shorthand for all properties.",
    "expectedLiteralMethodLongform": "Expected longform method syntax for string literal keys.",
    "expectedPropertyShorthand": "Expected property shorthand.",
    "expectedPropertyLongform": "Expected longform property syntax.",
    "expectedMethodShorthand": "Expected method shorthand.",
    "expectedMethodLongform": "Expected longform method syntax.",
    "unexpectedMix": "Unexpected mix of shorthand and non-shorthand properties.",
}
_MODES: Final = ("always", "methods", "properties", "never", "consistent", "consistent-as-needed")
_PARAMS: Final = {
    "avoidQuotes": False,
    "ignoreConstructors": False,
    "methodsIgnorePattern": "",
    "avoidExplicitReturnArrows": False,
}
_FUNCTIONS: Final = frozenset({"function_expression", "function", "generator_function"})
# Nodes that give ``this``/``arguments``/``super``/``new.target`` a new meaning.
_LEXICAL_BOUNDARIES: Final = frozenset(
    {
        *_FUNCTIONS,
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
    }
)
# The values a shorthand can stand for: a function (a method) or a name (a property).
_SHORTHAND_VALUES: Final = frozenset({*_FUNCTIONS, "arrow_function", "identifier"})
_COMMENTS: Final = frozenset({"comment", "html_comment"})
_MEMBERS: Final = frozenset({"pair", "shorthand_property_identifier", "method_definition"})
_JSDOC_TYPE: Final = re.compile(r"@type\b")
_NOT_CTOR_PREFIX: Final = re.compile(r"[^_$0-9]")


def _is_constructor_name(name: str) -> bool:
    match = _NOT_CTOR_PREFIX.search(name)
    if match is None:
        return False
    first = name[match.start()]
    return first == first.upper()


def _is_accessor(member: Node) -> bool:
    name = member.child_by_field_name("name")
    return name is not None and any(
        c.type in ("get", "set") and c.end_byte <= name.start_byte for c in member.children
    )


def _tokens(node: Node) -> list[Node]:
    return [c for c in node.children if c.type not in _COMMENTS]


def _last_token(node: Node) -> Node:
    while node.child_count and node.type not in ("string", "template_string", "regex"):
        children = _tokens(node)
        if not children:
            break
        node = children[-1]
    return node


@dataclass(frozen=True, slots=True)
class _Options:
    mode: str
    avoid_quotes: bool
    ignore_constructors: bool
    ignore_pattern: re.Pattern[str] | None
    avoid_explicit_return_arrows: bool

    @property
    def never(self) -> bool:
        return self.mode == "never"

    @property
    def methods(self) -> bool:
        return self.mode in ("always", "methods")

    @property
    def properties(self) -> bool:
        return self.mode in ("always", "properties")


class ObjectShorthand(Rule):
    name: ClassVar[str] = "object-shorthand"
    description: ClassVar[str] = (
        "Require or disallow method and property shorthand syntax for object literals"
    )
    default_reliability: ClassVar[float] = 0.9
    fix_kind = "code"
    options_schema: ClassVar[tuple[Any, ...]] = ("always", dict(_PARAMS))
    version: ClassVar[int] = 1

    def validate_options(self, options: tuple[Any, ...]) -> None:
        mode, params = options
        if mode not in _MODES:
            raise InvalidRuleOptions(self.name, f"mode must be one of {', '.join(_MODES)}")
        for key in ("avoidQuotes", "ignoreConstructors", "avoidExplicitReturnArrows"):
            if not isinstance(params[key], bool):
                raise InvalidRuleOptions(self.name, f"{key} must be a boolean")
        if not isinstance(params["methodsIgnorePattern"], str):
            raise InvalidRuleOptions(self.name, "methodsIgnorePattern must be a string")
        try:
            re.compile(params["methodsIgnorePattern"])
        except re.error as error:
            raise InvalidRuleOptions(self.name, f"bad methodsIgnorePattern: {error}") from None

    def check(self, ctx: RuleContext) -> Iterator[Problem]:
        mode, params = ctx.options
        pattern = params["methodsIgnorePattern"]
        options = _Options(
            mode=mode,
            avoid_quotes=bool(params["avoidQuotes"]),
            ignore_constructors=bool(params["ignoreConstructors"]),
            ignore_pattern=re.compile(pattern) if pattern else None,
            avoid_explicit_return_arrows=bool(params["avoidExplicitReturnArrows"]),
        )
        return _Check(ctx, options).run()


_ARGUMENTS: Final = word_pattern(b"arguments")


def _lexical_uses(source: ParsedSource) -> Iterator[Node]:
    """``this``, ``super``, ``new.target`` and ``arguments`` used as a variable."""
    for use in source.nodes_of("this", "super", "meta_property"):
        if use.type != "meta_property" or source.node_text(use) == "new.target":
            yield use
    # A query with a text predicate is slow (the predicate runs in Python): search the text.
    root = source.root
    for match in _ARGUMENTS.finditer(source.data):
        node = root.descendant_for_byte_range(match.start(), match.end())
        if node is not None and node.type in ("identifier", "shorthand_property_identifier"):
            yield node


def _arrows_with_lexical_uses(source: ParsedSource) -> set[int]:
    """Arrow functions that use the ``this``/``arguments``/``super``/``new.target``
    of the code around them (so cannot become methods)."""
    arrows: set[int] = set()
    for use in _lexical_uses(source):
        node = use.parent
        while node is not None and not (node.type in _LEXICAL_BOUNDARIES and node.is_named):
            if node.type == "arrow_function":
                arrows.add(node.id)
            node = node.parent
    return arrows


class _Check:
    """One run of the rule over one source."""

    def __init__(self, ctx: RuleContext, options: _Options) -> None:
        self.ctx = ctx
        self.options = options
        self.source = ctx.source
        self.lexical_arrows: set[int] = set()  # arrows using their outer this/arguments/...

    def text(self, node: Node) -> str:
        return self.source.node_text(node)

    def problem(self, message_id: str, node: Node, fix: TextEdit | None = None) -> Problem:
        return self.ctx.problem(MESSAGES[message_id], node.start_byte, node.end_byte, fix)

    def run(self) -> Iterator[Problem]:
        options = self.options
        consistency = options.mode in ("consistent", "consistent-as-needed")
        if options.avoid_explicit_return_arrows and options.methods:
            self.lexical_arrows = _arrows_with_lexical_uses(self.source)
        if not (consistency or options.never or options.avoid_quotes or self.source.has_errors):
            # Then only a pair whose value is a name or a function can be reported (see
            # check_property and check_pair), and in a tree without errors every pair
            # is a member of an object literal.
            for pair in self.source.nodes_shaped(NAME_OR_FUNCTION_VALUE):
                problem = self.check_pair(pair)
                if problem is not None:
                    yield problem
            return
        for obj in self.source.nodes_of("object"):
            if consistency:
                problem = self.check_consistency(obj)
                if problem is not None:
                    yield problem
            for member in obj.named_children:
                kind = member.type
                if kind in _MEMBERS:
                    problem = self.check_property(member, kind)
                    if problem is not None:
                        yield problem

    # -- consistency ---------------------------------------------------------------

    def check_consistency(self, obj: Node) -> Problem | None:
        members = [
            m
            for m in obj.named_children
            if m.type in _MEMBERS and not (m.type == "method_definition" and _is_accessor(m))
        ]
        if not members:
            return None
        shorthand = [m for m in members if m.type != "pair"]
        if len(shorthand) == len(members):
            return None
        if shorthand:
            return self.problem("unexpectedMix", obj)
        if self.options.mode == "consistent-as-needed" and all(
            self.is_redundant(m) for m in members
        ):
            return self.problem("expectedAllPropertiesShorthanded", obj)
        return None

    def is_redundant(self, pair: Node) -> bool:
        value = pair.child_by_field_name("value")
        if value is None:
            return False
        value = unparen(value)
        if value.type in _FUNCTIONS:
            return value.child_by_field_name("name") is None
        if value.type == "identifier":
            return self.static_name(pair) == name_value(self.source, value)
        return False

    # -- names -------------------------------------------------------------------------

    def key_of(self, member: Node) -> tuple[Node, bool] | None:
        """The key node (inside any brackets and parentheses) and whether it is computed."""
        key = member.child_by_field_name("key" if member.type == "pair" else "name")
        if key is None:
            return None
        if key.type == "computed_property_name":
            inner = [c for c in key.named_children if c.type not in _COMMENTS]
            return (unparen(inner[0]), True) if len(inner) == 1 else None
        return key, False

    def static_name(self, member: Node) -> str | None:
        """ESLint's getStaticPropertyName."""
        found = self.key_of(member)
        if found is None:
            return None
        key, computed = found
        if key.type == "number":
            return number_name(self.text(key))
        if key.type == "string":
            return string_value(self.text(key))
        if key.type == "template_string" and computed:
            if any(c.type == "template_substitution" for c in key.children):
                return None
            return string_value(self.text(key))
        if not computed:
            return name_value(self.source, key)
        return None

    def is_string_key(self, member: Node) -> bool:
        found = self.key_of(member)
        return found is not None and found[0].type == "string"

    # -- properties ----------------------------------------------------------------------

    def check_property(self, member: Node, kind: str) -> Problem | None:
        """``kind``: the member's type."""
        options = self.options
        if kind == "shorthand_property_identifier":
            if not options.never:
                return None
            name = name_value(self.source, member) or self.text(member)
            fix = self.ctx.edit(member.end_byte, member.end_byte, f": {name}")
            return self.problem("expectedPropertyLongform", member, fix)
        if kind == "method_definition":
            # Only "never" and avoidQuotes report a method: else leave it unread.
            if not (options.never or options.avoid_quotes) or _is_accessor(member):
                return None
            if options.never or (options.avoid_quotes and self.is_string_key(member)):
                message_id = (
                    "expectedMethodLongform" if options.never else "expectedLiteralMethodLongform"
                )
                return self.problem(message_id, member, self.longform_fix(member))
            return None
        return self.check_pair(member)

    def check_pair(self, pair: Node) -> Problem | None:
        options = self.options
        raw_value = pair.child_by_field_name("value")
        if raw_value is None:
            return None
        value_type = raw_value.type
        value = raw_value
        if value_type == "parenthesized_expression":
            value = unparen(raw_value)
            value_type = value.type
        if value_type not in _SHORTHAND_VALUES:
            return None  # the common case, settled before reading the key
        found = self.key_of(pair)
        if found is None:
            return None
        key, computed = found
        is_function = value_type in _FUNCTIONS or value_type == "arrow_function"
        if computed and not is_function:
            return None
        if options.methods and is_function and value.child_by_field_name("name") is None:
            if (
                options.ignore_constructors
                and key.type == "property_identifier"
                and _is_constructor_name(name_value(self.source, key) or "")
            ):
                return None
            if options.ignore_pattern is not None:
                name = self.static_name(pair)
                if name is not None and options.ignore_pattern.search(name):
                    return None
            if options.avoid_quotes and key.type == "string":
                return None
            if value_type != "arrow_function" or (
                options.avoid_explicit_return_arrows
                and self.has_block_body(value)
                and value.id not in self.lexical_arrows
            ):
                return self.problem("expectedMethodShorthand", pair, self.method_fix(pair, value))
            return None
        if value_type != "identifier" or not options.properties:
            return None
        value_name = name_value(self.source, value)
        if computed or key.type not in ("property_identifier", "string"):
            return None
        if name_value(self.source, key) != value_name:
            return None
        if key.type == "string" and options.avoid_quotes:
            return None
        if self.has_type_cast_comment(pair):
            return None
        fix = None
        if not has_comment_between(pair, pair.start_byte, pair.end_byte):
            fix = self.ctx.edit(pair.start_byte, pair.end_byte, value_name or self.text(value))
        return self.problem("expectedPropertyShorthand", pair, fix)

    @staticmethod
    def has_block_body(arrow: Node) -> bool:
        body = arrow.child_by_field_name("body")
        return body is not None and body.type == "statement_block"

    def has_type_cast_comment(self, pair: Node) -> bool:
        """Whether a JSDoc ``@type`` comment (a type cast) sits inside the property."""
        stack = [pair]
        while stack:
            node = stack.pop()
            if node.type == "comment":
                text = self.text(node)
                if text.startswith("/**") and _JSDOC_TYPE.search(text):
                    return True
            elif node.type not in ("string", "template_string", "regex"):
                stack.extend(node.children)
        return False

    # -- fixes -------------------------------------------------------------------------

    def key_range(self, member: Node) -> tuple[int, int]:
        """The bytes of the key as written, brackets included."""
        key = member.child_by_field_name("key" if member.type == "pair" else "name")
        assert key is not None
        if key.type == "computed_property_name":
            return key.start_byte, key.end_byte
        return key.start_byte, _last_token(key).end_byte

    def method_fix(self, pair: Node, value: Node) -> TextEdit | None:
        if self.source.has_errors:
            return None
        key_start, key_end = self.key_range(pair)
        if has_comment_between(pair, key_end, value.start_byte):
            return None
        tokens = _tokens(value)
        is_async = bool(tokens) and tokens[0].type == "async"
        prefix = "async " if is_async else ""
        if value.type == "generator_function":
            prefix += "*"
        key_text = self.source.byte_text(key_start, key_end)
        if value.type != "arrow_function":
            keyword = next((t for t in tokens if t.type == "function"), None)
            if keyword is None:
                return None
            before_params = keyword
            if value.type == "generator_function":
                star = next((t for t in tokens if t.type == "*"), None)
                if star is not None:
                    before_params = star
            rest = self.source.byte_text(before_params.end_byte, value.end_byte)
            return self.ctx.edit(key_start, pair.end_byte, prefix + key_text + rest)
        arrow = next((t for t in tokens if t.type == "=>"), None)
        if arrow is None:
            return None
        body = self.source.byte_text(arrow.end_byte, value.end_byte)
        first = tokens[1] if is_async else tokens[0]
        before_arrow = arrow.prev_sibling
        while before_arrow is not None and before_arrow.type in _COMMENTS:
            before_arrow = before_arrow.prev_sibling
        if before_arrow is None:
            return None
        params = self.source.byte_text(first.start_byte, _last_token(before_arrow).end_byte)
        bare = value.child_by_field_name("parameter")
        if bare is not None and bare.start_byte == first.start_byte:
            params = f"({params})"
        return self.ctx.edit(key_start, pair.end_byte, prefix + key_text + params + body)

    def longform_fix(self, method: Node) -> TextEdit | None:
        if self.source.has_errors:
            return None
        key_start, key_end = self.key_range(method)
        key_text = self.source.byte_text(key_start, key_end)
        tokens = _tokens(method)
        head = "function"
        if any(t.type == "async" and t.end_byte <= key_start for t in tokens):
            head = f"async {head}"
        if any(t.type == "*" and t.end_byte <= key_start for t in tokens):
            head = f"{head}*"
        return self.ctx.edit(method.start_byte, key_end, f"{key_text}: {head}")
