"""Fill a scratch database for bench/query.py: a million logged events, fast, with a real 50-event lot among them.

Filler (COPY, synthetic but consistent): groups of six events -- three extractions, a melt of the three into a new
lot, its shipment and receipt -- so `events`, `lots`, `lot_inputs` and `rejections` have realistic sizes, and the
log's leaves and every perfect-subtree hash (`events.merkle.CompactRange`, as the ledger computes them) make proofs
verify. The real lot is signed by the test scenario's keys, decided by the kernel and written by the ledger's own
batch writer (services/ledger/store.py) after the filler, then a head of the whole log is signed.

A marker table (`bench_query_fill`) records a finished fill; a rerun with the same size skips the fill.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import asyncpg
import orjson

from events.codec import SignedEvent
from events.custody import Accepted, decide, evolve, initial_state
from events.log_entry import event_log_leaf_hash
from events.merkle import CompactRange
from services.ledger.heads import LogKey, sign_head
from services.ledger.records import Where, read_accepted
from services.ledger.sql import EVENT_COLUMNS
from services.ledger.store import LedgerStore, Parsed
from services.ledger.tree_store import Db
from tests.unit.events.scenario import FM_ASMO, FM_CERT, FM_MINE, JEWELLER, REFINER, TRADER, Scenario, shipment_of
from tests.unit.ledger.season import accepted_value

REAL_LOT: Final = "bench-bar-1"
ORE_LOTS: Final = 8  # 8 lots x 5 events + melt, shipment, receipt + 8 registry events = 51 events in the verdict
CHUNK: Final = 50_000
GROUP: Final = 6  # events per filler group
REJECTED_EVERY: Final = 20  # one filler refusal per this many filler events
_MARKER_SQL: Final = """
    CREATE TABLE IF NOT EXISTS bench_query_fill (
        events bigint PRIMARY KEY, lot text NOT NULL, seconds double precision NOT NULL, filled_at timestamptz NOT NULL
    )
"""
_T0: Final = datetime(2025, 1, 1, tzinfo=UTC)


def real_events(scenario: Scenario) -> list[SignedEvent]:
    """The registry and the real lot's history: 8 Fairmined lots sold with premium, refined into a bar."""
    events = scenario.world()
    ores = [f"bench-ore-{i}" for i in range(ORE_LOTS)]
    for ore in ores:
        events.append(scenario.extract(FM_ASMO, ore, FM_MINE, 100_000, certificate=FM_CERT))
        sold = scenario.ship(FM_ASMO, ore, TRADER, 100_000, premium_usd="340.00")
        events += [sold, scenario.receive(TRADER, ore, shipment_of(sold), 100_000)]
        sent = scenario.ship(TRADER, ore, REFINER, 100_000)
        events += [sent, scenario.receive(REFINER, ore, shipment_of(sent), 100_000)]
    events.append(scenario.transform(REFINER, ores, [(REAL_LOT, 683_000, "995")], process="refining"))
    sent = scenario.ship(REFINER, REAL_LOT, JEWELLER, 683_000)
    return [*events, sent, scenario.receive(JEWELLER, REAL_LOT, shipment_of(sent), 683_000)]


def decided_records(scenario: Scenario, events: list[SignedEvent]) -> list[bytes]:
    """The accepted records the custody processor would emit (registry events at their own offsets)."""
    state = initial_state(scenario.anchor())
    registry = 0
    values = []
    for signed in events:
        outcome = decide(state, signed)
        assert isinstance(outcome, Accepted), (signed.event.type, outcome)
        evolve(state, outcome)
        values.append(accepted_value(signed, outcome, registry))  # a registry event's own offset, or the end
        registry += not signed.event.type.startswith("lot.")
    return values


async def filled(db: Db, events: int) -> float | None:
    """Seconds the existing fill of this size took, or None if there is none."""
    await db.execute(_MARKER_SQL)
    found: float | None = await db.fetchval("SELECT seconds FROM bench_query_fill WHERE events = $1", events)
    return found


