"""A private pipeline on a running broker and server: its own topics, database and trust anchor."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

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


async def read_topic(
    bootstrap: str, topic: str, partitions: int, expected: int, seconds: float = 30.0
) -> list[tuple[str, dict[str, Any], int]]:
    """Read (key, record, partition) from every partition of a topic until `expected` records arrived."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    found: list[tuple[str, dict[str, Any], int]] = []
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        async with asyncio.timeout(seconds):
            while len(found) < expected:
                for tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                    found.extend(
                        ("" if m.key is None else m.key.decode(), records.decode(m.value), tp.partition)
                        for m in messages
                    )
    finally:
        await consumer.stop()
    return found
