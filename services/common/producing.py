"""The one way our services make a Kafka producer: idempotent, acks=all, large batches."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from aiokafka import AIOKafkaProducer

Routed = Mapping[tuple[str, int], Sequence[tuple[bytes | None, bytes]]]
"""Records (key, value) per (topic, partition), each partition's in the order they must keep."""

BATCH_BYTES = 512 * 1024
"""Bytes per partition batch. aiokafka's default (16 KiB) holds about ten of our records, so a busy service sent a
produce request per ten records and waited for each; a batch must stay under the topics' max.message.bytes (1 MiB,
infra/kafka/topics.toml)."""


def idempotent_producer(bootstrap: str, linger_ms: int) -> AIOKafkaProducer:
    """A producer that never duplicates or reorders a partition's records (enable_idempotence, acks=all)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=linger_ms,
        max_batch_size=BATCH_BYTES,
    )


async def send_batched(producer: AIOKafkaProducer, routed: Routed) -> None:
    """Send each partition's records as whole batches (one producer call per batch, not per record), in order;
    return once the broker acknowledged every one."""
    acks = []
    for (topic, partition), group in routed.items():
        batch = producer.create_batch()
        for key, value in group:
            if batch.append(key=key, value=value, timestamp=None) is None:  # full: send it, start another
                acks.append(await producer.send_batch(batch, topic, partition=partition))
                batch = producer.create_batch()
                if batch.append(key=key, value=value, timestamp=None) is None:
                    raise ValueError(f"a record of {len(value)} bytes does not fit in a batch for {topic}")
        acks.append(await producer.send_batch(batch, topic, partition=partition))
    await asyncio.gather(*acks)
