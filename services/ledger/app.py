"""The ledger's composition root: database pool, store, consumer, head signer and the health/metrics server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from events.treehead import tree_head_json
from services.ledger.audit_clock import AuditClock
from services.ledger.consumer import LedgerConsumer
from services.ledger.errors import LedgerError
from services.ledger.heads import HeadSigner, LogKey, load_log_key
from services.ledger.http import Routes, serve
from services.ledger.metrics import LedgerMetrics
from services.ledger.settings import LedgerSettings
from services.ledger.store import LedgerStore

log = logging.getLogger(__name__)


@dataclass
class Ledger:
    """A running ledger: its parts, wired together."""

    settings: LedgerSettings
    pool: asyncpg.Pool[asyncpg.Record]
    store: LedgerStore
    consumer: LedgerConsumer
    signer: HeadSigner
    metrics: LedgerMetrics

    async def sign_head_now(self) -> dict[str, Any]:
        """Sign a head of the log as it is now (or return the latest, if it covers the log); its JSON form."""
        return tree_head_json(await self.signer.sign_head_now())

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Whether the consumer is connected and its last batch was written, with the log size."""
        body = {
            "status": "ok" if self.consumer.healthy else "degraded",
            "log_size": self.store.log_size,
            "log_keyid": self.signer.key.keyid,
        }
        return self.consumer.healthy, body

    def routes(self) -> Routes:
        """What the health/metrics server answers."""
        return Routes(health=self.health, metrics=self.metrics.exposition, sign_head=self.sign_head_now)


@contextlib.asynccontextmanager
async def open_ledger(settings: LedgerSettings, key: LogKey | None = None) -> AsyncIterator[Ledger]:
    """Connect to PostgreSQL and Kafka, restore the log's right edge and position the consumer; close on exit."""
    key = key or load_log_key(settings.log_key_file, settings.log_keyid)
    metrics = LedgerMetrics()
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        try:
            store = await LedgerStore.open(pool)
        except asyncpg.UndefinedTableError as missing:
            raise LedgerError(
                "ledger.schema_missing",
                f"The database has no ledger tables ({missing}); apply the migrations with `goldtrace up`.",
            ) from missing
        metrics.log_size.set(store.log_size)
        consumer = LedgerConsumer(settings, store, metrics)
        signer = HeadSigner(pool, key, on_head=metrics.head_signed)
        await consumer.start()
        try:
            yield Ledger(settings, pool, store, consumer, signer, metrics)
        finally:
            await consumer.stop()
    finally:
        await pool.close()


async def run(settings: LedgerSettings, stop: asyncio.Event) -> None:
    """Run the consumer, the head signer and the HTTP server until `stop` is set."""
    async with open_ledger(settings) as ledger:
        server = await serve(ledger.routes(), settings.http_host, settings.http_port)
        log.info(
            "Ledger: reading %s and %s from %s, log size %d, key %s, HTTP on %s:%d.",
            settings.accepted_topic,
            settings.rejected_topic,
            settings.kafka_bootstrap,
            ledger.store.log_size,
            ledger.signer.key.keyid,
            settings.http_host,
            settings.http_port,
        )
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(ledger.consumer.run(stop))
                tasks.create_task(ledger.signer.run(stop, settings.head_interval_s))
                clock = AuditClock(ledger.pool, settings.audit_policy)
                tasks.create_task(clock.run(stop, settings.audit_interval_s, ledger.consumer.caught_up))
        finally:
            server.close()
            await server.wait_closed()
    log.info("Ledger stopped.")
