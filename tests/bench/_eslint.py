"""ESLint 9 and an npm source corpus, for the parity benchmark.

Everything lives in one cache folder (``<repo>/.cache/bench`` by default):

- ``eslint/``: ``npm install eslint@9``; also holds the worker script, so that
  Node resolves ``eslint`` from there;
- ``corpus/``: ``npm install --ignore-scripts`` of popular packages (and their
  dependencies), the source of the benchmark files;
- ``files/``: the selected files, copied out of ``node_modules`` (ESLint ignores
  ``node_modules`` by default) with their bytes unchanged.

:func:`run_cli` times ESLint's command line; :class:`EslintWorker` keeps one
Node process with ESLint's ``Linter`` for the many small checks that attribute
and minimise differences.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

__all__ = [
    "DEFAULT_PACKAGES",
    "CorpusFile",
    "EslintMessage",
    "EslintResult",
    "EslintWorker",
    "Stopwatch",
    "Timing",
    "collect_files",
    "ensure_installed",
    "eslint_entry",
    "messages_of",
    "run_cli",
    "source_type_for",
    "write_config",
]

DEFAULT_PACKAGES: Final = (
    "lodash-es",
    "underscore",
    "async",
    "express",
    "chalk",
    "commander",
    "moment",
    "axios",
    "yargs",
    "debug",
    "uuid",
    "semver",
    "minimist",
    "qs",
)

_SUFFIXES: Final = (".js", ".mjs", ".cjs")
_MINIFIED: Final = (".min.js", ".min.mjs", ".min.cjs")
MAX_BYTES: Final = 200_000


SourceType = Literal["module", "commonjs"]


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock seconds, and the CPU seconds (user + system) spent meanwhile."""

    wall: float
    cpu: float

    @staticmethod
    def best(timings: Iterable[Timing]) -> Timing:
        """The least wall time and the least CPU time of several runs."""
        runs = list(timings)
        return Timing(min(t.wall for t in runs), min(t.cpu for t in runs))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Stopwatch:
    """Times a block: wall clock, and CPU of this process or of the child processes
    it waits for (``children=True``). On a shared machine the CPU time is the
    steadier figure."""

    def __init__(self, *, children: bool = False) -> None:
        self._cpu = _children_cpu if children else time.process_time
        self.timing = Timing(0.0, 0.0)

    def __enter__(self) -> Stopwatch:
        self._start = (time.perf_counter(), self._cpu())
        return self

    def __exit__(self, *_: object) -> None:
        self.timing = Timing(time.perf_counter() - self._start[0], self._cpu() - self._start[1])


def source_type_for(path: str) -> SourceType:
    """ESLint 9's default ``sourceType`` for a file name: commonjs for .cjs, else module."""
    return "commonjs" if path.endswith(".cjs") else "module"


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """One benchmark file: its path relative to the cache folder, and its text."""

    path: str  # "files/<package>/<path in package>"
    package: str
    origin: str  # where it came from: "corpus/node_modules/<package>/..."
    text: str

    @property
    def source_type(self) -> SourceType:
        return source_type_for(self.path)


def _npm_install(prefix: Path, packages: Sequence[str], ignore_scripts: bool) -> None:
    command = ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
               "--loglevel", "error"]
    if ignore_scripts:
        command.append("--ignore-scripts")
    done = subprocess.run([*command, *packages], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"npm install {' '.join(packages)} failed:\n{done.stderr}")


def _package_name(spec: str) -> str:
    """``name`` of ``name``, ``name@1.2`` or ``@scope/name@1.2``."""
    if spec.startswith("@"):
        return "@" + spec[1:].split("@", 1)[0]
    return spec.split("@", 1)[0]


def _installed(prefix: Path, packages: Iterable[str]) -> bool:
    modules = prefix / "node_modules"
    return all((modules / _package_name(spec)).is_dir() for spec in packages)


