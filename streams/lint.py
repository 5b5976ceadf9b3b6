"""`fixstream fix`: the engine as an ESLint-shaped command line tool, offline.

Plain functions (configuration, file discovery, checking one file, formatting) that the
click command in :mod:`streams.cli` strings together; files run in parallel processes.
"""

from __future__ import annotations

import fnmatch
import json
import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
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

from .client import SKIPPED_DIRS, SOURCE_SUFFIXES

__all__ = ["LintConfig", "UsageError", "load_config", "parse_rule_flags", "parse_ecma_version",
           "discover", "lint_file", "lint_files", "format_stylish", "format_json", "exit_code"]


class UsageError(Exception):
    """A bad flag or configuration: exit code 2 with this message."""


@dataclass(frozen=True)
class LintConfig:
    """Rules (name → ESLint options or None), source type and ECMAScript version
    overrides, ignore globs."""

    rules: dict[str, Any] | None = None
    source_type: str | None = None
    ecma_version: EcmaVersion = None
    ignores: tuple[str, ...] = ()
    origin: str | None = None


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
    ecma_version = parse_ecma_version(section.get("ecma-version", section.get("ecma_version")),
                                      f"{path}: `ecma-version`")
    ignores = section.get("ignores", [])
    if not isinstance(ignores, list):
        raise UsageError(f"{path}: `ignores` must be a list of globs")
    base = path.parent
    return LintConfig(rules=rules, source_type=source_type, ecma_version=ecma_version,
                      ignores=tuple(str(base / g) for g in ignores), origin=str(path))


def _ignored(path: Path, ignores: Iterable[str]) -> bool:
    text = str(path.resolve())
    return any(fnmatch.fnmatch(text, pattern) or fnmatch.fnmatch(text, pattern + "/*")
               for pattern in ignores)


def discover(paths: Sequence[str | Path], ignores: Sequence[str] = ()) -> Iterator[Path]:
    """Files to check: files given directly, and source files under folders (skipping
    ``node_modules``, build output, hidden folders and ``ignores``)."""
    for given in paths:
        path = Path(given)
        if path.is_file():
            yield path
            continue
        if not path.is_dir():
            raise UsageError(f"no such file or folder: {path}")
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")
                             and not _ignored(Path(folder, d), ignores))
            for name in sorted(files):
                file = Path(folder, name)
                if file.suffix in SOURCE_SUFFIXES and not _ignored(file, ignores):
                    yield file


@dataclass
class FileResult:
    """One file's outcome in ESLint's JSON formatter shape (see :func:`format_json`)."""

    path: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    output: str | None = None
    fatal: bool = False

    @property
    def error_count(self) -> int:
        return len(self.messages)

    @property
    def fixable_count(self) -> int:
        return sum(1 for m in self.messages if m.get("fix") is not None)


_MATCHERS: dict[str, PatternMatcher] = {}  # per process, by rule configuration


def lint_file(path: str, rules: Mapping[str, Any] | None, source_type: str | None,
              fix: bool, ecma_version: EcmaVersion = None) -> FileResult:
    """Check one file (and fix it in memory when ``fix``); never raises."""
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
            "warningCount": 0,
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

    lines: list[str] = []
    total = fixable = 0
    for r in results:
        if not r.messages:
            continue
        lines.append(style(r.path, "4"))
        for m in r.messages:
            where = f"{m['line']}:{m['column']}"
            lines.append(f"  {where:<8} {style('error', '31')}  {m['message']}  "
                         f"{style(m['ruleId'] or '', '2')}")
        lines.append("")
        total += r.error_count
        fixable += r.fixable_count
    if total:
        summary = f"✖ {total} problem{'s' if total != 1 else ''}"
        if fixable:
            summary += f"\n  {fixable} fixable with the `--fix` option"
        lines.append(style(summary, "1;31"))
    return "\n".join(lines)


def exit_code(results: Sequence[FileResult]) -> int:
    """ESLint's: 0 when no problem remains, 1 when some do."""
    return 1 if any(r.messages for r in results) else 0
