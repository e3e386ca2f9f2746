"""A private pipeline on a running broker and server: its own topics, database and trust anchor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from events.custody.registry import TrustAnchor
from services.common import records
from services.common.settings import PipelineSettings, Topics
from services.stack import migrations, topics
from services.stack.settings import StackSettings


async def private_pipeline(
    stack: StackSettings, bootstrap: str, database_url: str, prefix: str, anchor: TrustAnchor
) -> PipelineSettings:
    """Create the topics (renamed under `prefix`) and migrate the database; return the settings that use them."""
    names = Topics.with_prefix(prefix)
    renamed = {
        "goldtrace.registry": names.registry,
        "goldtrace.events.inbound": names.inbound,
        "goldtrace.events.accepted": names.accepted,
        "goldtrace.events.rejected": names.rejected,
    }
    specs = [replace(spec, name=renamed[spec.name]) for spec in topics.load_topics()]
    await topics.ensure_topics(bootstrap, specs)
    await migrations.apply_migrations(database_url)
    return PipelineSettings(
        stack=stack,
        kafka_bootstrap=bootstrap,
        database_url=database_url,
        topics=names,
        anchor=anchor,
        log_keyid="test-log",
        log_public_key="",
    )


Read = list[tuple[str, dict[str, Any], int]]


async def read_topic(bootstrap: str, topic: str, partitions: int, expected: int, seconds: float = 120.0) -> Read:
    """Read (key, record, partition) from every partition of a topic until `expected` events arrived.

    Events, not records: a record naming an event (`{"event": {"id": ...}}`) counts once per event id, however
    often it was sent (at-least-once delivery re-sends what a killed worker had sent but not yet marked done); any
    other record (a packed `events` record, a refusal of unreadable bytes) counts on its own. Every record read is
    returned, re-sent ones included.
    """
    found: Read = []
    events: set[str] = set()
    others = 0
    async with _reader(bootstrap, topic, partitions) as consumer, asyncio.timeout(seconds):
        while len(events) + others < expected:
            for messages in (await consumer.getmany(timeout_ms=500)).values():
                for message in messages:
                    found.append(_entry(message))
                    event = found[-1][1].get("event")
                    if isinstance(event, dict) and isinstance(event.get("id"), str):
                        events.add(event["id"])
                    else:
                        others += 1
    return found


async def read_to_end(bootstrap: str, topic: str, partitions: int, seconds: float = 30.0) -> Read:
    """Read (key, record, partition) of every record a topic holds now (up to its end offsets when called)."""
    found: Read = []
    async with _reader(bootstrap, topic, partitions) as consumer, asyncio.timeout(seconds):
        ends = await consumer.end_offsets(list(consumer.assignment()))
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            for tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                found.extend(_entry(message) for message in messages if message.offset < ends[tp])
    return found


def _entry(message: ConsumerRecord[bytes, bytes]) -> tuple[str, dict[str, Any], int]:
    """(key, record, partition) of a message."""
    return ("" if message.key is None else message.key.decode(), records.decode(message.value), message.partition)


@asynccontextmanager
async def _reader(bootstrap: str, topic: str, partitions: int) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer of every partition of `topic`, from the beginning, outside any group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        yield consumer
    finally:
        await consumer.stop()
