"""Kafka at the edges: topic creation, a producer, and waiting for a broker.

aiokafka errors become :class:`BrokerUnavailable` here, with a message that says what to
start, so commands fail with one clear line instead of a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from .exceptions import BrokerUnavailable
from .settings import Settings

__all__ = [
    "STAGE_TOPICS", "ensure_topics", "wait_for_broker", "start_producer", "max_message_bytes",
]

log = logging.getLogger("fixstream.kafka")

#: Stages whose topics fixstream creates, in pipeline order.
STAGE_TOPICS = ("changes", "encoded", "plans", "fixes", "feedback", "dead-letters")


def max_message_bytes(settings: Settings) -> int:
    """Largest record fixstream writes: a result holds the content twice, JSON-escaped."""
    return settings.max_content_bytes * 8 + (1 << 20)


def _unavailable(settings: Settings, exc: BaseException | None = None) -> BrokerUnavailable:
    detail = f" ({type(exc).__name__}: {exc})" if exc else ""
    return BrokerUnavailable(
        f"no Kafka broker answers at {settings.bootstrap_servers}{detail}. Start one with "
        "`bash deploy/local/kafka.sh start`, run `fixstream up` for the embedded broker, "
        "or set FIXSTREAM_KAFKA_BROKERS."
    )


async def wait_for_broker(settings: Settings, timeout: float = 30.0) -> None:
    """Return once the broker answers a metadata request; raise BrokerUnavailable after timeout."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers,
                                    request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError) as exc:
            last = exc
        finally:
            await admin.close()
        await asyncio.sleep(0.5)
    raise _unavailable(settings, last)


async def ensure_topics(settings: Settings, stages: tuple[str, ...] = STAGE_TOPICS) -> None:
    """Create the stage topics that do not exist yet (idempotent)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers,
                                request_timeout_ms=10000)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(settings.topic(stage), num_partitions=settings.topic_partitions,
                     replication_factor=1,
                     topic_configs={"max.message.bytes": str(max_message_bytes(settings))})
            for stage in stages if settings.topic(stage) not in existing
        ]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
            log.debug("created topics %s", [t.name for t in wanted])
    except (KafkaError, OSError) as exc:
        raise _unavailable(settings, exc) from None
    finally:
        await admin.close()


async def start_producer(settings: Settings) -> AIOKafkaProducer:
    """A started producer (acks=all) or BrokerUnavailable.

    Not idempotent: the embedded broker has no producer ids, and consumers de-duplicate
    by change id anyway.
    """
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers,
                                acks="all", linger_ms=2,
                                max_request_size=max_message_bytes(settings))
    try:
        await producer.start()
    except (KafkaError, OSError) as exc:
        await producer.stop()
        raise _unavailable(settings, exc) from None
    return producer
