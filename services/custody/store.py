"""PostgreSQL persistence of a partition's custody state, with the partition's offset in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
import orjson

from events.custody.lots import lot_from_json
from services.custody.engine import PartitionEngine


class StaleWorkerError(Exception):
    """Another worker advanced this partition since we loaded it: reload and decide again."""


@dataclass(frozen=True, slots=True)
class PartitionRow:
    """Where a partition stands: the next offset to decide and the registry position last used."""

    next_offset: int
    registry_position: int


class CustodyStore:
    """Loads and persists one inbound topic's partition states."""

    def __init__(self, pool: asyncpg.Pool, topic: str) -> None:
        self._pool = pool
        self.topic = topic

    async def load_partition(self, engine: PartitionEngine) -> PartitionRow:
        """Create the partition's row if new; load its parked events and tallies into the engine."""
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                """INSERT INTO custody_partitions (topic, partition) VALUES ($1, $2)
                   ON CONFLICT (topic, partition) DO UPDATE SET topic = EXCLUDED.topic
                   RETURNING next_offset, registry_position""",
                self.topic,
                engine.partition,
            )
            assert row is not None
            for parked in await conn.fetch(
                "SELECT lot, records FROM custody_parked WHERE topic = $1 AND partition = $2",
                self.topic,
                engine.partition,
            ):
                engine.parking.load(parked["lot"], orjson.loads(parked["records"]))
            for tally in await conn.fetch(
                "SELECT key, fine_mg FROM custody_tallies WHERE topic = $1 AND partition = $2",
                self.topic,
                engine.partition,
            ):
                engine.state.tallies[tally["key"]] = tally["fine_mg"]
        return PartitionRow(row["next_offset"], row["registry_position"])

    async def load_batch(
        self,
        engine: PartitionEngine,
        lots: Iterable[str],
        event_ids: Iterable[str],
        created: Iterable[str],
        shipments: Iterable[str] = (),
    ) -> None:
        """Load the lots, seen ids, global lot claims and refused shipments a batch names that the engine lacks.

        One round trip: the four lookups go as one statement, each row tagged with what it is.
        """
        shipment_list = [s for s in set(shipments) if s not in engine.shipment_marks]
        lot_list = [lot for lot in set(lots) if lot not in engine.state.lots]
        id_list = [i for i in set(event_ids) if i not in engine.state.seen]
        created_list = [lot for lot in set(created) if lot not in engine.claims]
        if not (shipment_list or lot_list or id_list or created_list):
            return
        rows = await self._pool.fetch(
            _LOAD_BATCH, self.topic, engine.partition, shipment_list, lot_list, id_list, created_list
        )
        for kind, key, value in rows:
            if kind == "mark":
                engine.shipment_marks[key] = value
            elif kind == "lot":
                engine.state.lots[key] = lot_from_json(orjson.loads(value))
            elif kind == "seen":
                engine.state.seen[key] = bytes.fromhex(value)
            else:
                engine.claims[key] = value

    async def claim_lots(self, claims: dict[str, str]) -> dict[str, str]:
        """Claim new lot ids for the events creating them; return the ones another event owns already.

        One statement, and it reads each claim by its key: a conflicting row is locked and read at its latest
        committed version (so a claim another worker commits while this one waits is seen, not missed), and the
        cost does not grow with the number of lots ever claimed. Our own earlier claim (a step decided again after
        a restart) is no conflict and writes nothing.
        """
        if not claims:
            return {}
        rows = await self._pool.fetch(_CLAIM_LOTS, self.topic, list(claims), list(claims.values()))
        return {lot: owner for lot, owner in rows if owner != claims[lot]}

    async def persist(self, engine: PartitionEngine, expected_offset: int, next_offset: int) -> None:
        """Write what changed and the next offset in one statement; StaleWorkerError if someone else moved on.

        The statement moves the partition's offset only from `expected_offset`, and every write in it depends on
        that move, so a worker that lost the partition writes nothing (and one statement is one transaction).
        """
        dirty, parked = engine.dirty, engine.parking.records
        lots = sorted(dirty.lots)
        tallies = sorted(dirty.tallies)
        seen = sorted(dirty.seen)
        still_parked = sorted(lot for lot in dirty.parked if lot in parked)
        marks = sorted(dirty.marks)
        moved = await self._pool.fetchval(
            _PERSIST,
            self.topic,
            engine.partition,
            expected_offset,
            next_offset,
            engine.registry_position,
            lots,
            [orjson.dumps(engine.state.lots[lot].to_json()).decode() for lot in lots],
            tallies,
            [engine.state.tallies[key] for key in tallies],
            seen,
            [engine.state.seen[event_id] for event_id in seen],
            still_parked,
            [orjson.dumps(parked[lot]).decode() for lot in still_parked],
            marks,
            [engine.shipment_marks[shipment] for shipment in marks],
            sorted(lot for lot in dirty.parked if lot not in parked),
        )
        if not moved:
            stored = await self._pool.fetchval(
                "SELECT next_offset FROM custody_partitions WHERE topic = $1 AND partition = $2",
                self.topic,
                engine.partition,
            )
            raise StaleWorkerError(f"partition {engine.partition} is at offset {stored}, not {expected_offset}")
        dirty.clear()