def eslint_entry(cache: Path) -> Path:
    """ESLint's command-line script inside the cache."""
    return cache / "eslint" / "node_modules" / "eslint" / "bin" / "eslint.js"


def ensure_installed(cache: Path, packages: Sequence[str], *, reinstall: bool = False) -> str:
    """Install eslint@9 and ``packages`` into the cache unless there already.

    Returns ESLint's version.
    """
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise SystemExit("this benchmark needs node and npm on PATH")
    cache.mkdir(parents=True, exist_ok=True)
    if reinstall:
        for folder in ("eslint", "corpus"):
            shutil.rmtree(cache / folder, ignore_errors=True)
    if not eslint_entry(cache).is_file():
        _npm_install(cache / "eslint", ["eslint@9"], ignore_scripts=False)
    if not _installed(cache / "corpus", packages):
        _npm_install(cache / "corpus", packages, ignore_scripts=True)
    manifest = cache / "eslint" / "node_modules" / "eslint" / "package.json"
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def _package_folders(modules: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for entry in sorted(modules.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        if entry.name.startswith("@"):
            found.extend((f"{entry.name}/{p.name}", p) for p in sorted(entry.iterdir())
                         if p.is_dir())
        else:
            found.append((entry.name, entry))
    return [(name, path) for name, path in found if not name.startswith("eslint")]


def _package_sources(folder: Path) -> list[Path]:
    sources = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "node_modules" and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(_SUFFIXES) and not name.endswith(_MINIFIED):
                sources.append(Path(root) / name)
    return sources


def collect_files(cache: Path, max_files: int) -> list[CorpusFile]:
    """Pick up to ``max_files`` corpus sources and copy them to ``<cache>/files``.

    Files are taken round-robin over the installed packages (so a cap keeps
    every package), skipping minified files, files over 200 KB, files that are
    not UTF-8 and byte-identical duplicates. The selection is deterministic.
    """
    queues = []
    for name, folder in _package_folders(cache / "corpus" / "node_modules"):
        sources = _package_sources(folder)
        if sources:
            queues.append((name, folder, sources))
    chosen: list[tuple[str, Path, Path, bytes]] = []
    seen: set[bytes] = set()
    index = 0
    while len(chosen) < max_files and any(index < len(q[2]) for q in queues):
        for name, folder, sources in queues:
            if len(chosen) >= max_files:
                break
            if index >= len(sources):
                continue
            path = sources[index]
            if path.stat().st_size > MAX_BYTES:
                continue
            data = path.read_bytes()
            digest = hashlib.sha1(data).digest()
            if digest in seen:
                continue
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            seen.add(digest)
            chosen.append((name, folder, path, data))
        index += 1
    target = cache / "files"
    shutil.rmtree(target, ignore_errors=True)
    corpus = []
    for name, folder, path, data in chosen:
        relative = Path("files") / name.replace("/", "__") / path.relative_to(folder)
        (cache / relative).parent.mkdir(parents=True, exist_ok=True)
        (cache / relative).write_bytes(data)
        origin = path.relative_to(cache).as_posix()
        corpus.append(CorpusFile(relative.as_posix(), name, origin, data.decode("utf-8")))
    return corpus


def write_config(path: Path, rules: Sequence[str]) -> None:
    """An ESLint flat config enabling exactly ``rules`` at "error" with default options.

    Source types are ESLint 9's defaults, written out; unused disable
    directives are not reported (ESLint 9 would otherwise remove them with its
    fixes, a change no rule of ours makes).
    """
    enabled = {rule: "error" for rule in rules}
    path.write_text(
        "export default [\n"
        '  { files: ["**/*.js", "**/*.mjs"], languageOptions: { sourceType: "module" } },\n'
        '  { files: ["**/*.cjs"], languageOptions: { sourceType: "commonjs" } },\n'
        '  { linterOptions: { reportUnusedDisableDirectives: "off" },\n'
        f"    rules: {json.dumps(enabled)} }},\n"
        "];\n",
        encoding="utf-8",
    )


def run_cli(cache: Path, config: Path, target: str, *, fix: bool, cpu: int | None
            ) -> tuple[list[dict[str, Any]], Timing]:
    """Run ESLint's CLI (``--format json``) on ``target`` (relative to the cache).

    With ``fix``, ``--fix-dry-run``. Pinned to core ``cpu`` with taskset when
    given. Returns the JSON results and the time taken.
    """
    output = cache / ("eslint-fix.json" if fix else "eslint-lint.json")
    command = ["node", str(eslint_entry(cache)), "-c", str(config), "--format", "json",
               "-o", str(output)]
    if fix:
        command.append("--fix-dry-run")
    command.append(target)
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    with Stopwatch(children=True) as watch:
        done = subprocess.run(command, cwd=cache, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"ESLint failed ({done.returncode}):\n{done.stderr or done.stdout}")
    results: list[dict[str, Any]] = json.loads(output.read_text(encoding="utf-8"))
    return results, watch.timing


@dataclass(frozen=True, slots=True)
class EslintMessage:
    rule: str | None
    line: int
    column: int
    fatal: bool
    message: str


@dataclass(frozen=True, slots=True)
class EslintResult:
    output: str
    messages: list[EslintMessage]

    @property
    def fatal(self) -> EslintMessage | None:
        return next((m for m in self.messages if m.fatal), None)


def messages_of(raw: Iterable[dict[str, Any]]) -> list[EslintMessage]:
    """ESLint's JSON messages as values."""
    return [EslintMessage(m.get("ruleId"), int(m.get("line", 0)), int(m.get("column", 0)),
                          bool(m.get("fatal", False)), str(m.get("message", "")))
            for m in raw]


_WORKER: Final = """\
// Written by tests/bench/_eslint.py: one JSON request per line in, one reply per line out.
import readline from "node:readline";
import { Linter } from "eslint";
import { builtinRules } from "eslint/use-at-your-own-risk";

const linter = new Linter({ configType: "flat" });
const write = (value) => process.stdout.write(JSON.stringify(value) + "\\n");
write({ version: Linter.version, rules: [...builtinRules.keys()] });
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  const request = JSON.parse(line);
  const config = [{
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: { sourceType: request.sourceType },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: Object.fromEntries(request.rules.map((rule) => [rule, "error"])),
  }];
  try {
    const options = { filename: request.filename };
    const result = request.fix
      ? linter.verifyAndFix(request.code, config, options)
      : { output: request.code, messages: linter.verify(request.code, config, options) };
    write({ output: result.output, messages: result.messages });
  } catch (error) {
    write({ error: String(error && error.stack || error) });
  }
}
"""


class EslintWorker:
    """A Node process running ESLint's ``Linter`` on texts sent to it.

    ``check`` with ``fix`` gives ``verifyAndFix``'s output (up to 10 passes,
    like ``--fix-dry-run``) and the messages left; without, the text
    unchanged and its messages.
    """

    def __init__(self, cache: Path) -> None:
        script = cache / "eslint" / "eslint_worker.mjs"
        script.write_text(_WORKER, encoding="utf-8")
        self._process = subprocess.Popen(
            ["node", str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8", cwd=cache / "eslint",
        )
        hello = json.loads(self._readline())
        self.version: str = hello["version"]
        self.builtin_rules: frozenset[str] = frozenset(hello["rules"])

    def _readline(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the ESLint worker exited")
        return line

    def check(self, code: str, filename: str, rules: Sequence[str], *, fix: bool
              ) -> EslintResult:
        assert self._process.stdin is not None
        request = {"code": code, "filename": filename, "rules": list(rules),
                   "sourceType": source_type_for(filename), "fix": fix}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        reply = json.loads(self._readline())
        if "error" in reply:
            raise RuntimeError(f"ESLint failed on {filename}: {reply['error']}")
        return EslintResult(reply["output"], messages_of(reply["messages"]))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=10)

    def __enter__(self) -> EslintWorker:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
