"""Which part of a file to embed after a change.

An encoder sees ~128 tokens, a few lines of code. When the previous revision is
known, the lines that changed (widened to the block that encloses them) say more
about the change than the head of the file does.
"""

from __future__ import annotations

__all__ = ["changed_line_span", "region_for_change"]

_CLOSERS = ("}", ")", "]")


def changed_line_span(old: str, new: str) -> tuple[int, int] | None:
    """Zero-based ``(first, last)`` line numbers of ``new`` that differ from ``old``.

    The span runs from the first line that differs to the last one (both inclusive),
    comparing common prefix and suffix. A pure deletion gives a one-line span at the
    line that now follows the deleted text; identical texts give ``None``.
    """
    if old == new:
        return None
    a, b = old.splitlines(), new.splitlines()
    prefix = 0
    while prefix < len(a) and prefix < len(b) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < len(a) - prefix
        and suffix < len(b) - prefix
        and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]
    ):
        suffix += 1
    last_line = max(len(b) - 1, 0)
    first = min(prefix, last_line)
    last = max(first, len(b) - 1 - suffix)
    return first, min(last, last_line)


def region_for_change(old: str | None, new: str, max_lines: int = 40) -> str:
    """The part of ``new`` worth embedding, at most ``max_lines`` lines.

    With the previous revision ``old``: the changed lines, widened level by level to
    the enclosing block (found by indentation; a closing ``}``/``)``/``]`` line is
    included) while the region still fits in ``max_lines``. Without it (or when
    nothing changed): the first ``max_lines`` lines of ``new``.
    """
    if max_lines < 1:
        raise ValueError(f"max_lines must be positive, got {max_lines}")
    lines = new.splitlines()
    span = changed_line_span(old, new) if old is not None else None
    if span is None or not lines:
        return "\n".join(lines[:max_lines])
    lo, hi = span
    if hi - lo + 1 > max_lines:
        return "\n".join(lines[lo : lo + max_lines])
    while True:
        parent = _enclosing_line(lines, lo, hi)
        if parent is None:
            break
        new_hi = max(hi, _block_end(lines, parent))
        if new_hi - parent + 1 > max_lines:
            break
        lo, hi = parent, new_hi
    # The change may itself open a block (an edited function header): take its body.
    if _indent(lines[lo]) is not None:
        body_end = max(hi, _block_end(lines, lo))
        if body_end - lo + 1 <= max_lines:
            hi = body_end
    return "\n".join(lines[lo : hi + 1])


def _indent(line: str) -> int | None:
    """Leading whitespace width (tab = 4), ``None`` for a blank line."""
    stripped = line.lstrip()
    if not stripped:
        return None
    head = line[: len(line) - len(stripped)]
    return len(head.expandtabs(4))


def _enclosing_line(lines: list[str], lo: int, hi: int) -> int | None:
    """Nearest line above ``lo`` indented less than every non-blank line of lo..hi."""
    widths = [w for w in (_indent(line) for line in lines[lo : hi + 1]) if w is not None]
    if not widths:
        return lo - 1 if lo > 0 else None
    level = min(widths)
    for k in range(lo - 1, -1, -1):
        width = _indent(lines[k])
        if width is not None and width < level:
            return k
    return None


def _block_end(lines: list[str], start: int) -> int:
    """Last line of the block opened at ``start``: its deeper-indented body, plus a
    closing bracket line at the same indentation when there is one."""
    level = _indent(lines[start])
    if level is None:
        return start
    end = start
    for k in range(start + 1, len(lines)):
        width = _indent(lines[k])
        if width is None:
            continue
        if width > level:
            end = k
            continue
        if width == level and lines[k].lstrip().startswith(_CLOSERS):
            end = k
        break
    return end
