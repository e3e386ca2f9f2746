"""The ledger's write side: one PostgreSQL transaction per batch, with the consumer offsets in it.

A batch is written like this, under a transaction-scoped advisory lock so two ledgers never interleave:

1. read the stored offsets of the batch's partitions; drop records below them (already written), and refuse a
   batch that starts past them (`OffsetGapError`: the consumer seeks back);
2. check the log size against the in-memory compact range (reloaded from `log_nodes` if another writer moved it);
3. look up the batch's event ids (`sort_accepted`): an id not stored is COPYed in, an id stored as rejected becomes
   the accepted event, an id already accepted is left alone (same digest: a re-delivery; other digest: a conflict,
   kept as a rejection). Only the ledger writes `events`, and it holds the lock, so the lookup cannot go stale;
4. keep every rejection, append the leaves and subtree hashes of the new events, upsert lots, graph edges,
   shipments and findings, and advance the offsets.

Bulk statements only (COPY, and set-based statements over unnest arrays; a pipelined executemany only for the
rare re-acceptance of a refused id): a batch costs a few statements and round trips whatever its size. Natural keys
(lots, edges, shipments, rejections) are written with ON CONFLICT, so no input can wedge a batch; tables keyed by
what this transaction allocates (leaves, nodes, findings) are COPYed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import asyncpg

from events.merkle import CompactRange
from services.ledger.errors import DIGEST_MISMATCH, ID_CONFLICT, MALFORMED, OffsetGapError
from services.ledger.records import (
    AcceptedEvent,
    Rejection,
    Where,
    id_conflict,
)
from services.ledger.rows import BatchPlan, LogRows, acceptance_row, event_row, log_rows, plan_batch
from services.ledger.sql import (
    ACCEPT_REJECTED,
    EVENT_COLUMNS,
    FINDING_COLUMNS,
    INSERT_INPUTS,
    INSERT_REJECTED_EVENTS,
    INSERT_REJECTIONS,
    INSERT_SHIPPED,
    KNOWN_EVENTS,
    OFFSETS_SQL,
    RECORD_RECEIPTS,
    UPSERT_LOTS,
    UPSERT_OFFSETS,
)
from services.ledger.tree_store import LOG_SIZE_SQL, Db, PgTreeStore

LEDGER_LOCK: Final = 4_706_173  # pg_advisory_xact_lock key held by the ledger's batch transaction

Parsed = tuple[Where, AcceptedEvent | Rejection]
Partition = tuple[str, int]


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
                UPSERT_OFFSETS,
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
        known = await self._known(plan.accepted)
        new_events, conflicts = sort_accepted(plan.accepted, known)
        await self._insert_accepted([a for a in new_events if a.event_id not in known])
        await self._accept_rejected([a for a in new_events if a.event_id in known])
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

    async def _known(self, accepted: list[AcceptedEvent]) -> dict[str, tuple[bytes, str]]:
        """(digest, outcome) of the batch's event ids already stored (only the ledger writes `events`)."""
        if not accepted:
            return {}
        rows = await self._db.fetch(KNOWN_EVENTS, [a.event_id for a in accepted])
        return {row[0]: (bytes(row[1]), row[2]) for row in rows}

    async def _insert_accepted(self, accepted: list[AcceptedEvent]) -> None:
        """COPY events never seen: under the ledger lock and after `_known`, none can exist."""
        if accepted:
            await self._db.copy_records_to_table(
                "events",
                records=[event_row(a) for a in accepted],
                columns=EVENT_COLUMNS,
            )

    async def _accept_rejected(self, accepted: list[AcceptedEvent]) -> None:
        """Events stored as rejected whose genuine version was accepted: the row becomes the accepted event."""
        if accepted:
            await self._db.executemany(ACCEPT_REJECTED, [acceptance_row(a) for a in accepted])

    async def _insert_rejected_events(self, rejections: list[Rejection]) -> int:
        valid = [r for r in rejections if r.schema_valid]
        if not valid:
            return 0
        status = await self._db.execute(
            INSERT_REJECTED_EVENTS,
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
            INSERT_REJECTIONS,
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
            await db.execute(UPSERT_LOTS, *_columns(rows.lots), now)
            written["lots"] = len(rows.lots)
        if rows.inputs:
            await db.execute(INSERT_INPUTS, *_columns(rows.inputs))
            written["lot_inputs"] = len(rows.inputs)
        if rows.shipped:
            await db.execute(INSERT_SHIPPED, *_columns(rows.shipped))
        if rows.received:
            await db.execute(RECORD_RECEIPTS, *_columns(rows.received))
        if rows.shipped or rows.received:
            written["shipments"] = len(rows.shipped) + len(rows.received)
        if rows.findings:
            await db.copy_records_to_table("findings", records=rows.findings, columns=FINDING_COLUMNS)
            written["findings"] = len(rows.findings)
        return written


def sort_accepted(
    accepted: list[AcceptedEvent], known: dict[str, tuple[bytes, str]]
) -> tuple[list[AcceptedEvent], list[Rejection]]:
    """Split distinct accepted events by what the database holds under their ids: `(digest, outcome)`.

    New to the log: ids not stored, or stored as rejected (the genuine event was accepted after a refusal).
    An id stored as accepted with the same digest is a re-delivery (no effect); with another digest it is an id
    conflict, kept as a rejection while the logged event stays.
    """
    new: list[AcceptedEvent] = []
    conflicts: list[Rejection] = []
    for event in accepted:
        stored = known.get(event.event_id)
        if stored is None or stored[1] == "rejected":
            new.append(event)
        elif stored[0] != event.digest:
            conflicts.append(id_conflict(event, stored[0]))
    return new, conflicts


async def _stored_offsets(db: Db) -> dict[Partition, int]:
    return {(row[0], row[1]): row[2] for row in await db.fetch(OFFSETS_SQL)}


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


def _columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows as one list per column: the arrays a set-based `unnest` statement takes (one statement, not one per row)."""
    return [list(column) for column in zip(*rows, strict=True)]


def _count(status: str) -> int:
    """Rows affected, from a command status such as `INSERT 0 12` or `UPDATE 3`."""
    return int(status.rsplit(" ", 1)[-1])
