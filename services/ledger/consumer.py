"""The Kafka side of the ledger: a plain consumer (no group) positioned from the offsets stored in PostgreSQL.

Each `getmany` batch is parsed (pure), then written in one transaction with the next offsets; the next batch is
fetched and parsed while the previous one is being written (one batch in flight, so PostgreSQL and Python work at
the same time). After any failure the consumer seeks back to what PostgreSQL says was written, so a crash or a
lost connection at any point neither loses nor duplicates a record's effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.ledger.errors import LedgerError, OffsetGapError
from services.ledger.heads import system_clock
from services.ledger.metrics import LedgerMetrics
from services.ledger.records import Where, read_accepted, read_rejected
from services.ledger.settings import LedgerSettings
from services.ledger.store import BatchResult, LedgerStore, Parsed

log = logging.getLogger(__name__)

RETRY_DELAY_S: Final = 1.0
FETCH_BYTES: Final = 8 * 1024 * 1024
PARSE_CHUNK: Final = 200
# A connection lost mid-statement can also surface as InternalClientError ("another operation is in progress") from
# the pool resetting it; the pool terminates that connection, so it is retried like any lost connection (found by
# tests/integration/faults/test_infrastructure_restarts.py: before, it ended the ledger).
DB_ERRORS: Final = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)


async def partitions_of(bootstrap: str, topics: Sequence[str]) -> dict[str, list[int]]:
    """The partition numbers of each topic; LedgerError `ledger.topic_missing` when one does not exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = {d["topic"]: d for d in await admin.describe_topics(list(topics))}
    finally:
        await admin.close()
    found: dict[str, list[int]] = {}
    for topic in topics:
        partitions = described.get(topic, {}).get("partitions") or []
        if described.get(topic, {}).get("error_code") or not partitions:
            raise LedgerError(
                "ledger.topic_missing",
                f"Topic {topic} does not exist on {bootstrap}; `goldtrace up` creates the pipeline's topics "
                "(or check GOLDTRACE_TOPIC_PREFIX).",
            )
        found[topic] = sorted(p["partition"] for p in partitions)
    return found