async def fill(pool: asyncpg.Pool[Any], events: int, scenario: Scenario, log_key: LogKey) -> float:
    """Write `events` logged events (the real lot's last); return the seconds it took."""
    began = time.perf_counter()
    real = decided_records(scenario, real_events(scenario))
    compact = CompactRange()
    async with pool.acquire() as db:
        await db.execute(
            "TRUNCATE events, lots, lot_inputs, shipments, findings, rejections, log_leaves, log_nodes, tree_heads, "
            "ledger_offsets CASCADE"
        )
        await db.execute("DELETE FROM bench_query_fill")
        filler = events - len(real)
        for start in range(0, filler, CHUNK):
            await _copy_chunk(db, compact, start, min(filler, start + CHUNK))
            print(f"  filler: {min(filler, start + CHUNK):,} events ({time.perf_counter() - began:.0f} s)", flush=True)
    store = await LedgerStore.open(pool)
    parsed: list[Parsed] = []
    for offset, value in enumerate(real):
        where = Where("bench.accepted", 0, offset)
        parsed.append((where, read_accepted(value, where)))
    await store.write_batch(parsed, datetime.now(UTC))
    async with pool.acquire() as db:
        await sign_head(db, log_key)
        await db.execute("ANALYZE")
        seconds = time.perf_counter() - began
        await db.execute(
            "INSERT INTO bench_query_fill (events, lot, seconds, filled_at) VALUES ($1, $2, $3, now())",
            events,
            REAL_LOT,
            seconds,
        )
    return seconds


async def _copy_chunk(db: Db, compact: CompactRange, start: int, end: int) -> None:
    events: list[tuple[object, ...]] = []
    leaves: list[tuple[object, ...]] = []
    nodes: list[tuple[object, ...]] = []
    lots: list[tuple[object, ...]] = []
    edges: list[tuple[object, ...]] = []
    rejections: list[tuple[object, ...]] = []
    for i, kind, lot, inputs in _filler(start, end):
        event_id = f"fill-{i:07d}"
        digest = hashlib.sha256(event_id.encode()).digest()
        moment = _T0 + timedelta(seconds=i)
        body = orjson.dumps({"id": event_id, "type": kind, "subject": lot, "filler": True}).decode()
        source = f"/participants/filler-{i % 97}"
        events.append((event_id, digest, kind, source, lot, moment, "accepted", body, moment, 14))
        leaf = event_log_leaf_hash(digest, 14)
        nodes.extend((node.level, node.position, value) for node, value in compact.append(leaf))
        leaves.append((i, event_id, digest, 14, leaf))
        if kind in ("lot.extracted", "lot.transformed"):
            state = orjson.dumps({"lot": lot, "filler": True}).decode()
            lots.append((lot, f"filler-{i % 97}", "held", "fairmined", 100_000, "850", 85_000, state, event_id, i))
        edges.extend((lot, source_lot, event_id, "melting") for source_lot in inputs)
        if i % REJECTED_EVERY == 0:
            refused = hashlib.sha256(b"refused" + digest).digest()
            rejections.append(
                (refused, "custody.not_custodian", "filler", f"refused-{i}", kind, source, lot, body, "bench")
            )
    await db.copy_records_to_table("events", records=events, columns=EVENT_COLUMNS)
    await db.copy_records_to_table("log_leaves", records=leaves)
    await db.copy_records_to_table("log_nodes", records=nodes, columns=("level", "position", "hash"))
    lot_columns = ("lot", "custodian", "status", "lot_class", "mass_mg", "fineness", "fine_mg", "state")
    await db.copy_records_to_table("lots", records=lots, columns=(*lot_columns, "last_event_id", "last_leaf_index"))
    await db.copy_records_to_table("lot_inputs", records=edges)
    rejection_columns = ("digest", "code", "detail", "event_id", "type", "source", "subject", "body", "topic")
    await db.copy_records_to_table("rejections", records=rejections, columns=rejection_columns)


def _filler(start: int, end: int) -> Iterator[tuple[int, str, str, list[str]]]:
    """(index, type, lot, input lots) of filler events [start, end): extract x3, melt, ship, receive."""
    for i in range(start, end):
        group, step = divmod(i, GROUP)
        if step < 3:
            yield i, "lot.extracted", f"fill-lot-{group}-{step}", []
        elif step == 3:
            yield i, "lot.transformed", f"fill-bar-{group}", [f"fill-lot-{group}-{k}" for k in range(3)]
        else:
            yield i, ("lot.shipped" if step == 4 else "lot.received"), f"fill-bar-{group}", []
