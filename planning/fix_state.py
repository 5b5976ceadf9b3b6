"""What the fix planner sees of a file: problem counts, features and its state vector.

:func:`observe_code` measures a file the way the stream's encode stage does (same
feature names), so states computed while executing a plan match the states the
stream hands to :meth:`planning.FixPlanner.plan`. :class:`StateLayout` turns those
plain mappings into the fixed-order vector the dynamics model reads, built on
:func:`models.structural_features`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from models import structural_features
from patterns import Problem, parse
from patterns.exceptions import ParseFailure
from patterns.matcher import RuleSelection
from patterns.types import FixReport

__all__ = [
    "PLANNER_SYNTAX_KEYS",
    "STOP",
    "FixObservation",
    "Matcher",
    "StateLayout",
    "observe_code",
    "syntax_statistics",
]

#: The action that ends a plan; rule ``rule_names[i]`` is action ``i + 1``.
STOP = "stop"

#: Whole-file statistics after the per-rule slots (names as the stream's features).
PLANNER_SYNTAX_KEYS: tuple[str, ...] = (
    "fixable",
    "syntax_errors",
    "syntax_nodes",
    "syntax_functions",
    "syntax_max_depth",
)

_FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "function",
    }
)


class Matcher(Protocol):
    """The part of :class:`patterns.PatternMatcher` the planner uses."""

    @property
    def reliabilities(self) -> dict[str, float]: ...

    def analyze_code(
        self,
        code: str,
        language: str = ...,
        rules: RuleSelection = ...,
        source_type: str | None = ...,
    ) -> list[Problem]: ...

    def apply_fixes(
        self,
        code: str,
        language: str = ...,
        rules: RuleSelection = ...,
        passes: int = ...,
        min_reliability: float = ...,
        source_type: str | None = ...,
    ) -> tuple[str, FixReport]: ...


@dataclass(frozen=True)
class FixObservation:
    """One file, measured: problems and fixable problems per rule, and features.

    ``features`` uses the stream's names: ``size_chars``, ``lines``, ``problems``,
    ``fixable``, ``syntax_*`` and ``fixable:<rule>``. ``problem_list`` holds the
    problems themselves, sorted by position.
    """

    problems: dict[str, int]
    fixable: dict[str, int]
    features: dict[str, float]
    problem_list: list[Problem] = field(default_factory=list, repr=False)

    @property
    def syntax_errors(self) -> int:
        return int(self.features.get("syntax_errors", 0.0))

    def unfixable(self, rule: str) -> int:
        """Problems of ``rule`` that come without a fix."""
        return self.problems.get(rule, 0) - self.fixable.get(rule, 0)


def _walk(tree: Any) -> Iterator[tuple[Any, int]]:
    cursor = tree.walk()
    depth = 0
    while True:
        yield cursor.node, depth
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
            depth -= 1


def syntax_statistics(code: str, language: str) -> dict[str, float]:
    """Shape of the parse tree: nodes, ERROR/MISSING nodes, functions, depth (one walk).

    A source tree-sitter cannot parse in time gives zeros with ``syntax_errors = 1``.
    """
    try:
        tree = parse(code, language).tree
    except ParseFailure:
        return {"syntax_nodes": 0.0, "syntax_errors": 1.0, "syntax_functions": 0.0,
                "syntax_max_depth": 0.0}
    nodes = errors = functions = max_depth = 0
    for node, depth in _walk(tree):
        nodes += 1
        max_depth = max(max_depth, depth)
        if node.type == "ERROR" or node.is_missing:
            errors += 1
        elif node.type in _FUNCTION_TYPES:
            functions += 1
    return {
        "syntax_nodes": float(nodes),
        "syntax_errors": float(errors),
        "syntax_functions": float(functions),
        "syntax_max_depth": float(max_depth),
    }


def observe_code(
    matcher: Matcher, code: str, language: str, rules: RuleSelection = None
) -> FixObservation:
    """Problems, fixable problems and features of ``code`` under ``rules``
    (names, a mapping of name to options, or None for the matcher's rules)."""
    found = matcher.analyze_code(code, language=language, rules=rules)
    problems: dict[str, int] = {}
    fixable: dict[str, int] = {}
    for problem in found:
        problems[problem.rule] = problems.get(problem.rule, 0) + 1
        if problem.fix is not None:
            fixable[problem.rule] = fixable.get(problem.rule, 0) + 1
    features: dict[str, float] = {
        "size_chars": float(len(code)),
        "lines": float(code.count("\n") + 1),
        "problems": float(len(found)),
        "fixable": float(sum(fixable.values())),
    }
    features.update(syntax_statistics(code, language))
    features.update({f"fixable:{rule}": float(n) for rule, n in fixable.items()})
    return FixObservation(problems, fixable, features, found)


@lru_cache(maxsize=8)
def _projection(in_dims: int, out_dims: int, seed: int) -> np.ndarray:
    """A fixed random Gaussian projection in_dims -> out_dims (Johnson-Lindenstrauss)."""
    rng = np.random.default_rng(seed)
    matrix: np.ndarray = rng.standard_normal((in_dims, out_dims)) / np.sqrt(out_dims)
    matrix.setflags(write=False)
    return matrix


@dataclass(frozen=True)
class StateLayout:
    """The planner's state vector and action ids for a fixed list of rules.

    Layout (``R`` rules, ``G = len(syntax_keys)``, ``D = embedding_dims``)::

        [0, R + 4)            structural_features: log1p problems per rule, other,
                              total, size in characters, lines
        [R + 4, 2R + 4)       signed log1p fixable problems per rule
        [2R + 4, 2R + 4 + G)  signed log1p of each ``syntax_keys`` feature
        then, when D > 0:     the embedding projected to D dimensions by a fixed
                              random matrix, and 1 (0 when no embedding was given)

    Actions: 0 is :data:`STOP`, ``i + 1`` applies the fixes of ``rule_names[i]``.
    The embedding slots are context: executing a fix leaves them as they were.
    """

    rule_names: tuple[str, ...]
    syntax_keys: tuple[str, ...] = PLANNER_SYNTAX_KEYS
    embedding_dims: int = 0
    embedding_seed: int = 0

    def __post_init__(self) -> None:
        if len(set(self.rule_names)) != len(self.rule_names) or not self.rule_names:
            raise ValueError("rule_names must be a non-empty list without duplicates")
        if STOP in self.rule_names:
            raise ValueError(f"{STOP!r} is the stop action, not a rule name")
        if self.embedding_dims < 0:
            raise ValueError("embedding_dims must be >= 0")

    @property
    def action_names(self) -> tuple[str, ...]:
        """Name of every action id: ``(STOP, *rule_names)``."""
        return (STOP, *self.rule_names)

    @property
    def num_actions(self) -> int:
        return len(self.rule_names) + 1

    def action_id(self, rule: str) -> int:
        """The action id of ``rule`` (``STOP`` is 0); KeyError for an unknown rule."""
        if rule == STOP:
            return 0
        return self.rule_names.index(rule) + 1 if rule in self.rule_names else _unknown(rule)

    @property
    def context_size(self) -> int:
        """Slots that a fix never changes (the embedding and its flag)."""
        return self.embedding_dims + 1 if self.embedding_dims else 0

    @property
    def size(self) -> int:
        """S, the length of :meth:`vector`."""
        structural = len(self.rule_names) + 4
        return structural + len(self.rule_names) + len(self.syntax_keys) + self.context_size

    def vector(
        self,
        problems: Mapping[str, int],
        features: Mapping[str, float],
        fixable: Mapping[str, int] | None = None,
        embedding: Sequence[float] | np.ndarray | None = None,
    ) -> np.ndarray:
        """The state (float32, :attr:`size`) of a file.

        Args:
            problems: problems per rule; fixable: fixable problems per rule (default:
                the ``fixable:<rule>`` features); features: the stream's features
                (``size_chars``, ``lines``, ``syntax_*``...; missing ones read 0);
            embedding: the file's embedding (any length), or None.
        """
        stats: dict[str, float] = {key: float(value) for key, value in features.items()}
        if fixable is not None:
            stats.update({f"fixable:{rule}": float(n) for rule, n in fixable.items()})
            stats.setdefault("fixable", float(sum(fixable.values())))
        keys = [f"fixable:{rule}" for rule in self.rule_names] + list(self.syntax_keys)
        lines = features.get("lines", features.get("n_lines", 0.0))
        base = structural_features(
            problems,
            self.rule_names,
            size_chars=int(features.get("size_chars", 0.0)),
            n_lines=int(lines),
            syntax_stats=stats,
            syntax_keys=keys,
        )
        if not self.embedding_dims:
            return base
        return np.concatenate([base, self.context(embedding)]).astype(np.float32)

    def context(self, embedding: Sequence[float] | np.ndarray | None) -> np.ndarray:
        """The context slots for ``embedding`` (zeros and flag 0 when None)."""
        if not self.embedding_dims:
            return np.zeros(0, np.float32)
        if embedding is None:
            return np.zeros(self.context_size, np.float32)
        values = np.asarray(embedding, dtype=np.float64).reshape(-1)
        if not np.all(np.isfinite(values)):
            raise ValueError("embedding has non-finite values")
        projected = values @ _projection(values.shape[0], self.embedding_dims, self.embedding_seed)
        return np.concatenate([projected, [1.0]]).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable description (stored with checkpoints)."""
        return {
            "rule_names": list(self.rule_names),
            "syntax_keys": list(self.syntax_keys),
            "embedding_dims": self.embedding_dims,
            "embedding_seed": self.embedding_seed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StateLayout:
        return cls(
            tuple(data["rule_names"]),
            tuple(data["syntax_keys"]),
            int(data["embedding_dims"]),
            int(data["embedding_seed"]),
        )


def _unknown(rule: str) -> int:
    raise KeyError(f"{rule!r} is not one of the planner's rules")
