"""From a batch of records to the rows the ledger writes (pure): dedup, log leaves, lots, graph, findings.

Two steps, because what is new is only known inside the transaction:

1. `plan_batch` sorts a batch into accepted events (first record of each id; a later record with the same id and
   other content is an id conflict) and rejections (one per digest and code).
2. once the database has said which accepted events are new, `log_rows` appends their leaves to a copy of the
   compact range and builds every row they produce. A re-delivered event is not new, so it produces nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from events.log_entry import event_log_leaf_hash
from events.merkle import CompactRange
from services.ledger.records import AcceptedEvent, Rejection, id_conflict

# event_id, digest, type, source, subject, event_time, outcome, body, decided_at, registry_position
EventRow = tuple[str, bytes, str, str, str, datetime, str, str, datetime | None, int]
LeafRow = tuple[int, str, bytes, int, bytes]  # leaf_index, event_id, event_digest, registry_position, leaf_hash
NodeRow = tuple[int, int, bytes]  # level, position, hash
# lot, custodian, status, lot_class, mass_mg, fineness, fine_mg, state, last_event_id, last_leaf_index
LotRow = tuple[str, str | None, str, str, int, str, int, str, str, int]
InputRow = tuple[str, str, str, str]  # lot, input_lot, event_id, process
ShippedRow = tuple[str, str, str, str, int, str, datetime]  # lot, shipment, sender, receiver, mg, event, at
ReceivedRow = tuple[str, str, int, str, datetime]  # lot, shipment, received_mg, event_id, received_at
# code, severity, lot, organization, mine, event_id, ordinal, event_ids, figures, detail, event_time, created_at
FindingRow = tuple[str, str, str | None, str | None, str | None, str, int, list[str], str, str, datetime, datetime]


@dataclass(slots=True)
class BatchPlan:
    """A batch sorted out: distinct accepted events in log order, and the rejections to keep."""

    accepted: list[AcceptedEvent] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    duplicates: int = 0
    """Records repeating an accepted event already in this batch (same id, same digest)."""


def plan_batch(records: Iterable[AcceptedEvent | Rejection]) -> BatchPlan:
    """Sort a batch's records, in topic order, into distinct accepted events and distinct rejections."""
    plan = BatchPlan()
    by_id: dict[str, bytes] = {}
    seen_rejections: set[tuple[bytes, str]] = set()

    def keep(rejection: Rejection) -> None:
        if (rejection.digest, rejection.code) not in seen_rejections:
            seen_rejections.add((rejection.digest, rejection.code))
            plan.rejections.append(rejection)

    for record in records:
        if isinstance(record, Rejection):
            keep(record)
            continue
        first = by_id.get(record.event_id)
        if first is None:
            by_id[record.event_id] = record.digest
            plan.accepted.append(record)
        elif first == record.digest:
            plan.duplicates += 1
        else:
            keep(id_conflict(record, first))
    return plan


@dataclass(slots=True)
class LogRows:
    """Everything the new accepted events of a batch write, and the compact range after their leaves."""

    compact: CompactRange
    leaves: list[LeafRow] = field(default_factory=list)
    nodes: list[NodeRow] = field(default_factory=list)
    lots: list[LotRow] = field(default_factory=list)
    inputs: list[InputRow] = field(default_factory=list)
    shipped: list[ShippedRow] = field(default_factory=list)
    received: list[ReceivedRow] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)


