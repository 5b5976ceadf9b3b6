"""Path globs as editors write them: ``*`` within a segment, ``**`` across segments."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["compile_glob", "glob_matches"]


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """A regex for ``pattern``: ``**/`` any folders (or none), ``**`` anything, ``*`` and ``?``
    within one path segment, ``{a,b}`` alternatives, ``[...]`` character classes."""
    out: list[str] = []
    i, n = 0, len(pattern)
    depth = 0
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = end
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    out.append(")" * depth)
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def glob_matches(pattern: str, path: str) -> bool:
    """True when ``path`` (``/``-separated, relative to the repo) matches ``pattern``."""
    return compile_glob(pattern).match(path.lstrip("/")) is not None
