"""fixstream's fix engine: tree-sitter parsing, ESLint-compatible rules, a
verified multipass fixer, and LSP edits.

>>> from patterns import PatternMatcher
>>> fixed, report = PatternMatcher().apply_fixes("let x = 1; foo(x);")
>>> fixed
'const x = 1; foo(x);'
"""

from .ecma import LATEST_ECMA_VERSION, EcmaVersion, normalize_ecma_version
from .exceptions import (
    InvalidRuleOptions,
    ParseFailure,
    ParseTimeout,
    PatternError,
    UnknownRule,
    UnsupportedLanguage,
)
from .fixer import apply_pass, fix_source
from .incremental import IncrementalDocument
from .matcher import RULESET_VERSION, PatternMatcher, RuleSelection
from .parsing import (
    LANGUAGES,
    ParsedSource,
    error_count,
    has_syntax_errors,
    language_for_path,
    parse,
)
from .registry import RULES, all_rule_names, get_rule
from .rule import Rule, RuleContext
from .textedits import apply_lsp_edits, to_lsp_edits
from .types import AppliedFix, FixReport, Problem, SkippedFix, TextEdit

__all__ = [
    "LANGUAGES",
    "LATEST_ECMA_VERSION",
    "RULES",
    "RULESET_VERSION",
    "AppliedFix",
    "EcmaVersion",
    "FixReport",
    "IncrementalDocument",
    "InvalidRuleOptions",
    "ParseFailure",
    "ParseTimeout",
    "ParsedSource",
    "PatternError",
    "PatternMatcher",
    "Problem",
    "Rule",
    "RuleContext",
    "RuleSelection",
    "SkippedFix",
    "TextEdit",
    "UnknownRule",
    "UnsupportedLanguage",
    "all_rule_names",
    "apply_lsp_edits",
    "apply_pass",
    "error_count",
    "fix_source",
    "get_rule",
    "has_syntax_errors",
    "language_for_path",
    "normalize_ecma_version",
    "parse",
    "to_lsp_edits",
]
