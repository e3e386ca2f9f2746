"""The broker is real: an idempotent producer (acks=all) and a consumer move keyed messages across partitions."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

pytestmark = pytest.mark.integration

PARTITIONS = 4
MESSAGES = 400
KEYS = 16


async def _create_topic(bootstrap: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, PARTITIONS, 1)])
    finally:
        await admin.close()


async def test_idempotent_producer_round_trip_over_partitions(kafka_bootstrap: str, unique_name: str) -> None:
    await _create_topic(kafka_bootstrap, unique_name)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        sends = [
            await producer.send(unique_name, key=f"custodian-{i % KEYS}".encode(), value=f"{i}".encode())
            for i in range(MESSAGES)
        ]
        metadata = await asyncio.gather(*sends)
    finally:
        await producer.stop()
    assert {m.partition for m in metadata} == set(range(PARTITIONS))

    consumer = AIOKafkaConsumer(
        unique_name,
        bootstrap_servers=kafka_bootstrap,
        group_id=unique_name,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: list[tuple[str, int, int]] = []
    try:
        async with asyncio.timeout(60):
            while len(received) < MESSAGES:
                batch = await consumer.getmany(timeout_ms=1000)
                for tp, records in batch.items():
                    received.extend((r.key.decode(), int(r.value.decode()), tp.partition) for r in records)
    finally:
        await consumer.stop()

    assert sorted(value for _, value, _ in received) == list(range(MESSAGES)), "every message exactly once"
    partitions_of_key: dict[str, set[int]] = defaultdict(set)
    order_of_key: dict[str, list[int]] = defaultdict(list)
    for key, value, partition in received:
        partitions_of_key[key].add(partition)
        order_of_key[key].append(value)
    assert all(len(p) == 1 for p in partitions_of_key.values()), "one key always lands in one partition"
    assert all(values == sorted(values) for values in order_of_key.values()), "order kept per key"
