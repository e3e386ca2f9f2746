"""Fetch what a lot's verdict needs from PostgreSQL, in a handful of batched queries (never one per event).

One query (its rows aggregated to JSON by PostgreSQL, parsed once) returns the lot's own history:

1. the wanted lots (recursive on `lot_inputs`): the lot, the inputs of every transformation that made a wanted
   lot, and the other inputs of every transformation that consumed one (so the events replay alike: the same
   closure as events.verdict.upstream_records), with the edges between them;
2. the accepted events naming those lots: single-lot events by subject, transformations by `lot_inputs.event_id`;
3. the refusals naming the lot or an upstream lot (`rejections` by subject), and the refused transformations that
   claimed to make the lot itself (by `data.outputs[].lot`, through the GIN index of migration 0010), each with
   the time its event says it happened; and the lot's current row.

Then the registry events they depend on, one query per round until closed (two rounds in practice): the authority,
every signer, and every participant, mine and certificate an event reads (receiver, assayer, mine, certificate,
holder, operator). The same rounds read the registry events of the refusals' signers, kept apart (`named`): they
give the page a name to show and never enter the replay, so the verdict and the bundle stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from pydantic import TypeAdapter, ValidationError

from events.model.types import ID_PATTERN, Timestamp
from services.common.http import HttpError
from services.ledger.tree_store import Db

MAX_WANTED_LOTS: Final = 5_000
MAX_EVENTS: Final = 20_000
MAX_REFUSALS: Final = 200
MAX_REGISTRY_ROUNDS: Final = 8

_LOT_ID: Final = re.compile(ID_PATTERN)
_TIMESTAMP: Final = TypeAdapter(Timestamp)


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
    refused_ids AS (
        (SELECT rejection_id FROM rejections
         WHERE subject IN (SELECT lot FROM kept) AND type LIKE 'lot.%'
         ORDER BY rejection_id LIMIT $4)
        UNION
        (SELECT rejection_id FROM rejections  -- the partial GIN index rejections_outputs_idx (0010)
         WHERE type = 'lot.transformed'
           AND body -> 'data' -> 'outputs' @> jsonb_build_array(jsonb_build_object('lot', $1::text))
         ORDER BY rejection_id LIMIT $4)
    ),
    refused AS (
        SELECT r.rejection_id, r.event_id, r.type, r.source, r.subject, r.code, r.detail,
               coalesce(r.decided_at, r.recorded_at) AS decided_at,
               CASE WHEN jsonb_typeof(r.body -> 'time') = 'string' THEN left(r.body ->> 'time', 64) END AS time,
               CASE WHEN r.type = 'lot.transformed' THEN jsonb_path_query_array(
                   r.body -> 'data' -> 'outputs', '$[0 to 255].lot ? (@.type() == "string")') END AS outputs
        FROM rejections r
        WHERE r.rejection_id IN (SELECT rejection_id FROM refused_ids)
        ORDER BY r.rejection_id
        LIMIT $4
    )
    SELECT
        (SELECT array_agg(lot ORDER BY lot) FROM kept),
        (SELECT json_agg(json_build_array(lot, input_lot, event_id, process) ORDER BY lot, input_lot)::text
         FROM edges),
        (SELECT json_agg(json_build_array(event_id, body, registry_position, leaf_index))::text FROM history),
        (SELECT json_agg(json_build_array(event_id, type, source, subject, code, detail, decided_at, time, outputs)
                         ORDER BY rejection_id)::text
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
    time: str | None = None
    """The event's own `time`, as signed; None when the refused bytes held no readable timestamp."""
    outputs: tuple[str, ...] = ()
    """The lots a refused `lot.transformed` claimed to make (empty for any other type)."""

    def names(self, lot: str) -> bool:
        """Whether the refused event is about `lot`: its subject, or a lot it claimed to make."""
        return self.subject == lot or lot in self.outputs


@dataclass(slots=True)
class Upstream:
    """Everything stored about a lot's history: lots, edges, accepted events, refusals, its current row."""

    lot: str
    lots: list[str]
    edges: list[Edge]
    events: dict[str, StoredEvent] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    current: dict[str, Any] | None = None
    named: dict[str, StoredEvent] = field(default_factory=dict)
    """Registry events read only for names (the refusals' signers): never replayed."""

    @property
    def known(self) -> bool:
        """Whether anything at all was ever stored about the lot (a row, an event, a refusal naming it)."""
        if self.current is not None or any(r.names(self.lot) for r in self.refusals):
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
    upstream.refusals = [_refusal(r) for r in orjson.loads(row[3] or "[]")]
    if upstream.known:
        await _close_registry(db, upstream, authority)
    return upstream


def _refusal(row: list[Any]) -> Refusal:
    event_id, kind, source, subject, code, detail, decided_at, time, outputs = row
    return Refusal(
        event_id,
        kind or "",
        (source or "").rsplit("/", 1)[-1],
        subject or "",
        code,
        detail,
        datetime.fromisoformat(decided_at),
        signed_time(time),
        tuple(lot for lot in outputs or () if _LOT_ID.fullmatch(lot)),
    )


def signed_time(value: str | None) -> str | None:
    """A refused event's `time` when it is an RFC 3339 UTC timestamp as the contract has them, else None."""
    if value is None:
        return None
    try:
        return _TIMESTAMP.validate_python(value)
    except ValidationError:
        return None


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
    """Read the registry events the replay needs (closed over what they read) and those of the refusals' signers.

    A registry event joins the replay when its subject is wanted by the replay; the others (the signers of
    refusals only) go to `upstream.named`.
    """
    asked: set[str] = set()
    wanted = {authority}
    for event in upstream.events.values():
        wanted.update(registry_names(event))
    signers = {refusal.signer for refusal in upstream.refusals if refusal.signer}
    found: dict[str, StoredEvent] = {}
    for _ in range(MAX_REGISTRY_ROUNDS):
        fresh = sorted((wanted | signers) - asked)
        if not fresh:
            break
        asked.update(fresh)
        rows = orjson.loads(await db.fetchval(_REGISTRY_EVENTS_SQL, fresh, MAX_EVENTS + 1) or "[]")
        for event_id, body, registry_position, leaf_index in rows:
            found[event_id] = StoredEvent(event_id, body, registry_position, leaf_index)
        if len(upstream.events) + len(found) > MAX_EVENTS:
            raise _too_large(upstream.lot, f"{MAX_EVENTS} events")
        _widen(wanted, found.values())
    for event_id, event in found.items():
        if event.body["subject"] in wanted:
            upstream.events[event_id] = event
        else:
            upstream.named[event_id] = event


def _widen(wanted: set[str], found: Collection[StoredEvent]) -> None:
    """Add to `wanted` what the registry events of wanted subjects read, until nothing new is added."""
    while True:
        before = len(wanted)
        for event in found:
            if event.body["subject"] in wanted:
                wanted.update(registry_names(event))
        if len(wanted) == before:
            return


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
