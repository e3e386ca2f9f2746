"""The ledger's write side: one PostgreSQL transaction per batch, with the consumer offsets in it.

A batch is written like this, under a transaction-scoped advisory lock so two ledgers never interleave:

1. read the stored offsets of the batch's partitions; drop records below them (already written), and refuse a
   batch that starts past them (`OffsetGapError`: the consumer seeks back);
2. check the log size against the in-memory compact range (reloaded from `log_nodes` if another writer moved it);
3. upsert the accepted events: a new id is inserted, an id stored as rejected becomes accepted, an id already
   accepted is left alone (RETURNING says which events are new to the log);
4. keep every rejection (and the id conflicts found in 3), append the leaves and subtree hashes of the new events,
   upsert lots, graph edges, shipments and findings, and advance the offsets.

Bulk statements only (unnest arrays, COPY): a batch costs about a dozen round trips whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import asyncpg

from events.merkle import CompactRange
from services.ledger.errors import OffsetGapError
from services.ledger.records import (
    DIGEST_MISMATCH,
    ID_CONFLICT,
    MALFORMED,
    AcceptedEvent,
    Rejection,
    Where,
    id_conflict,
)
from services.ledger.rows import BatchPlan, LogRows, log_rows, plan_batch
from services.ledger.tree_store import LOG_SIZE_SQL, Db, PgTreeStore

LEDGER_LOCK: Final = 4_706_173  # pg_advisory_xact_lock key held by the ledger's batch transaction

Parsed = tuple[Where, AcceptedEvent | Rejection]
Partition = tuple[str, int]

_OFFSETS_SQL: Final = "SELECT topic, partition, next_offset FROM ledger_offsets"
_UPSERT_ACCEPTED: Final = """
    INSERT INTO events AS e (event_id, digest, type, source, subject, event_time, outcome, body, decided_at,
                             registry_position)
    SELECT a.event_id, a.digest, a.type, a.source, a.subject, a.event_time, 'accepted', a.body::jsonb, a.decided_at,
           a.registry_position
    FROM unnest($1::text[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
                $8::timestamptz[], $9::bigint[])
         AS a(event_id, digest, type, source, subject, event_time, body, decided_at, registry_position)
    ON CONFLICT (event_id) DO UPDATE
       SET digest = EXCLUDED.digest, type = EXCLUDED.type, source = EXCLUDED.source, subject = EXCLUDED.subject,
           event_time = EXCLUDED.event_time, outcome = 'accepted', reason_code = NULL, reason = NULL,
           body = EXCLUDED.body, decided_at = EXCLUDED.decided_at, registry_position = EXCLUDED.registry_position,
           recorded_at = now()
       WHERE e.outcome = 'rejected'
    RETURNING event_id
"""
_LOGGED_DIGESTS: Final = "SELECT event_id, digest FROM events WHERE event_id = ANY($1::text[]) AND outcome = 'accepted'"
_INSERT_REJECTED_EVENTS: Final = """
    INSERT INTO events (event_id, digest, type, source, subject, event_time, outcome, reason_code, reason, body,
                        decided_at)
    SELECT r.event_id, r.digest, r.type, r.source, r.subject, r.event_time, 'rejected', r.code, r.detail,
           r.body::jsonb, r.decided_at
    FROM unnest($1::text[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
                $8::text[], $9::text[], $10::timestamptz[])
         AS r(event_id, digest, type, source, subject, event_time, code, detail, body, decided_at)
    ON CONFLICT (event_id) DO NOTHING
"""
_INSERT_REJECTIONS: Final = """
    INSERT INTO rejections (digest, code, detail, event_id, type, source, subject, body, raw, topic, decided_by,
                            decided_at)
    SELECT r.digest, r.code, r.detail, r.event_id, r.type, r.source, r.subject, r.body::jsonb, r.raw, r.topic,
           r.decided_by, r.decided_at
    FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::bytea[], $10::text[], $11::text[], $12::timestamptz[])
         AS r(digest, code, detail, event_id, type, source, subject, body, raw, topic, decided_by, decided_at)
    ON CONFLICT (digest, code) DO NOTHING
"""
_UPSERT_LOTS: Final = """
    INSERT INTO lots AS l (lot, custodian, status, lot_class, mass_mg, fineness, fine_mg, state, last_event_id,
                           last_leaf_index, updated_at)
    SELECT s.lot, s.custodian, s.status, s.lot_class, s.mass_mg, s.fineness, s.fine_mg, s.state::jsonb,
           s.last_event_id, s.last_leaf_index, $11
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::text[],
                $9::text[], $10::bigint[])
         AS s(lot, custodian, status, lot_class, mass_mg, fineness, fine_mg, state, last_event_id, last_leaf_index)
    ON CONFLICT (lot) DO UPDATE
       SET custodian = EXCLUDED.custodian, status = EXCLUDED.status, lot_class = EXCLUDED.lot_class,
           mass_mg = EXCLUDED.mass_mg, fineness = EXCLUDED.fineness, fine_mg = EXCLUDED.fine_mg,
           state = EXCLUDED.state, last_event_id = EXCLUDED.last_event_id,
           last_leaf_index = EXCLUDED.last_leaf_index, updated_at = EXCLUDED.updated_at
       WHERE l.last_leaf_index < EXCLUDED.last_leaf_index
