"""What producers and subscribers need: files to change events, a WebSocket subscriber."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .records import CodeChange

__all__ = ["SOURCE_SUFFIXES", "SKIPPED_DIRS", "iter_source_files", "change_for_file",
           "Subscriber"]

#: Extensions the pattern engine reads.
SOURCE_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"})
#: Folders never walked: dependencies, build output, VCS metadata.
SKIPPED_DIRS = frozenset({"node_modules", ".git", ".hg", ".svn", "dist", "build", "coverage",
                          ".next", ".cache", "__pycache__", ".venv"})


def iter_source_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path]]:
    """``(file, root)`` for every source file under ``paths``, in a stable order.

    A file given directly is yielded whatever its extension; folders are walked for the
    known extensions, skipping :data:`SKIPPED_DIRS` and hidden folders.
    """
    for given in paths:
        path = Path(given)
        if path.is_file():
            yield path, path.parent
            continue
        if not path.is_dir():
            raise FileNotFoundError(f"no such file or folder: {path}")
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
            for name in sorted(files):
                file = Path(folder, name)
                if file.suffix in SOURCE_SUFFIXES:
                    yield file, path


def change_for_file(file: Path, root: Path, repo: str, revision: int | None = None,
                    client: str = "fixstream-cli") -> CodeChange:
    """A change event for one file; the revision defaults to its modification time (µs)."""
    content = file.read_bytes().decode("utf-8")
    relative = file.resolve().relative_to(root.resolve()).as_posix()
    rev = revision if revision is not None else file.stat().st_mtime_ns // 1000
    return CodeChange(repo=repo, path=relative, revision=rev, content=content, client=client)


class Subscriber:
    """A WebSocket client of the gateway: subscribe, then iterate over fix results."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection: ClientConnection | None = None
        self.client_id: str | None = None
        self._early: list[dict[str, Any]] = []

    async def __aenter__(self) -> Subscriber:
        self._connection = await connect(self.url, max_size=None)
        welcome = json.loads(await self._connection.recv())
        self.client_id = welcome.get("client")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._connection is not None:
            await self._connection.close()

    @property
    def connection(self) -> ClientConnection:
        if self._connection is None:
            raise RuntimeError("use `async with Subscriber(url)` first")
        return self._connection

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one message and return the gateway's direct reply (ack, pong or error).

        Fix frames that arrive meanwhile are kept for :meth:`fixes`.
        """
        await self.connection.send(json.dumps(message))
        while True:
            frame = json.loads(await self.connection.recv())
            if frame.get("type") == "fix":
                self._early.append(frame)
                continue
            return frame

    async def subscribe(self, repo: str, paths: Iterable[str] = ()) -> str:
        reply = await self.request({"type": "subscribe", "repo": repo, "paths": list(paths)})
        if reply.get("type") != "ack":
            raise RuntimeError(f"subscription refused: {reply.get('message')}")
        return str(reply["subscription"])

    async def frames(self) -> AsyncIterator[dict[str, Any]]:
        """Every frame from now on (fixes, errors), decoded."""
        while self._early:
            yield self._early.pop(0)
        async for raw in self.connection:
            yield json.loads(raw)

    async def fixes(self) -> AsyncIterator[dict[str, Any]]:
        """Fix results, as the ``result`` objects of ``fix`` frames."""
        async for frame in self.frames():
            if frame.get("type") == "fix":
                yield frame
