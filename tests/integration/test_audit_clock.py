"""The ledger's audit clock on a private pipeline: findings that become due with time reach PostgreSQL, once each.

The receipt window is 3 s here (GOLDTRACE_AUDIT_RECEIPT_WINDOW_S) instead of 30 days, and a certificate ends 3 s
after it is issued, so nothing waits long. The clock first runs with a one-hour interval (one tick at start, before
any lot exists) while the events are decided, so the test knows every receipt is projected before the clock looks.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from events.codec import SignedEvent
from events.custody import DEFAULT_POLICY
from services.common.settings import PipelineSettings
from services.ledger.audit_clock import AuditClock
from services.sandbox.processes import LEDGER, Workers
from tests.integration.client import final_status, submit
from tests.unit.events.scenario import (
    CERT_FROM,
    ECO_ASMO,
    ECO_MINE,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    shipment_of,
)

pytestmark = pytest.mark.integration

WINDOW_S = 3


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def decided(gateway: httpx.AsyncClient, *events: SignedEvent) -> None:
    """Submit events one request each, in order, and wait until each is accepted."""
    for event in events:
        await submit(gateway, [event])
        status = await final_status(gateway, event.id)
        assert status["status"] == "accepted", (event.event.type, status)


async def due_findings(conn: asyncpg.Connection, count: int, seconds: float = 60.0) -> list[asyncpg.Record]:
    """The rows the clock wrote, once there are at least `count`."""
    async with asyncio.timeout(seconds):
        while True:
            rows = await conn.fetch(
                "SELECT finding_id, code, lot, organization, due_key, event_time, created_at FROM findings "
                "WHERE event_id IS NULL ORDER BY due_key"
            )
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.2)


async def test_shipments_not_received_and_lots_past_their_certificate_become_findings_once(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers
) -> None:
    workers.env.update(GOLDTRACE_AUDIT_RECEIPT_WINDOW_S=str(WINDOW_S), GOLDTRACE_AUDIT_INTERVAL_S="3600")
    workers.start_ledger()
    workers.start(0)
    workers.start(1)
    s = Scenario()
    await submit(gateway, s.world())
    now = datetime.now(UTC).replace(microsecond=0)
    hour_ago = now - timedelta(hours=1)
    lost = s.ship(UNCERTIFIED_ASMO, "LOST", TRADER, 10_000, time=rfc3339(hour_ago))
    kept = s.ship(UNCERTIFIED_ASMO, "KEPT", TRADER, 10_000, time=rfc3339(hour_ago))
    recent = s.ship(UNCERTIFIED_ASMO, "RECENT", TRADER, 10_000, time=rfc3339(now))
    ends = now + timedelta(seconds=WINDOW_S)
    await decided(
        gateway,
        s.certificate("cert-short", ECO_ASMO, [ECO_MINE], valid_from=CERT_FROM, valid_until=rfc3339(ends)),
        *[s.extract(UNCERTIFIED_ASMO, lot, UNCERTIFIED_MINE, 10_000, time=rfc3339(hour_ago)) for lot in
          ("LOST", "KEPT", "RECENT")],
        lost,
        kept,
        s.sign(TRADER, "lot.received", "KEPT", {"lot": "KEPT", "shipment": shipment_of(kept), "mass_mg": 10_000},
               time=rfc3339(hour_ago + timedelta(minutes=1))),
        recent,
        s.extract(ECO_ASMO, "SHORT", ECO_MINE, 10_000, certificate="cert-short", time=rfc3339(now)),
    )  # fmt: skip

    # The ledger restarts (kill -9) with a clock ticking every 0.2 s: every event above is projected by now.
    workers.kill(LEDGER)
    workers.env["GOLDTRACE_AUDIT_INTERVAL_S"] = "0.2"
    workers.start_ledger()
    conn = await asyncpg.connect(pipeline.database_url)
    try:
        rows = await due_findings(conn, 3)
        assert [(r["code"], r["lot"], r["due_key"]) for r in rows] == [
            ("lot.held_past_certificate", "SHORT", "lot.held_past_certificate/SHORT/cert-short"),
            ("shipment.not_received", "LOST", f"shipment.not_received/LOST/{shipment_of(lost)}"),
            ("shipment.not_received", "RECENT", f"shipment.not_received/RECENT/{shipment_of(recent)}"),
        ]
        by_lot = {r["lot"]: r for r in rows}
        assert by_lot["LOST"]["organization"] == UNCERTIFIED_ASMO
        assert by_lot["SHORT"]["organization"] == ECO_ASMO
        assert by_lot["LOST"]["event_time"] == hour_ago + timedelta(seconds=WINDOW_S)
        assert by_lot["RECENT"]["event_time"] == now + timedelta(seconds=WINDOW_S)
        assert by_lot["SHORT"]["event_time"] == ends
        for row in rows:  # never written before it was due
            assert row["created_at"] >= row["event_time"], dict(row)

        # Killed and restarted again: the clock runs, and nothing is written twice.
        workers.kill(LEDGER)
        workers.start_ledger()
        pool = await asyncpg.create_pool(pipeline.database_url, min_size=1, max_size=1)
        try:
            clock = AuditClock(pool, replace(DEFAULT_POLICY, receipt_window_seconds=WINDOW_S))
            assert await clock.tick() == []
        finally:
            await pool.close()
        again = await due_findings(conn, 3)
        assert [r["finding_id"] for r in again] == [r["finding_id"] for r in rows]
        assert await conn.fetchval("SELECT count(*) FROM findings WHERE lot = 'KEPT'") == 0
    finally:
        await conn.close()
