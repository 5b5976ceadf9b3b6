"""`fixstream fix`: the engine as an ESLint-shaped command line tool, offline.

Plain functions (configuration, file discovery, checking one file, formatting) that the
click command in :mod:`streams.cli` strings together; files run in parallel processes.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patterns import (
    EcmaVersion,
    PatternError,
    PatternMatcher,
    language_for_path,
    normalize_ecma_version,
)

from .client import SOURCE_SUFFIXES

__all__ = ["DEFAULT_IGNORES", "IgnoreRules", "LintConfig", "UsageError", "load_config",
           "parse_rule_flags", "parse_ecma_version", "default_source_type", "ignore_rules",
           "select_files", "Selection", "ignored_result", "IGNORED_BY_PATTERN",
           "IGNORED_NODE_MODULES", "lint_file", "lint_files", "format_stylish", "format_json",
           "exit_code"]

#: ESLint 9's default ignores, relative to the working folder.
DEFAULT_IGNORES: tuple[str, ...] = ("**/node_modules/", ".git/")
_SOURCE_TYPES = ("module", "script", "commonjs")


class UsageError(Exception):
    """A bad flag or configuration: exit code 2 with this message."""


@dataclass(frozen=True)
class LintConfig:
    """Rules (name → ESLint options or None), source type and ECMAScript version
    overrides, ignore globs (relative to the config file's folder)."""

    rules: dict[str, Any] | None = None
    source_type: str | None = None
    ecma_version: EcmaVersion = None
    ignores: tuple[str, ...] = ()
    origin: str | None = None

    @property
    def base(self) -> Path | None:
        """The folder the config's ``ignores`` are relative to."""
        return Path(self.origin).parent if self.origin is not None else None


@dataclass(frozen=True)
class _IgnoreRule:
    base: Path  # absolute
    regex: re.Pattern[str]
    negated: bool
    folders_only: bool


def _absolute(path: Path) -> Path:
    """``path`` made absolute and normalised, symbolic links kept (as ESLint's paths)."""
    return Path(os.path.abspath(path))


def _glob_alternatives(glob: str) -> list[str]:
    """``glob`` with its ``{a,b}`` groups expanded."""
    match = re.search(r"\{([^{}]*,[^{}]*)\}", glob)
    if match is None:
        return [glob]
    head, tail = glob[:match.start()], glob[match.end():]
    return [expanded for choice in match.group(1).split(",")
            for expanded in _glob_alternatives(head + choice + tail)]


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and segment.find("]", i + 2) != -1:
            end = segment.find("]", i + 2)
            body = segment[i + 1:end]
            negated = body[:1] in ("!", "^")
            escaped = "".join(c if c == "-" else re.escape(c) for c in body[negated:])
            out.append("[" + ("^" if negated else "") + escaped + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _glob_regex(glob: str) -> str:
    parts = glob.split("/")
    out: list[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
        else:
            out.append(_segment_regex(part) + ("" if last else "/"))
    return "".join(out)


@dataclass(frozen=True)
class IgnoreRules:
    """ESLint 9's ignore patterns (minimatch globs, dot files included), each relative
    to a base folder: ``dist/`` is the folder ``dist`` beside the config, ``**/dist/``
    any ``dist``, ``*.js`` only files at the base; a trailing ``/`` matches folders
    only; ``!glob`` takes a path back. The last pattern that matches decides, and
    everything in an ignored folder is ignored."""

    rules: tuple[_IgnoreRule, ...] = ()

    @staticmethod
    def of(base: Path, globs: Iterable[str]) -> IgnoreRules:
        """The rules for ``globs``, relative to ``base``."""
        root = _absolute(base)
        rules = []
        for raw in globs:
            glob = raw.strip()
            negated = glob.startswith("!")
            glob = glob[1:] if negated else glob
            while glob.startswith("./"):
                glob = glob[2:]
            glob = glob.lstrip("/")
            folders_only = glob.endswith("/")
            glob = glob.rstrip("/")
            if not glob:
                continue
            pattern = "|".join(_glob_regex(g) for g in _glob_alternatives(glob))
            rules.append(_IgnoreRule(root, re.compile(f"(?:{pattern})"), negated, folders_only))
        return IgnoreRules(tuple(rules))

    def __add__(self, other: IgnoreRules) -> IgnoreRules:
        return IgnoreRules(self.rules + other.rules)

    def ignores(self, path: Path, *, folder: bool) -> bool:
        """Whether ``path`` (this path alone, not its folders) is ignored."""
        absolute = _absolute(path)
        ignored = False
        for rule in self.rules:
            if rule.folders_only and not folder:
                continue
            try:
                relative = absolute.relative_to(rule.base).as_posix()
            except ValueError:
                continue  # outside the pattern's base: never matched
            if relative != "." and rule.regex.fullmatch(relative):
                ignored = not rule.negated
        return ignored

    def ignores_within(self, path: Path, *, folder: bool) -> bool:
        """Whether ``path`` or one of the folders above it is ignored."""
        absolute = _absolute(path)
        return self.ignores(absolute, folder=folder) or any(
            self.ignores(parent, folder=True) for parent in absolute.parents)


def parse_rule_flags(flags: Sequence[str]) -> dict[str, Any]:
    """``--rule NAME`` or ``--rule 'NAME:OPTIONS_JSON'`` → ``{name: options}``."""
    rules: dict[str, Any] = {}
    for flag in flags:
        name, sep, raw = flag.partition(":")
        name = name.strip()
        if not name:
            raise UsageError(f"--rule {flag!r}: give a rule name, optionally NAME:OPTIONS_JSON")
        if not sep:
            rules[name] = None
            continue
        try:
            rules[name] = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--rule {flag!r}: the options are not JSON ({exc.msg}); "
                             """write e.g. --rule 'eqeqeq:["always", {"null": "ignore"}]'""") \
                from None
    return rules


def parse_ecma_version(value: object, where: str = "--ecma-version") -> EcmaVersion:
    """An ESLint ``ecmaVersion`` (``"latest"``, an edition or a year, digits allowed
    in a string) checked, or None when not given."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, (int, str)):
        try:
            normalize_ecma_version(value)
        except ValueError:
            pass
        else:
            return value
    raise UsageError(f"{where}: give an ECMAScript version like 2020, 11 or \"latest\", "
                     f"got {value!r}")


def load_config(start: Path) -> LintConfig:
    """``fixstream.toml`` or ``[tool.fixstream]`` of ``pyproject.toml``, nearest first.

    Keys: ``rules`` (a list of names or a table of name → ESLint options),
    ``source-type``, ``ecma-version``, ``ignores`` (globs relative to the config
    file's folder).
    """
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        for name in ("fixstream.toml", "pyproject.toml"):
            path = candidate / name
            if not path.is_file():
                continue
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise UsageError(f"cannot read {path}: {exc}") from None
            section = data if name == "fixstream.toml" else data.get("tool", {}).get("fixstream")
            if section is None:
                continue
            return _config_from(section, path)
    return LintConfig()


def _config_from(section: Mapping[str, Any], path: Path) -> LintConfig:
    raw_rules = section.get("rules")
    rules: dict[str, Any] | None
    if raw_rules is None:
        rules = None
    elif isinstance(raw_rules, list):
        rules = {str(name): None for name in raw_rules}
    elif isinstance(raw_rules, dict):
        rules = dict(raw_rules)
    else:
        raise UsageError(f"{path}: `rules` must be a list of names or a table of options")
    source_type = section.get("source-type", section.get("source_type"))
    if source_type is not None and source_type not in _SOURCE_TYPES:
        raise UsageError(f"{path}: `source-type` must be one of {', '.join(_SOURCE_TYPES)}, "
                         f"got {source_type!r}")
    ecma_version = parse_ecma_version(section.get("ecma-version", section.get("ecma_version")),
                                      f"{path}: `ecma-version`")
    ignores = section.get("ignores", [])
    if not isinstance(ignores, list) or not all(isinstance(g, str) for g in ignores):
        raise UsageError(f"{path}: `ignores` must be a list of globs")
    return LintConfig(rules=rules, source_type=source_type, ecma_version=ecma_version,
                      ignores=tuple(ignores), origin=str(path))


def ignore_rules(config: LintConfig, patterns: Sequence[str] = (), *, use_ignores: bool = True,
                 cwd: Path | None = None) -> IgnoreRules:
    """ESLint 9's ignores, in its order: the defaults (``**/node_modules/``, ``.git/``),
    the config's ``ignores`` (relative to its folder), then ``--ignore-pattern``
    globs (relative to the working folder); a later ``!glob`` can undo an earlier one.
    ``use_ignores`` false (``--no-ignore``) keeps only the defaults, as ESLint 9 does."""
    here = Path.cwd() if cwd is None else cwd
    rules = IgnoreRules.of(here, DEFAULT_IGNORES)
    if not use_ignores:
        return rules
    if config.base is not None:
        rules += IgnoreRules.of(config.base, config.ignores)
    return rules + IgnoreRules.of(here, patterns)


#: ESLint 9's warnings for a file named on the command line that the ignores leave out.
IGNORED_BY_PATTERN = ('File ignored because of a matching ignore pattern. Use "--no-ignore" to '
                      'disable file ignore settings or use "--no-warn-ignored" to suppress this '
                      'warning.')
IGNORED_NODE_MODULES = ('File ignored by default because it is located under the node_modules '
                        'directory. Use ignore pattern "!**/node_modules/" to disable file ignore '
                        'settings or use "--no-warn-ignored" to suppress this warning.')


@dataclass
class Selection:
    """What a command line names: the files to check, in order, and the files named
    directly that the ignores leave out (ESLint warns about those, see :func:`ignored_result`)."""

    files: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)


def select_files(paths: Sequence[str | Path], ignores: IgnoreRules | None = None, *,
                 error_on_unmatched: bool = True) -> Selection:
    """The files to check: files given directly, and source files under folders, leaving
    out what ``ignores`` ignores (default: ESLint 9's defaults, ``**/node_modules/``
    and ``.git/`` of the working folder; build output and dot folders are checked).

    As ESLint 9: a file named directly but ignored goes to :attr:`Selection.ignored`; a
    folder that is ignored, or holds no source file, is a :class:`UsageError` unless
    ``error_on_unmatched`` is false (``--no-error-on-unmatched-pattern``).
    """
    rules = ignore_rules(LintConfig()) if ignores is None else ignores
    selection = Selection()
    for given in paths:
        path = Path(given)
        if path.is_file():
            if rules.ignores_within(path, folder=False):
                selection.ignored.append(path)
            else:
                selection.files.append(path)
            continue
        if not path.is_dir():
            raise UsageError(f"no such file or folder: {path}")
        if rules.ignores_within(path, folder=True):
            if error_on_unmatched:
                raise UsageError(
                    f'all of the files in "{given}" are ignored (by the default ignores, the '
                    "config's `ignores` or --ignore-pattern): remove it from the arguments, or "
                    "pass --no-error-on-unmatched-pattern")
            continue
        found = len(selection.files)
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not rules.ignores(Path(folder, d), folder=True))
            for name in sorted(files):
                file = Path(folder, name)
                if file.suffix in SOURCE_SUFFIXES and not rules.ignores(file, folder=False):
                    selection.files.append(file)
        if error_on_unmatched and len(selection.files) == found:
            raise UsageError(
                f'no files matching "{given}" were found (source files end in '
                f"{', '.join(sorted(SOURCE_SUFFIXES))}); check the path, or pass "
                "--no-error-on-unmatched-pattern")
    return selection


def ignored_result(path: str | Path) -> FileResult:
    """ESLint's result for a file named directly but ignored: one warning, no rule."""
    absolute = _absolute(Path(path))
    message = (IGNORED_NODE_MODULES if "node_modules" in absolute.parts[:-1]
               else IGNORED_BY_PATTERN)
    return FileResult(path=str(absolute), messages=[
        {"ruleId": None, "fatal": False, "severity": 1, "message": message, "nodeType": None}])


def default_source_type(path: str | Path) -> str:
    """ESLint 9's default ``sourceType`` for a file: commonjs for ``.cjs``, else module."""
    return "commonjs" if Path(path).suffix.lower() == ".cjs" else "module"


@dataclass
class FileResult:
    """One file's outcome in ESLint's JSON formatter shape (see :func:`format_json`)."""

    path: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    output: str | None = None
    fatal: bool = False

    @property
    def error_count(self) -> int:
        return sum(1 for m in self.messages if m.get("severity", 2) == 2)

    @property
    def warning_count(self) -> int:
        return sum(1 for m in self.messages if m.get("severity") == 1)

    @property
    def fixable_count(self) -> int:
        return sum(1 for m in self.messages if m.get("fix") is not None)


_MATCHERS: dict[str, PatternMatcher] = {}  # per process, by rule configuration


def lint_file(path: str, rules: Mapping[str, Any] | None, source_type: str | None,
              fix: bool, ecma_version: EcmaVersion = None) -> FileResult:
    """Check one file (and fix it in memory when ``fix``); never raises.

    ``source_type`` None: :func:`default_source_type` of the file name.
    """
    result = FileResult(path=str(Path(path).resolve()))
    try:
        raw = Path(path).read_bytes()
        if b"\x00" in raw[:8192]:
            raise UnicodeDecodeError("utf-8", raw[:1], 0, 1, "binary file")
        code = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else exc.strerror or exc
        result.fatal = True
        result.messages.append({"ruleId": None, "fatal": True, "severity": 2, "line": 1,
                                "column": 1, "message": f"Cannot read file: {reason}"})
        return result
    key = json.dumps(rules, sort_keys=True, default=str)
    matcher = _MATCHERS.get(key)
    if matcher is None:
        matcher = _MATCHERS[key] = PatternMatcher(dict(rules) if rules is not None else None)
    if source_type is None:
        source_type = default_source_type(path)
    try:
        language = language_for_path(path)
        if fix:
            fixed, report = matcher.apply_fixes(code, language=language,
                                                source_type=source_type,
                                                ecma_version=ecma_version)
            problems = report.remaining
            if fixed != code:
                result.output = fixed
        else:
            problems = matcher.analyze_code(code, language=language, source_type=source_type,
                                            ecma_version=ecma_version)
    except PatternError as exc:
        result.fatal = True
        result.messages.append({"ruleId": None, "fatal": True, "severity": 2, "line": 1,
                                "column": 1, "message": str(exc)})
        return result
    for p in sorted(problems, key=lambda p: (p.line, p.column, p.rule)):
        message: dict[str, Any] = {
            "ruleId": p.rule, "severity": 2, "message": p.message, "line": p.line,
            "column": p.column, "endLine": p.end_line, "endColumn": p.end_column,
        }
        if p.fix is not None:
            message["fix"] = {"range": [p.fix.start, p.fix.end], "text": p.fix.text}
        result.messages.append(message)
    return result


def _lint_chunk(args: tuple[list[str], dict[str, Any] | None, str | None, bool, EcmaVersion]
                ) -> list[FileResult]:
    paths, rules, source_type, fix, ecma_version = args
    return [lint_file(p, rules, source_type, fix, ecma_version) for p in paths]


def lint_files(paths: Sequence[Path], rules: Mapping[str, Any] | None, source_type: str | None,
               fix: bool, jobs: int = 1, progress: Any = None,
               ecma_version: EcmaVersion = None) -> list[FileResult]:
    """Check every file, in ``jobs`` processes; results in the order of ``paths``."""
    rule_map = dict(rules) if rules is not None else None
    if rule_map is not None:
        PatternMatcher(rule_map)  # unknown rules and bad options fail here, once
    names = [str(p) for p in paths]
    if jobs <= 1 or len(names) < 2 * jobs:
        results = []
        for name in names:
            results.append(lint_file(name, rule_map, source_type, fix, ecma_version))
            if progress is not None:
                progress(1)
        return results
    size = max(1, min(64, len(names) // (jobs * 4)))
    chunks = [names[i:i + size] for i in range(0, len(names), size)]
    out: list[FileResult] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for chunk_result in pool.map(_lint_chunk, [(c, rule_map, source_type, fix, ecma_version)
                                                   for c in chunks]):
            out.extend(chunk_result)
            if progress is not None:
                progress(len(chunk_result))
    return out


def format_json(results: Sequence[FileResult]) -> str:
    """ESLint's JSON formatter shape, so tools that read ESLint JSON read ours."""
    entries = []
    for r in results:
        entry: dict[str, Any] = {
            "filePath": r.path,
            "messages": r.messages,
            "suppressedMessages": [],
            "errorCount": r.error_count,
            "fatalErrorCount": 1 if r.fatal else 0,
            "warningCount": r.warning_count,
            "fixableErrorCount": r.fixable_count,
            "fixableWarningCount": 0,
            "usedDeprecatedRules": [],
        }
        if r.output is not None:
            entry["output"] = r.output
        entries.append(entry)
    return json.dumps(entries)


def format_stylish(results: Sequence[FileResult], color: bool = True) -> str:
    """Human-readable report: problems grouped by file, then a summary line."""
    def style(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'s' if count != 1 else ''}"

    lines: list[str] = []
    errors = warnings = fixable = 0
    for r in results:
        if not r.messages:
            continue
        lines.append(style(r.path, "4"))
        for m in r.messages:
            where = f"{m.get('line', 0)}:{m.get('column', 0)}"
            kind = style("error", "31") if m.get("severity", 2) == 2 else style("warning", "33")
            lines.append(f"  {where:<8} {kind}  {m['message']}  "
                         f"{style(m['ruleId'] or '', '2')}")
        lines.append("")
        errors += r.error_count
        warnings += r.warning_count
        fixable += r.fixable_count
    if errors or warnings:
        summary = (f"✖ {plural(errors + warnings, 'problem')} ({plural(errors, 'error')}, "
                   f"{plural(warnings, 'warning')})")
        if fixable:
            summary += f"\n  {fixable} fixable with the `--fix` option"
        lines.append(style(summary, "1;31" if errors else "1;33"))
    return "\n".join(lines)


def exit_code(results: Sequence[FileResult]) -> int:
    """ESLint's: 1 when an error remains, else 0 (warnings alone exit 0)."""
    return 1 if any(r.error_count for r in results) else 0
