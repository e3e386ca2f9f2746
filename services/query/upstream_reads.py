"""Fetch what a lot's verdict needs from PostgreSQL, in a handful of batched queries (never one per event).

1. The wanted lots (one recursive query on `lot_inputs`): the lot, the inputs of every transformation that made a
   wanted lot, and the other inputs of every transformation that consumed one (so the events replay alike: the
   same closure as events.verdict.upstream_records).
2. The accepted events naming those lots: single-lot events by subject, transformations by `lot_inputs.event_id`.
3. The registry events they depend on, round by round until closed: the authority, every signer, and every
   participant, mine and certificate an event reads (receiver, assayer, mine, certificate, holder, operator).
4. The refusals naming the lot or an upstream lot (`rejections` by subject).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import orjson

from services.common.http import HttpError
from services.ledger.tree_store import Db

MAX_WANTED_LOTS: Final = 5_000
MAX_EVENTS: Final = 20_000
MAX_REFUSALS: Final = 200
MAX_REGISTRY_ROUNDS: Final = 8

_GRAPH_SQL: Final = """
    WITH RECURSIVE wanted(lot) AS (
        SELECT $1::text
        UNION
        SELECT other.input_lot
        FROM wanted w
        JOIN lot_inputs edge ON edge.lot = w.lot OR edge.input_lot = w.lot
        JOIN lot_inputs other ON other.event_id = edge.event_id
    )
    SELECT w.lot, li.lot, li.input_lot, li.event_id, li.process
    FROM (SELECT lot FROM wanted LIMIT $2) w
    LEFT JOIN lot_inputs li ON li.lot = w.lot OR li.input_lot = w.lot
"""
_LOT_EVENTS_SQL: Final = """
    SELECT e.event_id, e.body::text, l.registry_position, l.leaf_index
    FROM events e JOIN log_leaves l ON l.event_id = e.event_id
    WHERE e.outcome = 'accepted'
      AND ((e.subject = ANY($1::text[]) AND e.type LIKE 'lot.%') OR e.event_id = ANY($2::text[]))
    LIMIT $3
"""
_REGISTRY_EVENTS_SQL: Final = """
    SELECT e.event_id, e.body::text, l.registry_position, l.leaf_index
    FROM events e JOIN log_leaves l ON l.event_id = e.event_id
    WHERE e.outcome = 'accepted' AND e.subject = ANY($1::text[]) AND e.type NOT LIKE 'lot.%'
    LIMIT $2
"""
_REFUSALS_SQL: Final = """
    SELECT event_id, type, source, subject, code, detail, coalesce(decided_at, recorded_at)
    FROM rejections
    WHERE subject = ANY($1::text[]) AND type LIKE 'lot.%'
    ORDER BY rejection_id
    LIMIT $2
"""
_LOT_SQL: Final = """
    SELECT lot, custodian, status, lot_class, mass_mg, fineness, fine_mg, state::text, last_event_id,
           last_leaf_index, updated_at
    FROM lots WHERE lot = $1
"""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An accepted event as the ledger logged it: the signed object, its registry position and leaf."""

    event_id: str
    body: dict[str, Any]
    registry_position: int
    leaf_index: int

    @property
    def event_type(self) -> str:
        """The event's `type` (for events.bundle.log_order)."""
        found: str = self.body["type"]
        return found

    @property
    def signer(self) -> str:
        """The participant id of `source`."""
        source: str = self.body["source"]
        return source.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Edge:
    """A lot made by a transformation from one input lot."""

    lot: str
    input_lot: str
    event_id: str
    process: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused event naming a lot (kept by the ledger in `rejections`)."""

    event_id: str | None
    type: str
    signer: str
    subject: str
    code: str
    detail: str
    decided_at: datetime


@dataclass(slots=True)
class Upstream:
    """Everything stored about a lot's history: lots, edges, accepted events, refusals, its current row."""

    lot: str
    lots: list[str]
    edges: list[Edge]
    events: dict[str, StoredEvent] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    current: dict[str, Any] | None = None

    @property
    def known(self) -> bool:
        """Whether anything at all was ever stored about the lot (a row, an event, a refusal)."""
        if self.current is not None or any(r.subject == self.lot for r in self.refusals):
            return True
        return any(event.event_type.startswith("lot.") for event in self.events.values())


