"""Fixtures shared by the unit tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    """One intra-op thread for torch in every module that loaded it: the tests' tiny
    models gain nothing from more, and spinning threads slow down badly when other
    processes share the cores (seen: 13 s -> 94 s for the trainer tests)."""
    torch = sys.modules.get("torch")
    if torch is None:  # tests without torch do not pay for importing it
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(params=["native", "python"])
def walks(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a test with the native walks (when built) and with the Python ones."""
    from patterns._native_core import native, python_walks

    if request.param == "python":
        with python_walks():
            yield "python"
        return
    if native() is None:
        pytest.skip("the native core is not built here")
    yield "native"
