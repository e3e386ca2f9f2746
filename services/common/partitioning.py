"""Which inbound partition a custodian's events go to: Kafka's default partitioner, shared by gateway and custody."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from aiokafka.partitioner import murmur2

from services.stack.topics import load_topics


def partitioner(partitions: int) -> Callable[[str], int]:
    """Kafka's default partitioner (murmur2 of the key) over `partitions` partitions."""
    if partitions == 1:
        return lambda key: 0

    @lru_cache(maxsize=65536)  # keys are participant ids: few, and asked for again and again
    def partition_of(key: str) -> int:
        return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions

    return partition_of


def declared_partitions(role: str) -> int:
    """A topic's partition count as declared in infra/kafka/topics.toml (`role`: `events.inbound`, `registry`...)."""
    return next(t.partitions for t in load_topics() if t.name == f"goldtrace.{role}")


def inbound_partitions() -> int:
    """The inbound topic's partition count, as declared in infra/kafka/topics.toml."""
    return declared_partitions("events.inbound")
