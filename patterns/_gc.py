"""Pausing Python's cyclic garbage collector while the engine works on a file.

An analysis allocates hundreds of thousands of short-lived objects (tree-sitter
nodes, tuples, scope records). Each 700 allocations start a collection that
walks the young objects, and survivors pile up into full collections that walk
the whole heap, the caller's included: about a fifth of the engine's time went
there. Nothing is lost by waiting: reference counting frees almost everything
at once, and the few cycles (scopes and their parents, variables and their
references) are collected as usual once the collector runs again.

The pause is process-wide, so it is counted: nested or concurrent pauses (one
per thread) keep the collector off until the last one ends, and a collector
that was already off stays off. Threads whose pauses overlap without end would
keep it off for good; so a pause that ends while others go on collects at once
when a great many objects have piled up meanwhile.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

__all__ = ["collector_paused"]

_LOCK = threading.Lock()
_depth = 0
_resume = False  # whether the collector was on when the outermost pause began
# Net allocations of tracked objects (gc.get_count()[0]) that make a pause ending
# under another one collect; a collector left on runs every 700.
_CATCH_UP: Final = 2_000_000


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector off for the duration of the block."""
    global _depth, _resume
    with _LOCK:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _LOCK:
            _depth -= 1
            overlapped = _depth > 0 and _resume
            if _depth == 0 and _resume:
                gc.enable()
        if overlapped and gc.get_count()[0] > _CATCH_UP:
            gc.collect()
