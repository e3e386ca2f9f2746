"""The custody store on the real PostgreSQL: a partition's state persisted in one statement, read back in one.

A worker that lost its partition (another moved the offset on) writes nothing at all, and is told so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.common import records
from services.custody.engine import PartitionEngine
from services.custody.store import CustodyStore, StaleWorkerError
from services.stack.migrations import apply_migrations
from tests.unit.events.scenario import ECO_ASMO, ECO_CERT, ECO_MINE, Scenario

pytestmark = pytest.mark.integration
TOPIC = "inbound"


@pytest.fixture
async def pool(scratch_database: str) -> AsyncIterator[asyncpg.Pool]:
    await apply_migrations(scratch_database)
    async with asyncpg.create_pool(scratch_database, min_size=1, max_size=3) as opened:
        yield opened


def engine(scenario: Scenario) -> PartitionEngine:
    """An engine of partition 3 with the scenario's registry world applied."""
    world = scenario.world()
    found = PartitionEngine(3, scenario.anchor(), lambda lo, hi: list(enumerate(world))[lo:hi], lambda p: 3)
    found.advance_registry(len(world))
    return found


async def test_what_a_batch_changed_is_persisted_and_loaded_back(pool: asyncpg.Pool) -> None:
    scenario = Scenario()
    store = CustodyStore(pool, TOPIC)
    first = engine(scenario)
    row = await store.load_partition(first)
    assert (row.next_offset, row.registry_position) == (0, 0)
    lot = scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000, certificate=ECO_CERT)
    emits = first.process(records.inbound_event_record(lot.raw, first.registry_position, "now"))
    assert [e.topic for e in emits] == ["accepted"]
    first.parking.park("L9", {"event": {"id": "waiting", "time": "2026-03-02T09:00:00Z"}})
    first.dirty.parked.update({"L9", "L8"})  # L9 parked now, L8 released
    first.shipment_marks["S1"] = "refused"
    first.dirty.marks.add("S1")
    async with pool.acquire() as db:
        await db.execute(
            "INSERT INTO custody_parked (topic, partition, lot, records) VALUES ($1, 3, 'L8', $2)",
            TOPIC,
            '[{"event": {"id": "released", "time": "2026-03-01T09:00:00Z"}}]',
        )
    await store.persist(first, 0, 5)
    assert first.dirty.seen == first.dirty.lots == first.dirty.parked == set(), "a persisted batch leaves nothing dirty"

    second = engine(scenario)
    row = await store.load_partition(second)
    assert (row.next_offset, row.registry_position) == (5, first.registry_position)
    assert second.parking.records == {"L9": [{"event": {"id": "waiting", "time": "2026-03-02T09:00:00Z"}}]}
    assert second.state.tallies, "the mine's monthly tally"
    assert second.state.tallies == first.state.tallies
    await store.load_batch(second, lots=["L1"], event_ids=[lot.id, "other"], created=["L1"], shipments=["S1", "S2"])
    assert second.state.seen == {lot.id: lot.digest}
    assert second.state.lots == first.state.lots
    assert second.shipment_marks == {"S1": "refused"}
    assert second.claims == {}, "claims are written by claim_lots, not by persist"


async def test_a_worker_that_lost_its_partition_writes_nothing(pool: asyncpg.Pool) -> None:
    scenario = Scenario()
    store = CustodyStore(pool, TOPIC)
    ours, theirs = engine(scenario), engine(scenario)
    await store.load_partition(ours)
    await store.load_partition(theirs)
    await store.persist(theirs, 0, 4)  # the other worker moved the partition on

    ours.state.seen["late"] = b"\x01" * 32
    ours.dirty.seen.add("late")
    ours.state.tallies["mine:x:2026-03"] = 1
    ours.dirty.tallies.add("mine:x:2026-03")
    with pytest.raises(StaleWorkerError, match="partition 3 is at offset 4, not 0"):
        await store.persist(ours, 0, 2)
    async with pool.acquire() as db:
        assert await db.fetchval("SELECT count(*) FROM custody_seen") == 0
        assert await db.fetchval("SELECT count(*) FROM custody_tallies") == 0
        assert await db.fetchval("SELECT next_offset FROM custody_partitions WHERE partition = 3") == 4
    assert ours.dirty.seen == {"late"}, "what was not written stays dirty"


async def test_a_lot_id_is_claimed_once_and_the_owner_named_to_anyone_else(pool: asyncpg.Pool) -> None:
    store = CustodyStore(pool, TOPIC)
    assert await store.claim_lots({"LOT-A": "ev-1", "LOT-B": "ev-1"}) == {}
    assert await store.claim_lots({"LOT-A": "ev-1"}) == {}, "the owner claiming again (a replayed step) is no conflict"
    assert await store.claim_lots({"LOT-A": "ev-2", "LOT-C": "ev-2"}) == {"LOT-A": "ev-1"}
    assert await CustodyStore(pool, "other-topic").claim_lots({"LOT-A": "ev-3"}) == {}, "claims are per topic"
    async with pool.acquire() as db:
        rows = await db.fetch("SELECT lot, event_id FROM lot_claims WHERE topic = $1", TOPIC)
    owners = {row["lot"]: row["event_id"] for row in rows}
    assert owners == {"LOT-A": "ev-1", "LOT-B": "ev-1", "LOT-C": "ev-2"}


async def test_a_claim_committed_while_ours_waits_is_seen(pool: asyncpg.Pool) -> None:
    """Two workers create the same lot id at once: the one that commits second is told who owns it."""
    store = CustodyStore(pool, TOPIC)
    async with pool.acquire() as other_worker:
        transaction = other_worker.transaction()
        await transaction.start()
        await other_worker.execute(
            "INSERT INTO lot_claims (topic, lot, event_id) VALUES ($1, 'LOT-RACE', 'ev-first')", TOPIC
        )
        ours = asyncio.create_task(store.claim_lots({"LOT-RACE": "ev-second", "LOT-FREE": "ev-second"}))
        await asyncio.sleep(0.3)
        assert not ours.done(), "our claim waits for the other worker's uncommitted one"
        await transaction.commit()
    assert await ours == {"LOT-RACE": "ev-first"}