def log_rows(compact: CompactRange, new_events: Sequence[AcceptedEvent], now: datetime) -> LogRows:
    """Rows for events new to the log, in log order; `compact` is left as it was (the result holds a copy)."""
    rows = LogRows(CompactRange(compact.size, compact.hashes))
    latest_lots: dict[str, LotRow] = {}
    first_receipts: dict[tuple[str, str], ReceivedRow] = {}
    for accepted in new_events:
        index = rows.compact.size
        leaf = event_log_leaf_hash(accepted.digest, accepted.registry_position)
        rows.nodes.extend((node.level, node.position, digest) for node, digest in rows.compact.append(leaf))
        rows.leaves.append((index, accepted.event_id, accepted.digest, accepted.registry_position, leaf))
        for state in accepted.lots:
            latest_lots[state["lot"]] = lot_row(state, accepted.event_id, index)
        rows.inputs.extend(input_rows(accepted))
        rows.shipped.extend(shipped_rows(accepted))
        for receipt in received_rows(accepted):
            first_receipts.setdefault((receipt[0], receipt[1]), receipt)
        rows.findings.extend(finding_rows(accepted, now))
    rows.lots = list(latest_lots.values())
    rows.received = list(first_receipts.values())  # one set-based UPDATE: a shipment's first receipt prevails
    return rows


def event_row(accepted: AcceptedEvent) -> EventRow:
    """The `events` row of an accepted event (sql.EVENT_COLUMNS order)."""
    return (
        accepted.event_id,
        accepted.digest,
        accepted.event_type,
        accepted.source,
        accepted.subject,
        accepted.event_time,
        "accepted",
        accepted.body,
        accepted.decided_at,
        accepted.registry_position,
    )


def acceptance_row(accepted: AcceptedEvent) -> tuple[object, ...]:
    """The parameters of sql.ACCEPT_REJECTED: the event row without its outcome."""
    row = event_row(accepted)
    return row[:6] + row[7:]


def lot_row(state: dict[str, Any], event_id: str, leaf_index: int) -> LotRow:
    """The `lots` row of a lot state (events.custody Lot.to_json) after the event at `leaf_index`."""
    return (
        state["lot"],
        state.get("custodian"),
        state["status"],
        state["lot_class"],
        state["mass_mg"],
        state["fineness"],
        state["fine_mg"],
        orjson.dumps(state).decode(),
        event_id,
        leaf_index,
    )


def input_rows(accepted: AcceptedEvent) -> list[InputRow]:
    """Provenance edges of a transformation: every output lot to every input lot."""
    if accepted.event_type != "lot.transformed":
        return []
    data = accepted.data
    process = str(data.get("process", ""))
    return [
        (str(output["lot"]), str(source), accepted.event_id, process)
        for output in data.get("outputs", [])
        for source in data.get("inputs", [])
    ]


def shipped_rows(accepted: AcceptedEvent) -> list[ShippedRow]:
    """The shipment a `lot.shipped` event opens."""
    if accepted.event_type != "lot.shipped":
        return []
    data = accepted.data
    return [
        (
            str(data["lot"]),
            str(data["shipment"]),
            accepted.signer,
            str(data["to"]),
            int(data["mass_mg"]),
            accepted.event_id,
            accepted.event_time,
        )
    ]


def received_rows(accepted: AcceptedEvent) -> list[ReceivedRow]:
    """The receipt a `lot.received` event records on its shipment."""
    if accepted.event_type != "lot.received":
        return []
    data = accepted.data
    return [(str(data["lot"]), str(data["shipment"]), int(data["mass_mg"]), accepted.event_id, accepted.event_time)]


def finding_rows(accepted: AcceptedEvent, now: datetime) -> list[FindingRow]:
    """The findings raised by an accepted event, each attributed to a lot, an organization and a mine.

    A finding may name them itself (`lot`, `organization`, `mine`); otherwise the lot is the event's subject (for
    lot events), the organization its signer, and the mine the extraction's mine.
    """
    data = accepted.data
    default_lot = accepted.subject if accepted.event_type.startswith("lot.") else None
    default_mine = str(data["mine"]) if accepted.event_type == "lot.extracted" else None
    return [
        (
            finding["code"],
            finding["severity"],
            finding.get("lot") or default_lot,
            finding.get("organization") or accepted.signer,
            finding.get("mine") or default_mine,
            accepted.event_id,
            ordinal,
            list(finding.get("event_ids", [])),
            orjson.dumps(finding.get("figures", {})).decode(),
            finding["detail"],
            accepted.event_time,
            accepted.decided_at or now,
        )
        for ordinal, finding in enumerate(accepted.findings)
    ]
