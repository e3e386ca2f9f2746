"""The one way our services make a Kafka producer: idempotent, acks=all, large batches."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

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
