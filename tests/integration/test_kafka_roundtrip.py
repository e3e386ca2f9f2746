"""The broker is real: an idempotent producer (acks=all) and a consumer move keyed messages across partitions."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.sandbox.pipeline import read_to_end, read_topic

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


async def test_the_test_readers_count_events_not_records(kafka_bootstrap: str, unique_name: str) -> None:
    """read_topic waits for distinct events (a re-sent record counts once); read_to_end stops at the end offsets."""
    await _create_topic(kafka_bootstrap, unique_name)
    sent: list[dict[str, object]] = [
        {"event": {"id": "ev-1"}}, {"event": {"id": "ev-1"}}, {"event": None, "raw": "{"}, {"event": {"id": "ev-2"}},
    ]  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for record in sent[:3]:
            await producer.send_and_wait(unique_name, orjson.dumps(record), partition=0)
        # ev-1 twice and one record without an id: two events so far, so waiting for three must time out
        with pytest.raises(TimeoutError):
            await read_topic(kafka_bootstrap, unique_name, PARTITIONS, expected=3, seconds=3)
        assert [r for _, r, _ in await read_to_end(kafka_bootstrap, unique_name, PARTITIONS)] == sent[:3]
        await producer.send_and_wait(unique_name, orjson.dumps(sent[3]), partition=2)
    finally:
        await producer.stop()
    found = await read_topic(kafka_bootstrap, unique_name, PARTITIONS, expected=3)
    assert sorted(((p, r["raw"] if r["event"] is None else r["event"]["id"]) for _, r, p in found)) == [
        (0, "ev-1"), (0, "ev-1"), (0, "{"), (2, "ev-2"),
    ]  # fmt: skip
    assert len(await read_to_end(kafka_bootstrap, unique_name, PARTITIONS)) == len(sent)