"""
_INSERT_INPUTS: Final = """
    INSERT INTO lot_inputs (lot, input_lot, event_id, process)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
    ON CONFLICT (lot, input_lot) DO NOTHING
"""
_INSERT_SHIPPED: Final = """
    INSERT INTO shipments (lot, shipment, sender, receiver, shipped_mg, shipped_event_id, shipped_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[])
    ON CONFLICT (lot, shipment) DO NOTHING
"""
_UPDATE_RECEIVED: Final = """
    UPDATE shipments s SET received_mg = r.mg, received_event_id = r.event_id, received_at = r.at
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[])
         AS r(lot, shipment, mg, event_id, at)
    WHERE s.lot = r.lot AND s.shipment = r.shipment AND s.received_event_id IS NULL
"""
_UPSERT_OFFSETS: Final = """
    INSERT INTO ledger_offsets AS o (topic, partition, next_offset, updated_at)
    SELECT t, p, n, now() FROM unnest($1::text[], $2::int[], $3::bigint[]) AS x(t, p, n)
    ON CONFLICT (topic, partition) DO UPDATE
       SET next_offset = greatest(o.next_offset, EXCLUDED.next_offset), updated_at = now()
"""
_FINDING_COLUMNS: Final = (
    "code", "severity", "lot", "organization", "mine", "event_id", "ordinal", "event_ids", "figures", "detail",
    "event_time", "created_at",
)  # fmt: skip


@dataclass(slots=True)
class BatchResult:
    """What one batch did: records read and skipped, events new to the log, rows per table, offsets after it."""

    records: int = 0
    skipped: int = 0
    new_events: int = 0
    duplicates: int = 0
    conflicts: int = 0
    malformed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    offsets: dict[Partition, int] = field(default_factory=dict)
    log_size: int = 0


class LedgerStore:
    """Writes batches (one pool connection each) and keeps the log's compact range in step with the database."""

    def __init__(self, pool: asyncpg.Pool[asyncpg.Record], compact: CompactRange) -> None:
        self._pool = pool
        self._compact = compact

    @classmethod
    async def open(cls, pool: asyncpg.Pool[asyncpg.Record]) -> LedgerStore:
        """A store over `pool`, its compact range restored from the stored subtree hashes."""
        async with pool.acquire() as db:
            return cls(pool, await PgTreeStore(db).compact_range())

    @property
    def log_size(self) -> int:
        """Leaves in the log as of the last batch this store committed (or found)."""
        return self._compact.size

    @property
    def root(self) -> bytes:
        """The root hash of the log as of the last batch."""
        return self._compact.root()

    async def offsets(self) -> dict[Partition, int]:
        """The next offset to read of every partition the ledger has written from."""
        async with self._pool.acquire() as db:
            return await _stored_offsets(db)

    async def write_batch(self, parsed: Sequence[Parsed], now: datetime) -> BatchResult:
        """Write one batch (records in topic order) in one transaction; see the module docstring."""
        result = BatchResult(records=len(parsed))
        async with self._pool.acquire() as db, db.transaction():
            await db.execute("SELECT pg_advisory_xact_lock($1)", LEDGER_LOCK)
            fresh = _unwritten(parsed, await _stored_offsets(db))
            result.skipped = len(parsed) - len(fresh)
            compact = await self._current_compact(db)
            plan = plan_batch(record for _, record in fresh)
            rows = await _Batch(db).write(plan, compact, now, result)
            result.offsets = _next_offsets(parsed)
            await db.execute(
                _UPSERT_OFFSETS,
                [t for t, _ in result.offsets],
                [p for _, p in result.offsets],
                list(result.offsets.values()),
            )
        self._compact = rows.compact
        result.log_size = rows.compact.size
        return result

    async def _current_compact(self, db: Db) -> CompactRange:
        size: int = await db.fetchval(LOG_SIZE_SQL)
        if size != self._compact.size:  # another writer appended, or our last commit's outcome is unknown
            self._compact = await PgTreeStore(db).compact_range(size)
        return self._compact


