"""The id claims read each claim by its key: what one claim costs does not grow with the claims on record.

Measured in PostgreSQL's own unit, the buffer pages a statement touches (EXPLAIN ANALYZE BUFFERS, inside a
transaction that is rolled back), once with 500 rows on record and once with 20,000. A statement that reads every
claim of a topic (as the lot claims once did, through a hash join the planner chose on a fresh table) touches
pages in proportion to the table; one that looks each key up touches about the same pages either way (a deeper
index adds at most a page or two per key).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from services.custody.store import _CLAIM_LOTS
from services.gateway.adapters import _CLAIM
from services.stack.migrations import apply_migrations

pytestmark = pytest.mark.integration
KEYS = 50


@pytest.fixture
async def db(scratch_database: str) -> AsyncIterator[asyncpg.Connection]:
    await apply_migrations(scratch_database)
    conn = await asyncpg.connect(scratch_database)
    try:
        yield conn
    finally:
        await conn.close()


async def pages_touched(db: asyncpg.Connection, statement: str, *args: Any) -> int:
    """Shared buffer pages the statement touched (hit or read), its effects rolled back."""
    transaction = db.transaction()
    await transaction.start()
    try:
        plan = json.loads(await db.fetchval("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, *args))[0]
    finally:
        await transaction.rollback()
    return int(plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"])


async def record_claims(db: asyncpg.Connection, rows: int) -> None:
    """`rows` more lot claims, and as many gateway claims with their publications."""
    await db.execute(
        "INSERT INTO lot_claims (topic, lot, event_id) SELECT 'inbound', 'LOT-' || $1 || '-' || g, 'ev-old'"
        " FROM generate_series(1, $2) g",
        str(rows),
        rows,
    )
    await db.execute(
        "INSERT INTO submissions (event_id, digest, signer, type, publication)"
        " SELECT 'ev-' || $1 || '-' || g, $3, 'a', 'lot.extracted', gen_random_uuid() FROM generate_series(1, $2) g",
        str(rows),
        rows,
        bytes(32),
    )
    await db.execute(
        "INSERT INTO publications (publication) SELECT publication FROM submissions ON CONFLICT DO NOTHING"
    )


async def lot_claim_pages(db: asyncpg.Connection, taken_from: int) -> int:
    new = [f"LOT-NEW-{uuid4().hex[:10]}" for _ in range(KEYS)]
    taken = [f"LOT-{taken_from}-{n}" for n in range(1, KEYS + 1)]
    lots = new + taken
    return await pages_touched(db, _CLAIM_LOTS, "inbound", lots, ["ev-new"] * len(lots))


async def gateway_claim_pages(db: asyncpg.Connection, taken_from: int) -> int:
    ids = [f"ev-new-{uuid4().hex[:10]}" for _ in range(KEYS)] + [f"ev-{taken_from}-{n}" for n in range(1, KEYS + 1)]
    n = len(ids)
    return await pages_touched(db, _CLAIM, ids, [bytes(32)] * n, ["a"] * n, ["lot.extracted"] * n, uuid4())


@pytest.mark.parametrize("claim_pages", [lot_claim_pages, gateway_claim_pages], ids=["lot claims", "gateway claims"])
async def test_a_claim_costs_the_same_with_many_claims_on_record(
    db: asyncpg.Connection, claim_pages: Callable[[asyncpg.Connection, int], Awaitable[int]]
) -> None:
    await record_claims(db, 500)
    few = await claim_pages(db, 500)
    await record_claims(db, 20_000)
    many = await claim_pages(db, 20_000)
    assert many <= few + 2 * 2 * KEYS, f"{few} pages with 500 claims on record, {many} with 20,500"
