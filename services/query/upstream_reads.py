"""Fetch what a lot's verdict needs from PostgreSQL, in a handful of batched queries (never one per event).

One query (its rows aggregated to JSON by PostgreSQL, parsed once) returns the lot's own history:

1. the wanted lots (recursive on `lot_inputs`): the lot, the inputs of every transformation that made a wanted
   lot, and the other inputs of every transformation that consumed one (so the events replay alike: the same
   closure as events.verdict.upstream_records), with the edges between them;
2. the accepted events naming those lots: single-lot events by subject, transformations by `lot_inputs.event_id`;
3. the refusals naming the lot or an upstream lot (`rejections` by subject), and the lot's current row.

Then the registry events they depend on, one query per round until closed (two rounds in practice): the authority,
every signer, and every participant, mine and certificate an event reads (receiver, assayer, mine, certificate,
holder, operator).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from services.common.http import HttpError
from services.ledger.tree_store import Db

MAX_WANTED_LOTS: Final = 5_000
MAX_EVENTS: Final = 20_000
MAX_REFUSALS: Final = 200
MAX_REGISTRY_ROUNDS: Final = 8


# One round trip for the lot's own history: wanted lots, edges, accepted events naming them, refusals, its row.
_HISTORY_SQL: Final = """
    WITH RECURSIVE wanted(lot) AS (
        SELECT $1::text
        UNION
        SELECT other.input_lot
        FROM wanted w
        JOIN lot_inputs edge ON edge.lot = w.lot OR edge.input_lot = w.lot
        JOIN lot_inputs other ON other.event_id = edge.event_id
    ),
    kept AS MATERIALIZED (SELECT lot FROM wanted LIMIT $2),
    edges AS MATERIALIZED (
        SELECT DISTINCT li.lot, li.input_lot, li.event_id, li.process
        FROM kept k JOIN lot_inputs li ON li.lot = k.lot OR li.input_lot = k.lot
    ),
    named AS (
        SELECT e.event_id FROM kept k JOIN events e ON e.subject = k.lot WHERE e.type LIKE 'lot.%'
        UNION
        SELECT event_id FROM edges
    ),
    history AS (
        SELECT n.event_id, x.body, x.registry_position, x.leaf_index
        FROM named n
        CROSS JOIN LATERAL (  -- LIMIT 1 (ids are unique) keeps this a per-event index lookup
            SELECT e.body, l.registry_position, l.leaf_index
            FROM events e JOIN log_leaves l ON l.event_id = e.event_id
            WHERE e.event_id = n.event_id AND e.outcome = 'accepted'
            LIMIT 1
        ) x
        LIMIT $3
    ),
    refused AS (
        SELECT event_id, type, source, subject, code, detail, coalesce(decided_at, recorded_at) AS decided_at
        FROM rejections
        WHERE subject IN (SELECT lot FROM kept) AND type LIKE 'lot.%'
        ORDER BY rejection_id
        LIMIT $4
    )
    SELECT
        (SELECT array_agg(lot ORDER BY lot) FROM kept),
        (SELECT json_agg(json_build_array(lot, input_lot, event_id, process) ORDER BY lot, input_lot)::text
         FROM edges),
        (SELECT json_agg(json_build_array(event_id, body, registry_position, leaf_index))::text FROM history),
        (SELECT json_agg(json_build_array(event_id, type, source, subject, code, detail, decided_at))::text
         FROM refused),
        (SELECT json_build_object(
                    'lot', lot, 'custodian', custodian, 'status', status, 'lot_class', lot_class, 'mass_mg', mass_mg,
                    'fineness', fineness, 'fine_mg', fine_mg, 'state', state, 'last_event_id', last_event_id,
                    'last_leaf_index', last_leaf_index, 'updated_at', updated_at)::text
         FROM lots WHERE lot = $1)
"""
_REGISTRY_EVENTS_SQL: Final = """
    SELECT json_agg(json_build_array(e.event_id, e.body, l.registry_position, l.leaf_index))::text
    FROM (
        SELECT event_id, body FROM events
        WHERE outcome = 'accepted' AND subject = ANY($1::text[]) AND type NOT LIKE 'lot.%'
        LIMIT $2
    ) e
    JOIN log_leaves l ON l.event_id = e.event_id
"""
_REFUSALS_SQL: Final = """
    SELECT event_id, type, source, subject, code, detail, coalesce(decided_at, recorded_at)
    FROM rejections
    WHERE subject = ANY($1::text[]) AND type LIKE 'lot.%'
    ORDER BY rejection_id
    LIMIT $2
"""
_LOT_SQL: Final = """
    SELECT json_build_object(
               'lot', lot, 'custodian', custodian, 'status', status, 'lot_class', lot_class, 'mass_mg', mass_mg,
               'fineness', fineness, 'fine_mg', fine_mg, 'state', state, 'last_event_id', last_event_id,
               'last_leaf_index', last_leaf_index, 'updated_at', updated_at)::text
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
    return _lot_json(await db.fetchval(_LOT_SQL, lot))


def _lot_json(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    row: dict[str, Any] = orjson.loads(text)
    row["updated_at"] = _utc(row["updated_at"])
    return row


def _utc(text: str) -> str:
    """PostgreSQL's JSON timestamp (`...+00:00`) as RFC 3339 UTC with `Z`."""
    return datetime.fromisoformat(text).astimezone(UTC).isoformat().replace("+00:00", "Z")


async def fetch_upstream(db: Db, lot: str, authority: str) -> Upstream:
    """Every stored fact a verdict of `lot` needs (see the module docstring): one query, then registry rounds."""
    row = await db.fetchrow(_HISTORY_SQL, lot, MAX_WANTED_LOTS + 1, MAX_EVENTS + 1, MAX_REFUSALS)
    assert row is not None  # an aggregate query always answers one row
    lots: list[str] = row[0]
    if len(lots) > MAX_WANTED_LOTS:
        raise _too_large(lot, f"{MAX_WANTED_LOTS} lots")
    edges = [Edge(*edge) for edge in orjson.loads(row[1] or "[]")]
    upstream = Upstream(lot, lots, edges, current=_lot_json(row[4]))
    _keep(upstream, orjson.loads(row[2] or "[]"))
    upstream.refusals = [
        Refusal(r[0], r[1] or "", (r[2] or "").rsplit("/", 1)[-1], r[3], r[4], r[5], datetime.fromisoformat(r[6]))
        for r in orjson.loads(row[3] or "[]")
    ]
    if upstream.known:
        await _close_registry(db, upstream, authority)
    return upstream


def _too_large(lot: str, what: str) -> HttpError:
    return HttpError(
        422,
        "lot.graph_too_large",
        f"Lot {lot!r} has more than {what} in its history; its provenance is too large to serve here. "
        "Ask the auditor's API for its custody graph instead.",
    )


def _keep(upstream: Upstream, rows: list[Any]) -> None:
    for event_id, body, registry_position, leaf_index in rows:
        upstream.events[event_id] = StoredEvent(event_id, body, registry_position, leaf_index)
    if len(upstream.events) > MAX_EVENTS:
        raise _too_large(upstream.lot, f"{MAX_EVENTS} events")


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
        found = await db.fetchval(_REGISTRY_EVENTS_SQL, fresh, MAX_EVENTS + 1)
        _keep(upstream, orjson.loads(found or "[]"))
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