class _Batch:
    """The statements of one batch transaction."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def write(self, plan: BatchPlan, compact: CompactRange, now: datetime, result: BatchResult) -> LogRows:
        """Write a planned batch; return the log rows (and compact range) of its new events."""
        new_ids = await self._upsert_accepted(plan.accepted)
        new_events = [a for a in plan.accepted if a.event_id in new_ids]
        conflicts = await self._conflicts([a for a in plan.accepted if a.event_id not in new_ids])
        rejections = plan.rejections + conflicts
        rows = log_rows(compact, new_events, now)
        result.new_events = len(new_events)
        result.conflicts = len(conflicts) + sum(r.code == ID_CONFLICT for r in plan.rejections)
        result.duplicates = plan.duplicates + len(plan.accepted) - len(new_events) - len(conflicts)
        result.malformed = sum(r.code in (MALFORMED, DIGEST_MISMATCH) for r in plan.rejections)
        result.rows["events"] = len(new_events) + await self._insert_rejected_events(rejections)
        result.rows["rejections"] = await self._insert_rejections(rejections)
        result.rows.update(await self._append(rows, now))
        return rows

    async def _upsert_accepted(self, accepted: list[AcceptedEvent]) -> set[str]:
        if not accepted:
            return set()
        rows = await self._db.fetch(
            _UPSERT_ACCEPTED,
            [a.event_id for a in accepted],
            [a.digest for a in accepted],
            [a.event_type for a in accepted],
            [a.source for a in accepted],
            [a.subject for a in accepted],
            [a.event_time for a in accepted],
            [a.body for a in accepted],
            [a.decided_at for a in accepted],
            [a.registry_position for a in accepted],
        )
        return {row[0] for row in rows}

    async def _conflicts(self, repeated: list[AcceptedEvent]) -> list[Rejection]:
        """Accepted records whose id the log holds with another digest (same digest: a harmless re-delivery)."""
        if not repeated:
            return []
        rows = await self._db.fetch(_LOGGED_DIGESTS, [a.event_id for a in repeated])
        logged = {row[0]: bytes(row[1]) for row in rows}
        return [id_conflict(a, logged[a.event_id]) for a in repeated if logged.get(a.event_id, a.digest) != a.digest]

    async def _insert_rejected_events(self, rejections: list[Rejection]) -> int:
        valid = [r for r in rejections if r.schema_valid]
        if not valid:
            return 0
        status = await self._db.execute(
            _INSERT_REJECTED_EVENTS,
            [r.event_id for r in valid],
            [r.digest for r in valid],
            [r.event_type for r in valid],
            [r.source for r in valid],
            [r.subject for r in valid],
            [r.event_time for r in valid],
            [r.code for r in valid],
            [r.detail for r in valid],
            [r.body for r in valid],
            [r.decided_at for r in valid],
        )
        return _count(status)

    async def _insert_rejections(self, rejections: list[Rejection]) -> int:
        if not rejections:
            return 0
        status = await self._db.execute(
            _INSERT_REJECTIONS,
            [r.digest for r in rejections],
            [r.code for r in rejections],
            [r.detail for r in rejections],
            [r.event_id for r in rejections],
            [r.event_type for r in rejections],
            [r.source for r in rejections],
            [r.subject for r in rejections],
            [r.body for r in rejections],
            [r.raw for r in rejections],
            [r.topic for r in rejections],
            [r.decided_by for r in rejections],
            [r.decided_at for r in rejections],
        )
        return _count(status)

    async def _append(self, rows: LogRows, now: datetime) -> dict[str, int]:
        """Write what the new events produce; return rows written per table."""
        db, written = self._db, {}
        if rows.leaves:
            await db.copy_records_to_table("log_leaves", records=rows.leaves)
            await db.copy_records_to_table("log_nodes", records=rows.nodes)
            written["log_leaves"], written["log_nodes"] = len(rows.leaves), len(rows.nodes)
        if rows.lots:
            written["lots"] = _count(await db.execute(_UPSERT_LOTS, *_columns(rows.lots, 10), now))
        if rows.inputs:
            written["lot_inputs"] = _count(await db.execute(_INSERT_INPUTS, *_columns(rows.inputs, 4)))
        if rows.shipped:
            written["shipments"] = _count(await db.execute(_INSERT_SHIPPED, *_columns(rows.shipped, 7)))
        if rows.received:
            received = _count(await db.execute(_UPDATE_RECEIVED, *_columns(rows.received, 5)))
            written["shipments"] = written.get("shipments", 0) + received
        if rows.findings:
            await db.copy_records_to_table("findings", records=rows.findings, columns=_FINDING_COLUMNS)
            written["findings"] = len(rows.findings)
        return written


async def _stored_offsets(db: Db) -> dict[Partition, int]:
    return {(row[0], row[1]): row[2] for row in await db.fetch(_OFFSETS_SQL)}


def _unwritten(parsed: Sequence[Parsed], stored: dict[Partition, int]) -> list[Parsed]:
    """The records at or past the stored offsets; OffsetGapError if a partition's batch starts beyond them."""
    first: dict[Partition, int] = {}
    for where, _ in parsed:
        first.setdefault((where.topic, where.partition), where.offset)
    for (topic, partition), offset in first.items():
        known = stored.get((topic, partition))
        if known is not None and offset > known:
            raise OffsetGapError(topic, partition, known, offset)
    return [(w, r) for w, r in parsed if w.offset >= stored.get((w.topic, w.partition), 0)]


def _next_offsets(parsed: Sequence[Parsed]) -> dict[Partition, int]:
    offsets: dict[Partition, int] = {}
    for where, _ in parsed:
        key = (where.topic, where.partition)
        offsets[key] = max(offsets.get(key, 0), where.offset + 1)
    return offsets


def _columns(rows: Sequence[Sequence[object]], width: int) -> list[list[object]]:
    """Rows to columns, for unnest($1::type[], ...)."""
    return [[row[i] for row in rows] for i in range(width)]


def _count(status: str) -> int:
    """Rows affected, from a command status such as `INSERT 0 12` or `UPDATE 3`."""
    return int(status.rsplit(" ", 1)[-1])
