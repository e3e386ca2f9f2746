"""faust-streaming runs in-process against the real broker: an agent consumes a topic and emits to another."""

from __future__ import annotations

import asyncio
from pathlib import Path

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faust.types import StreamT

pytestmark = pytest.mark.integration

MESSAGES = 120


async def _create_topics(bootstrap: str, *names: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, 4, 1) for n in names])
    finally:
        await admin.close()


async def test_faust_agent_processes_messages_end_to_end(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    source, sink = f"{unique_name}-in", f"{unique_name}-out"
    await _create_topics(kafka_bootstrap, source, sink)
    app = faust.App(
        unique_name,
        broker=f"kafka://{kafka_bootstrap}",
        store="memory://",
        datadir=str(tmp_path / "faust"),  # not `<app id>-data` in the working folder
        web_enabled=False,
        topic_disable_leader=True,
        broker_session_timeout=10,
        consumer_auto_offset_reset="earliest",
    )
    source_topic = app.topic(source, key_type=bytes, value_type=bytes)
    sink_topic = app.topic(sink, key_type=bytes, value_type=bytes)

    @app.agent(source_topic, concurrency=1)
    async def double(stream: StreamT[bytes]) -> None:
        async for key, value in stream.items():
            await sink_topic.send(key=key, value=str(int(value) * 2).encode())

    await app.start()
    try:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
        await producer.start()
        try:
            for i in range(MESSAGES):
                await producer.send(source, key=f"k{i % 8}".encode(), value=str(i).encode())
            await producer.flush()
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(sink, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest")
        await consumer.start()
        doubled: list[int] = []
        try:
            async with asyncio.timeout(90):
                while len(doubled) < MESSAGES:
                    for records in (await consumer.getmany(timeout_ms=1000)).values():
                        doubled.extend(int(r.value) for r in records)
        finally:
            await consumer.stop()
    finally:
        await app.stop()

    assert sorted(doubled) == [2 * i for i in range(MESSAGES)]