class LedgerConsumer:
    """Reads the accepted and rejected topics in batches and hands each batch to the store."""

    def __init__(
        self,
        settings: LedgerSettings,
        store: LedgerStore,
        metrics: LedgerMetrics,
        clock: Callable[[], datetime] = system_clock,
    ) -> None:
        self._settings = settings
        self._store = store
        self._metrics = metrics
        self._clock = clock
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._committed: dict[TopicPartition, int] = {}
        self._writing: asyncio.Task[BatchResult] | None = None
        self.healthy = False

    async def start(self) -> None:
        """Connect, assign every partition of both topics, and seek to the stored offsets."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id="goldtrace-ledger",
            max_partition_fetch_bytes=FETCH_BYTES,  # ~1.3 KB records: room for a whole batch in one fetch
            fetch_min_bytes=self._settings.fetch_min_bytes,
            fetch_max_wait_ms=self._settings.fetch_wait_ms,
        )
        await consumer.start()
        self._consumer = consumer
        try:
            topics = (self._settings.accepted_topic, self._settings.rejected_topic)
            for topic, partitions in (await partitions_of(self._settings.kafka_bootstrap, topics)).items():
                self._partitions.extend(TopicPartition(topic, p) for p in partitions)
            consumer.assign(self._partitions)
            await self._seek_to_stored()
        except BaseException:
            await self.stop()
            raise
        self.healthy = True

    async def stop(self) -> None:
        """Let the batch in flight finish (or fail), then disconnect from the broker."""
        try:
            await self.flush()
        except (OffsetGapError, *DB_ERRORS) as error:
            log.warning("The last batch was not written (it will be read again on restart): %s", error)
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()
        self.healthy = False

    def caught_up(self) -> bool:
        """Whether everything the broker held at the last fetch is written: the projection is current."""
        consumer = self._consumer
        if consumer is None or not self.healthy or self._writing is not None:
            return False
        highwaters = [consumer.highwater(tp) for tp in self._partitions]
        return all(
            end is not None and self._position(tp) >= end for tp, end in zip(self._partitions, highwaters, strict=True)
        )

    @property
    def committed(self) -> dict[TopicPartition, int]:
        """The next offset to read of each partition, as last committed to PostgreSQL."""
        return dict(self._committed)

    async def poll_once(self) -> BatchResult | None:
        """Fetch and parse the next batch while the previous one is written, then start writing it.

        Returns the result of the batch whose write finished here (None if none was in flight). A failed write
        drops the batch just parsed, seeks back to the committed offsets and re-raises.
        """
        batch = await self._kafka().getmany(
            timeout_ms=self._settings.poll_timeout_ms, max_records=self._settings.batch_max_records
        )
        parsed, counts = await self._parse(batch)
        result = await self.flush()
        if parsed:
            self._writing = asyncio.create_task(self._write(parsed, counts))
        self._update_lag()
        return result

    async def flush(self) -> BatchResult | None:
        """Wait for the batch in flight; on failure seek back to the committed offsets and re-raise."""
        writing, self._writing = self._writing, None
        if writing is None:
            return None
        try:
            result = await writing
        except (OffsetGapError, *DB_ERRORS):
            self._metrics.batch_failures.inc()
            self.healthy = False
            self._rewind()  # to what was committed; the caller may refine it from PostgreSQL
            raise
        for (topic, partition), offset in result.offsets.items():
            self._committed[TopicPartition(topic, partition)] = offset
        self.healthy = True
        return result

    async def run(self, stop: asyncio.Event) -> None:
        """Poll and write until `stop` is set; after a failure, wait, then resume from the stored offsets."""
        while not stop.is_set():
            try:
                await self.poll_once()
            except OffsetGapError as gap:
                log.warning("%s", gap.detail)
                await self._recover(stop, delay=0.0)
            except DB_ERRORS as error:
                log.warning("Writing a batch failed (will resume from the stored offsets): %s", error)
                await self._recover(stop, delay=RETRY_DELAY_S)

    async def catch_up(self, timeout_s: float = 60.0) -> None:
        """Poll until everything on the topics when this was called is written (for tests and tools)."""
        ends = await self._kafka().end_offsets(self._partitions)
        async with asyncio.timeout(timeout_s):
            while any(self._position(tp) < end for tp, end in ends.items()):
                try:
                    await self.poll_once()
                except OffsetGapError:
                    await self._seek_to_stored()
            await self.flush()

    async def _write(self, parsed: list[Parsed], counts: dict[str, int]) -> BatchResult:
        began = time.perf_counter()
        result = await self._store.write_batch(parsed, self._clock())
        self._metrics.batch_written(result, counts, time.perf_counter() - began)
        return result

    async def _parse(
        self, batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> tuple[list[Parsed], dict[str, int]]:
        """Parse records in topic order: the accepted topic first (its order is the log's), then rejected.

        Every PARSE_CHUNK records it yields to the event loop, so the batch in flight keeps its statements going.
        """
        parsed: list[Parsed] = []
        counts: dict[str, int] = {}
        accepted_topic = self._settings.accepted_topic
        for tp in sorted(batch, key=lambda tp: (tp.topic != accepted_topic, tp.topic, tp.partition)):
            records = batch[tp]
            counts[tp.topic] = counts.get(tp.topic, 0) + len(records)
            read = read_accepted if tp.topic == accepted_topic else read_rejected
            for record in records:
                where = Where(tp.topic, tp.partition, record.offset)
                parsed.append((where, read(record.value, where)))
                if len(parsed) % PARSE_CHUNK == 0:
                    await asyncio.sleep(0)
        return parsed, counts

    def _position(self, tp: TopicPartition) -> int:
        return self._committed.get(tp, 0)

    def _update_lag(self) -> None:
        consumer = self._kafka()
        for tp in self._partitions:
            highwater = consumer.highwater(tp)
            if highwater is not None:
                self._metrics.lag.labels(tp.topic, str(tp.partition)).set(max(highwater - self._position(tp), 0))

    def _rewind(self) -> None:
        """Seek every partition back to its last committed offset (no round trip: works with PostgreSQL down)."""
        consumer = self._kafka()
        for tp in self._partitions:
            consumer.seek(tp, self._position(tp))

    async def _recover(self, stop: asyncio.Event, delay: float) -> None:
        if delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
        try:
            await self._seek_to_stored()
        except DB_ERRORS as error:
            log.warning("Cannot read the stored offsets yet: %s", error)

    async def _seek_to_stored(self) -> None:
        """Position every partition at the offset PostgreSQL stored (the beginning when none is stored)."""
        consumer = self._kafka()
        stored = await self._store.offsets()
        beginning = await consumer.beginning_offsets(self._partitions)
        for tp in self._partitions:
            offset = stored.get((tp.topic, tp.partition), beginning[tp])
            consumer.seek(tp, offset)
            self._committed[tp] = offset

    def _kafka(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise LedgerError("ledger.not_started", "The ledger consumer is not started; call start() first.")
        return self._consumer
