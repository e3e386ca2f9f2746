"""The custody worker's connections and collaborators, opened when the worker starts (never at import)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

from services.common import records
from services.common.partitioning import declared_partitions, inbound_partitions, partitioner
from services.common.producing import idempotent_producer, send_batched
from services.common.registry_feed import RegistryFeed
from services.common.settings import PipelineSettings
from services.custody.engine import Emit
from services.custody.processor import CustodyProcessor
from services.custody.registry_outcomes import RegistryOutcomes
from services.custody.store import CustodyStore

log = logging.getLogger(__name__)

FATAL_EXIT = 70  # a bug we must not paper over: exit without acknowledging, so nothing is skipped


class Runtime:
    """Kafka producer, PostgreSQL pool, registry feed, processor; `guarded` runs a step until it succeeds."""

    def __init__(self, settings: PipelineSettings) -> None:
        self.settings = settings
        self._ready = asyncio.Event()
        self.feed = RegistryFeed(settings.kafka_bootstrap, settings.topics.registry, settings.anchor)
        self.pool: asyncpg.Pool | None = None
        self.producer: AIOKafkaProducer | None = None
        self.processor: CustodyProcessor | None = None
        self.registry_outcomes: RegistryOutcomes | None = None
        self.retries = 0
        topics = settings.topics
        self._routes: dict[str, tuple[str, Callable[[str], int]]] = {
            "accepted": (topics.accepted, partitioner(declared_partitions("events.accepted"))),
            "rejected": (topics.rejected, partitioner(declared_partitions("events.rejected"))),
            "inbound": (topics.inbound, partitioner(inbound_partitions())),
        }

    async def start(self) -> None:
        """Connect everything; agents wait for this."""
        settings = self.settings
        self.pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        self.producer = idempotent_producer(settings.kafka_bootstrap, linger_ms=5)
        await self.producer.start()
        await self.feed.start()
        store = CustodyStore(self.pool, settings.topics.inbound)
        self.processor = CustodyProcessor(
            settings.anchor,
            self.feed,
            store,
            self.send,
            self._routes["inbound"][1],
            trust_gateway_signatures=not settings.custody_rechecks_signatures,
        )
        self.registry_outcomes = RegistryOutcomes(self.feed, self.pool, settings.topics.registry, self.send)
        self._ready.set()

    async def stop(self) -> None:
        """Close everything."""
        await self.feed.stop()
        if self.producer is not None:
            await self.producer.stop()
        if self.pool is not None:
            await self.pool.close()

    async def ready(self) -> None:
        """Wait until `start` finished."""
        await self._ready.wait()

    async def send(self, emits: Sequence[Emit]) -> None:
        """Send records to their topics; return once the broker acknowledged every one.

        Each partition's records go in batches built here, in order, each handed to the producer whole: one call
        per batch, not one per record (records keep their keys; the partition is the one Kafka's default
        partitioner gives the key). Records for inbound partitions (hand-offs and notices) are packed per partition
        as the gateway packs events (records.pack_inbound): custody then pays its per-record cost once per pack.
        """
        producer = self.producer
        assert producer is not None
        by_partition: dict[tuple[str, int], list[tuple[bytes | None, bytes]]] = {}
        inbound: list[tuple[str, dict[str, Any]]] = []
        for emit in emits:
            if emit.topic == "inbound":
                inbound.append((emit.key, emit.record))
                continue
            topic, partition_of = self._routes[emit.topic]
            route = by_partition.setdefault((topic, partition_of(emit.key)), [])
            route.append((emit.key.encode(), records.encode(emit.record)))
        topic, partition_of = self._routes["inbound"]
        for partition, shared_key, value in records.pack_inbound(inbound, partition_of, min_packed=2):
            by_partition.setdefault((topic, partition), []).append(
                (None if shared_key is None else shared_key.encode(), value)
            )
        await send_batched(producer, by_partition)

    async def guarded(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run a step until it succeeds, backing off on failures (Kafka or PostgreSQL away); exit on a gap."""
        delay = 0.2
        while True:
            try:
                await step()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # transient (Kafka or PostgreSQL away): keep the batch and try again
                if isinstance(error, RuntimeError) and not is_transient_kafka_error(error):
                    log.critical("custody worker stops without acknowledging: %s", error)
                    os._exit(FATAL_EXIT)
                self.retries += 1
                log.exception("custody step failed; retrying in %.1f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


def is_transient_kafka_error(error: BaseException) -> bool:
    """A Kafka error that passes when the broker is back (a lost connection, a leader being elected, a timeout)."""
    if not isinstance(error, KafkaError):
        return False
    return bool(error.retriable) or isinstance(error, KafkaConnectionError | KafkaTimeoutError)
