"""patterns._gc: the collector is off inside a pause and back as it was after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from patterns import PatternMatcher
from patterns import _gc as _gc_module
from patterns._gc import collector_paused


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_pause_and_resume() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_resumes_after_an_exception() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_overlapping_pauses_in_threads() -> None:
    gc.enable()
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    with collector_paused():
        thread.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the worker's pause still holds
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_the_matcher_leaves_the_collector_as_it_found_it() -> None:
    gc.enable()
    matcher = PatternMatcher()
    matcher.analyze_code("var a = 1;")
    matcher.apply_fixes("var a = 1;")
    assert gc.isenabled()


def test_a_pause_ending_under_another_collects_when_much_piled_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gc.enable()
    collections: list[int] = []
    monkeypatch.setattr(_gc_module, "_CATCH_UP", -1)
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or 0)
    with collector_paused():
        with collector_paused():
            pass
        assert collections == [1]
    assert collections == [1]  # the outermost pause resumes the collector instead
    assert gc.isenabled()
