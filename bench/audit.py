"""Audit API latency: an organization's year report (JSON and one table as CSV), a findings page and a page of the
organization's own events, on a year of an ASMO's activity written by the real ledger store.

Run with the stack up (e.g. the test stack's environment):
    .venv/bin/goldtrace up --infra-only && .venv/bin/python bench/audit.py [--lots-per-month 100] [--requests 30]

A year: every month the ASMO extracts `--lots-per-month` lots (half with its groups' shares), sells each to the
trader (every third without its premium: a finding), the trader receives each and melts the month's lots into a
bar. The events are decided by the kernel and written by services/ledger/store.py into a scratch database (dropped
afterwards); requests go to the query app in-process over ASGI with an auditor token.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Final

import asyncpg
import httpx

from events.codec import SignedEvent
from events.custody import Accepted, decide, evolve, initial_state
from services.common.settings import PipelineSettings, Topics
from services.ledger.records import Where, read_accepted
from services.ledger.store import LedgerStore, Parsed
from services.query.app import create_app
from services.query.audit.token_store import issue_token
from services.stack import migrations, postgres
from services.stack.settings import REPO_ROOT, StackSettings

sys.path.insert(0, str(REPO_ROOT))
from tests.unit.events.scenario import (
    AUTHORITY,
    BATEADORAS,
    COOPERATIVES,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    TRADER,
    Scenario,
    shipment_of,
)
from tests.unit.ledger.season import accepted_value

WRITE_BATCH: Final = 2_000


def season(lots_per_month: int) -> list[bytes]:
    """A year of the ASMO's extractions, sales, receipts and melts, decided by the kernel: accepted records."""
    scenario = Scenario(start=datetime(2026, 1, 1, 6, 0, tzinfo=UTC), step=timedelta(minutes=2))
    state = initial_state(scenario.anchor())
    records: list[bytes] = []
    position = 0

    def play(signed: SignedEvent) -> None:
        nonlocal position
        outcome = decide(state, signed)
        evolve(state, outcome)
        assert isinstance(outcome, Accepted), (signed.event.type, outcome)
        if signed.event.type.startswith(("participant.", "mine.", "certificate.")):
            position += 1
        records.append(accepted_value(signed, outcome, position))

    for signed in scenario.world():
        play(signed)
    for month in range(1, 13):
        scenario.start = datetime(2026, month, 1, 6, 0, tzinfo=UTC) - scenario.step * scenario.counter
        lots = []
        for n in range(lots_per_month):
            lot = f"lot-{month:02d}-{n:04d}"
            shares = [(BATEADORAS, 3000), (COOPERATIVES, 7000)] if n % 2 else None
            play(scenario.extract(ECO_ASMO, lot, ECO_MINE, 30_000, fineness="900", certificate=ECO_CERT,
                                  contributions=shares, event_id=f"x-{lot}"))  # fmt: skip
            premium = None if n % 3 == 0 else "162.00"  # 27 g fine x USD 6,000 per kg
            sale = scenario.ship(ECO_ASMO, lot, TRADER, 30_000, premium_usd=premium)
            play(sale)
            play(scenario.receive(TRADER, lot, shipment_of(sale), 30_000))
            lots.append(lot)
        play(scenario.transform(TRADER, lots, [(f"bar-{month:02d}", 29_700 * len(lots), "900")]))
    return records


async def write(database_url: str, records: list[bytes]) -> None:
    """Write the records through the ledger's own store, in batches."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        store = await LedgerStore.open(pool)
        for start in range(0, len(records), WRITE_BATCH):
            parsed: list[Parsed] = []
            for offset in range(start, min(start + WRITE_BATCH, len(records))):
                where = Where("bench.accepted", 0, offset)
                parsed.append((where, read_accepted(records[offset], where)))
            await store.write_batch(parsed, datetime.now(UTC))
    finally:
        await pool.close()


async def timed(samples: int, request: Callable[[], Awaitable[httpx.Response]]) -> list[float]:
    """Durations (s) of `samples` requests, each checked to answer 200."""
    found = []
    for _ in range(samples):
        began = time.perf_counter()
        answer = await request()
        found.append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.text[:300]
    return found


def line(name: str, samples: list[float]) -> str:
    """p50 and p99 (nearest rank) in ms."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]
    return f"{name:<44} p50 {1000 * statistics.median(samples):8.2f} ms   p99 {1000 * p99:8.2f} ms   (n={len(samples)})"


async def main() -> int:
    """Fill a scratch database, time the audit reads, drop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots-per-month", type=int, default=100)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    stack = StackSettings.from_env()
    base = postgres.database_url(stack)
    name = f"gt_bench_audit_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        await migrations.apply_migrations(url)
        began = time.perf_counter()
        records = season(args.lots_per_month)
        await write(url, records)
        print(f"{len(records)} events decided and written in {time.perf_counter() - began:.1f} s")
        db = await asyncpg.connect(url)
        try:
            token = (await issue_token(db, AUTHORITY, "auditor")).text
        finally:
            await db.close()
        scenario = Scenario()
        settings = PipelineSettings(stack, stack.kafka_bootstrap, url, Topics.with_prefix(), scenario.anchor(), "b", "")
        app = create_app(settings)
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://query", headers=headers
            ) as query,
        ):
            report = f"/v1/audit/organizations/{ECO_ASMO}/report"
            year = {"from": "2026-01-01", "to": "2026-12-31"}
            sales_csv = {**year, "format": "csv", "table": "sales"}
            body = (await query.get(report, params=year)).json()
            sales = len(body["tables"]["sales"]["rows"])
            print(f"report: {sales} sales, summary {body['summary']['premium_paid_share_bp']} bp of premium paid")
            cases: list[tuple[str, Callable[[], Awaitable[httpx.Response]]]] = [
                ("report of a year (JSON)", lambda: query.get(report, params=year)),
                ("report, sales table (CSV)", lambda: query.get(report, params=sales_csv)),
                ("report of the trader (JSON)", lambda: query.get(f"/v1/audit/organizations/{TRADER}/report")),
                ("findings, first page of 50", lambda: query.get("/v1/audit/findings")),
                ("participant's events, first page of 50", lambda: query.get(f"/v1/participants/{ECO_ASMO}/events")),
            ]  # fmt: skip
            results = {}
            for title, request in cases:
                results[title] = await timed(args.requests, request)
                print(line(title, results[title]))
        worst = 1000 * max(max(s) for s in results.values())
        print(f"slowest request {worst:.1f} ms (the issue sets no target for the audit reads)")
        return 0
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