async def lot_row(db: Db, lot: str) -> dict[str, Any] | None:
    """The lot's current row in `lots` (state as the processor last decided it), or None."""
    row = await db.fetchrow(_LOT_SQL, lot)
    if row is None:
        return None
    return {
        "lot": row[0],
        "custodian": row[1],
        "status": row[2],
        "lot_class": row[3],
        "mass_mg": row[4],
        "fineness": row[5],
        "fine_mg": row[6],
        "state": orjson.loads(row[7]),
        "last_event_id": row[8],
        "last_leaf_index": row[9],
        "updated_at": row[10].isoformat().replace("+00:00", "Z"),
    }


async def fetch_upstream(db: Db, lot: str, authority: str) -> Upstream:
    """Every stored fact a verdict of `lot` needs (see the module docstring)."""
    lots, edges = await _graph(db, lot)
    upstream = Upstream(lot, lots, edges)
    upstream.current = await lot_row(db, lot)
    transformations = sorted({edge.event_id for edge in edges})
    _keep(upstream, await db.fetch(_LOT_EVENTS_SQL, lots, transformations, MAX_EVENTS + 1))
    upstream.refusals = [
        Refusal(r[0], r[1] or "", (r[2] or "").rsplit("/", 1)[-1], r[3], r[4], r[5], r[6])
        for r in await db.fetch(_REFUSALS_SQL, lots, MAX_REFUSALS)
    ]
    if upstream.known:
        await _close_registry(db, upstream, authority)
    return upstream


async def _graph(db: Db, lot: str) -> tuple[list[str], list[Edge]]:
    rows = await db.fetch(_GRAPH_SQL, lot, MAX_WANTED_LOTS + 1)
    lots = sorted({row[0] for row in rows})
    if len(lots) > MAX_WANTED_LOTS:
        raise HttpError(
            422,
            "lot.graph_too_large",
            f"Lot {lot!r} has more than {MAX_WANTED_LOTS} lots in its history; its provenance is too large to "
            "serve here. Ask the auditor's API for its custody graph instead.",
        )
    edges = {Edge(row[1], row[2], row[3], row[4]) for row in rows if row[1] is not None}
    return lots, sorted(edges, key=lambda e: (e.lot, e.input_lot))


def _keep(upstream: Upstream, rows: list[Any]) -> None:
    for row in rows:
        upstream.events[row[0]] = StoredEvent(row[0], orjson.loads(row[1]), row[2], row[3])
    if len(upstream.events) > MAX_EVENTS:
        raise HttpError(
            422,
            "lot.graph_too_large",
            f"Lot {upstream.lot!r} has more than {MAX_EVENTS} events in its history; its provenance is too large "
            "to serve here. Ask the auditor's API for its custody graph instead.",
        )


async def _close_registry(db: Db, upstream: Upstream, authority: str) -> None:
    asked: set[str] = set()
    wanted = {authority}
    for event in upstream.events.values():
        wanted.update(registry_names(event))
    for _ in range(MAX_REGISTRY_ROUNDS):
        fresh = sorted(wanted - asked)
        if not fresh:
            return
        asked.update(fresh)
        before = set(upstream.events)
        _keep(upstream, await db.fetch(_REGISTRY_EVENTS_SQL, fresh, MAX_EVENTS + 1))
        for event_id in set(upstream.events) - before:
            wanted.update(registry_names(upstream.events[event_id]))


def registry_names(event: StoredEvent) -> set[str]:
    """The registry subjects whose events decide this event: its signer and whom or what it reads."""
    data: dict[str, Any] = event.body.get("data", {})
    kind = event.event_type
    names = {event.signer}
    if kind == "lot.extracted":
        names.add(data["mine"])
        if "certificate" in data:
            names.add(data["certificate"])
    elif kind == "lot.shipped":
        names.add(data["to"])
    elif kind == "lot.assayed":
        names.add(data["assayer"])
    elif kind == "certificate.issued":
        names.update([data["holder"], *data["mines"]])
    elif kind == "mine.registered":
        names.add(data["operator"])
    return names
