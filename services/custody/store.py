"""PostgreSQL persistence of a partition's custody state, with the partition's offset in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
        """Load the lots, seen ids, global lot claims and refused shipments a batch names that the engine lacks."""
        lot_list = [lot for lot in set(lots) if lot not in engine.state.lots]
        id_list = [i for i in set(event_ids) if i not in engine.state.seen]
        created_list = [lot for lot in set(created) if lot not in engine.claims]
        shipment_list = [s for s in set(shipments) if s not in engine.shipment_marks]
        async with self._pool.acquire() as conn:
            if shipment_list:
                for row in await conn.fetch(
                    """SELECT shipment, mark FROM custody_shipment_marks
                       WHERE topic = $1 AND partition = $2 AND shipment = ANY($3::text[])""",
                    self.topic,
                    engine.partition,
                    shipment_list,
                ):
                    engine.shipment_marks[row["shipment"]] = row["mark"]
            if lot_list:
                for row in await conn.fetch(
                    "SELECT lot, state FROM custody_lots WHERE topic = $1 AND partition = $2 AND lot = ANY($3::text[])",
                    self.topic,
                    engine.partition,
                    lot_list,
                ):
                    engine.state.lots[row["lot"]] = lot_from_json(orjson.loads(row["state"]))
            if id_list:
                for row in await conn.fetch(
                    """SELECT event_id, digest FROM custody_seen
                       WHERE topic = $1 AND partition = $2 AND event_id = ANY($3::text[])""",
                    self.topic,
                    engine.partition,
                    id_list,
                ):
                    engine.state.seen[row["event_id"]] = bytes(row["digest"])
            if created_list:
                for row in await conn.fetch(
                    "SELECT lot, event_id FROM lot_claims WHERE topic = $1 AND lot = ANY($2::text[])",
                    self.topic,
                    created_list,
                ):
                    engine.claims[row["lot"]] = row["event_id"]

    async def claim_lots(self, claims: dict[str, str]) -> dict[str, str]:
        """Claim new lot ids for the events creating them; return the ones another event owns already."""
        if not claims:
            return {}
        rows = await self._pool.fetch(
            """WITH incoming AS (SELECT * FROM unnest($2::text[], $3::text[]) AS t(lot, event_id)),
                    inserted AS (INSERT INTO lot_claims (topic, lot, event_id) SELECT $1, lot, event_id FROM incoming
                                 ON CONFLICT (topic, lot) DO NOTHING RETURNING lot)
               SELECT c.lot, c.event_id FROM lot_claims c JOIN incoming i USING (lot)
               WHERE c.topic = $1 AND c.lot NOT IN (SELECT lot FROM inserted) AND c.event_id <> i.event_id""",
            self.topic,
            list(claims),
            list(claims.values()),
        )
        return {row["lot"]: row["event_id"] for row in rows}

    async def persist(self, engine: PartitionEngine, expected_offset: int, next_offset: int) -> None:
        """Write what changed and the next offset in one transaction; StaleWorkerError if someone else moved on."""
        dirty, partition, topic = engine.dirty, engine.partition, self.topic
        async with self._pool.acquire() as conn, conn.transaction():
            stored = await conn.fetchval(
                "SELECT next_offset FROM custody_partitions WHERE topic = $1 AND partition = $2 FOR UPDATE",
                topic,
                partition,
            )
            if stored != expected_offset:
                raise StaleWorkerError(f"partition {partition} is at offset {stored}, not {expected_offset}")
            await _upsert(
                conn,
                "custody_lots",
                "lot",
                "state",
                topic,
                partition,
                [(lot, orjson.dumps(engine.state.lots[lot].to_json()).decode()) for lot in dirty.lots],
            )
            await _upsert(
                conn,
                "custody_tallies",
                "key",
                "fine_mg",
                topic,
                partition,
                [(key, engine.state.tallies[key]) for key in dirty.tallies],
            )
            await _upsert(
                conn,
                "custody_seen",
                "event_id",
                "digest",
                topic,
                partition,
                [(event_id, engine.state.seen[event_id]) for event_id in dirty.seen],
            )
            parked = engine.parking.records
            still_parked = [lot for lot in dirty.parked if lot in parked]
            await _upsert(
                conn,
                "custody_parked",
                "lot",
                "records",
                topic,
                partition,
                [(lot, orjson.dumps(parked[lot]).decode()) for lot in still_parked],
            )
            await _upsert(
                conn,
                "custody_shipment_marks",
                "shipment",
                "mark",
                topic,
                partition,
                [(shipment, engine.shipment_marks[shipment]) for shipment in sorted(dirty.marks)],
            )
            released = [lot for lot in dirty.parked if lot not in parked]
            if released:
                await conn.execute(
                    "DELETE FROM custody_parked WHERE topic = $1 AND partition = $2 AND lot = ANY($3::text[])",
                    topic,
                    partition,
                    released,
                )
            await conn.execute(
                """UPDATE custody_partitions SET next_offset = $3, registry_position = $4, updated_at = now()
                   WHERE topic = $1 AND partition = $2""",
                topic,
                partition,
                next_offset,
                engine.registry_position,
            )
        dirty.clear()


_COLUMN_TYPES = {"state": "jsonb", "fine_mg": "bigint", "digest": "bytea", "records": "jsonb", "mark": "text"}


async def _upsert(
    conn: Any, table: str, key: str, value: str, topic: str, partition: int, rows: list[tuple[str, Any]]
) -> None:
    """Insert or replace (key, value) rows of one partition in one statement (names are constants above)."""
    if not rows:
        return
    value_type = _COLUMN_TYPES[value]
    await conn.execute(
        f"""INSERT INTO {table} (topic, partition, {key}, {value})
            SELECT $1, $2, k, v FROM unnest($3::text[], $4::{value_type}[]) AS t(k, v)
            ON CONFLICT (topic, partition, {key}) DO UPDATE SET {value} = EXCLUDED.{value}""",  # noqa: S608
        topic,
        partition,
        [k for k, _ in rows],
        [v for _, v in rows],
    )