_LOAD_BATCH = """
SELECT 'mark', shipment, mark FROM custody_shipment_marks
 WHERE topic = $1 AND partition = $2 AND shipment = ANY($3::text[])
UNION ALL
SELECT 'lot', lot, state::text FROM custody_lots WHERE topic = $1 AND partition = $2 AND lot = ANY($4::text[])
UNION ALL
SELECT 'seen', event_id, encode(digest, 'hex') FROM custody_seen
 WHERE topic = $1 AND partition = $2 AND event_id = ANY($5::text[])
UNION ALL
SELECT 'claim', lot, event_id FROM lot_claims WHERE topic = $1 AND lot = ANY($6::text[])
"""

_CLAIM_LOTS = """
INSERT INTO lot_claims AS c (topic, lot, event_id)
SELECT $1, lot, event_id FROM unnest($2::text[], $3::text[]) AS t(lot, event_id)
ON CONFLICT (topic, lot) DO UPDATE SET event_id = c.event_id WHERE c.event_id <> EXCLUDED.event_id
RETURNING c.lot, c.event_id
"""

_PERSIST = """
WITH moved AS (
    UPDATE custody_partitions SET next_offset = $4, registry_position = $5, updated_at = now()
     WHERE topic = $1 AND partition = $2 AND next_offset = $3
    RETURNING 1
), lots AS (
    INSERT INTO custody_lots (topic, partition, lot, state)
    SELECT $1, $2, k, v FROM unnest($6::text[], $7::json[]) AS t(k, v) WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT (topic, partition, lot) DO UPDATE SET state = EXCLUDED.state
), tallies AS (
    INSERT INTO custody_tallies (topic, partition, key, fine_mg)
    SELECT $1, $2, k, v FROM unnest($8::text[], $9::bigint[]) AS t(k, v) WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT (topic, partition, key) DO UPDATE SET fine_mg = EXCLUDED.fine_mg
), seen AS (
    INSERT INTO custody_seen (topic, partition, event_id, digest)
    SELECT $1, $2, k, v FROM unnest($10::text[], $11::bytea[]) AS t(k, v) WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT (topic, partition, event_id) DO UPDATE SET digest = EXCLUDED.digest
), parked AS (
    INSERT INTO custody_parked (topic, partition, lot, records)
    SELECT $1, $2, k, v FROM unnest($12::text[], $13::json[]) AS t(k, v) WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT (topic, partition, lot) DO UPDATE SET records = EXCLUDED.records
), marks AS (
    INSERT INTO custody_shipment_marks (topic, partition, shipment, mark)
    SELECT $1, $2, k, v FROM unnest($14::text[], $15::text[]) AS t(k, v) WHERE EXISTS (SELECT FROM moved)
    ON CONFLICT (topic, partition, shipment) DO UPDATE SET mark = EXCLUDED.mark
), released AS (
    DELETE FROM custody_parked
     WHERE topic = $1 AND partition = $2 AND lot = ANY($16::text[]) AND EXISTS (SELECT FROM moved)
)
SELECT count(*) FROM moved
"""
