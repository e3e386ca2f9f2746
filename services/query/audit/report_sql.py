"""The report's read port over the ledger's tables (infra/postgres/migrations/0002_ledger.sql): SQL only, no sums
that matter for the audit beyond grouping masses by kind and class (the arithmetic is in report.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import asyncpg
import orjson

from events.custody.lots import Part
from events.custody.policy import Policy
from events.model.types import Money, fine_mass_mg, parse_utc
from services.ledger.tree_store import Db
from services.query.audit.report import Report, build_report
from services.query.audit.report_facts import (
    CertificateFacts,
    Extraction,
    Flow,
    GroupFacts,
    Holding,
    MineFacts,
    OpenShipment,
    OrganizationFacts,
    Period,
    Sale,
    SaleOrigin,
    gather_facts,
)

_REGISTRY_SQL: Final = """
    SELECT subject, body -> 'data' AS data FROM events
    WHERE subject = ANY($1::text[]) AND type = $2 AND outcome = 'accepted'
    ORDER BY subject, registry_position, recorded_at
"""
_EXTRACTIONS_SQL: Final = """
    SELECT event_id, subject, event_time, body -> 'data' AS data FROM events
    WHERE source = '/participants/' || $1 AND type = 'lot.extracted' AND outcome = 'accepted'
      AND (($2::timestamptz IS NULL OR event_time >= $2) AND ($3::timestamptz IS NULL OR event_time < $3))
    ORDER BY event_time, event_id
"""
# A shipment is a first sale when no lot upstream of the shipped one (itself included) was shipped before it:
# exactly when the custody processor still saw the lot's `first_sale_pending`. One walk up the graph for all sales.
_SALES_SQL: Final = """
    WITH RECURSIVE sold AS (
        SELECT s.*, sl.leaf_index FROM shipments s JOIN log_leaves sl ON sl.event_id = s.shipped_event_id
        WHERE s.sender = $1
          AND ($2::timestamptz IS NULL OR s.shipped_at >= $2) AND ($3::timestamptz IS NULL OR s.shipped_at < $3)
    ),
    upstream(shipment, sold_lot, lot) AS (
        SELECT shipment, lot, lot FROM sold
        UNION SELECT u.shipment, u.sold_lot, i.input_lot FROM lot_inputs i JOIN upstream u ON i.lot = u.lot
    ),
    shipped_before AS (
        SELECT DISTINCT u.shipment, u.sold_lot FROM upstream u
        JOIN shipments p ON p.lot = u.lot
        JOIN log_leaves pl ON pl.event_id = p.shipped_event_id
        JOIN sold s ON s.shipment = u.shipment AND s.lot = u.sold_lot
        WHERE pl.leaf_index < s.leaf_index
    )
    SELECT s.shipped_event_id, s.shipment, s.lot, s.receiver, s.shipped_at, s.shipped_mg, l.lot_class,
           e.body -> 'data' -> 'premium' AS premium, e.body -> 'data' -> 'price' AS price,
           l.state -> 'premium_due_cents' AS due, l.state -> 'composition' AS composition,
           b.shipment IS NULL AS first_sale
    FROM sold s
    JOIN events e ON e.event_id = s.shipped_event_id
    JOIN lots l ON l.lot = s.lot
    LEFT JOIN shipped_before b ON b.shipment = s.shipment AND b.sold_lot = s.lot
    ORDER BY s.shipped_at, s.shipment
"""
_ORIGINS_SQL: Final = """
    WITH RECURSIVE upstream(shipment, lot) AS (
        SELECT * FROM unnest($1::text[], $2::text[])
        UNION SELECT u.shipment, i.input_lot FROM lot_inputs i JOIN upstream u ON i.lot = u.lot
    )
    SELECT u.shipment, u.lot, (e.body -> 'data' ->> 'mass_mg')::bigint AS mass_mg, e.body -> 'data' ->> 'fineness',
           e.body -> 'data' -> 'contributions' AS contributions
    FROM upstream u
    JOIN events e ON e.subject = u.lot AND e.type = 'lot.extracted' AND e.outcome = 'accepted'
"""
# Gross mass by kind and class, split at the period's start; nothing after its end.
_FLOWS_SQL: Final = """
    WITH moved(kind, lot, at, mass_mg) AS (
        SELECT 'produced', e.subject, e.event_time, (e.body -> 'data' ->> 'mass_mg')::bigint FROM events e
        WHERE e.source = '/participants/' || $1 AND e.type = 'lot.extracted' AND e.outcome = 'accepted'
      UNION ALL
        SELECT 'received', s.lot, s.received_at, s.received_mg FROM shipments s
        WHERE s.receiver = $1 AND s.received_event_id IS NOT NULL
      UNION ALL
        SELECT 'shipped', s.lot, s.shipped_at, s.shipped_mg FROM shipments s WHERE s.sender = $1
      UNION ALL
        SELECT 'exported', e.subject, e.event_time, l.mass_mg FROM events e JOIN lots l ON l.lot = e.subject
        WHERE e.source = '/participants/' || $1 AND e.type = 'lot.exported' AND e.outcome = 'accepted'
      UNION ALL
        SELECT 'consumed', input.lot, e.event_time, l.mass_mg FROM events e
        CROSS JOIN LATERAL jsonb_array_elements_text(e.body -> 'data' -> 'inputs') AS input(lot)
        JOIN lots l ON l.lot = input.lot
        WHERE e.source = '/participants/' || $1 AND e.type = 'lot.transformed' AND e.outcome = 'accepted'
      UNION ALL
        SELECT 'transformed', output ->> 'lot', e.event_time, (output ->> 'mass_mg')::bigint FROM events e
        CROSS JOIN LATERAL jsonb_array_elements(e.body -> 'data' -> 'outputs') AS output
        WHERE e.source = '/participants/' || $1 AND e.type = 'lot.transformed' AND e.outcome = 'accepted'
    )
    SELECT m.kind, l.lot_class, ($2::timestamptz IS NOT NULL AND m.at < $2) AS before_period, sum(m.mass_mg)
    FROM moved m JOIN lots l ON l.lot = m.lot
    WHERE $3::timestamptz IS NULL OR m.at < $3
    GROUP BY 1, 2, 3
"""
_HOLDINGS_SQL: Final = """
    SELECT lot, lot_class, mass_mg, fine_mg, state -> 'certificates' AS certificates,
           state ->> 'exported_to' IS NOT NULL AS exported
    FROM lots WHERE custodian = $1 AND status = 'held' ORDER BY lot
"""
_CERTIFICATES_SQL: Final = """
    SELECT i.subject, i.body -> 'data' AS data, (
        SELECT c.type FROM events c
        WHERE c.subject = i.subject AND c.outcome = 'accepted'
          AND c.type IN ('certificate.suspended', 'certificate.reinstated', 'certificate.withdrawn')
        ORDER BY c.registry_position DESC, c.recorded_at DESC LIMIT 1
    ) AS last_change
    FROM events i WHERE i.subject = ANY($1::text[]) AND i.type = 'certificate.issued' AND i.outcome = 'accepted'
"""
_OPEN_SHIPMENTS_SQL: Final = """
    SELECT s.shipment, s.lot, l.lot_class, s.sender, s.receiver, s.shipped_at, s.shipped_mg
    FROM shipments s JOIN lots l ON l.lot = s.lot
    WHERE (s.sender = $1 OR s.receiver = $1) AND s.received_event_id IS NULL
      AND (($2::timestamptz IS NULL OR s.shipped_at >= $2) AND ($3::timestamptz IS NULL OR s.shipped_at < $3))
    ORDER BY s.shipped_at, s.shipment
"""
_STATUS: Final = {
    "certificate.suspended": "suspended",
    "certificate.withdrawn": "withdrawn",
    "certificate.reinstated": "active",
}


def _json(value: Any) -> Any:
    """A jsonb value as asyncpg returns it (text) decoded; None stays None."""
    return None if value is None else orjson.loads(value)


def _money(value: Any) -> Money | None:
    """Money as the event states it (validated when the event was accepted; validating it again is cheap)."""
    return None if not isinstance(value, dict) else Money(currency=value["currency"], amount=value["amount"])


def _contributions(data: dict[str, Any]) -> tuple[tuple[str, int], ...] | None:
    found = data.get("contributions")
    return None if found is None else tuple((c["group"], int(c["share_bp"])) for c in found)


class PgReportReads:
    """`ReportReads` over one connection."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def organization(self, participant: str) -> OrganizationFacts | None:
        """The latest accepted `participant.registered` of the participant."""
        rows = await self._db.fetch(_REGISTRY_SQL, [participant], "participant.registered")
        if not rows:
            return None
        data = _json(rows[-1]["data"])
        members = data.get("members") or {}
        groups = tuple(GroupFacts(g["group"], g["kind"], g["women"], g["men"]) for g in data.get("groups") or [])
        return OrganizationFacts(
            participant=participant,
            name=data["name"],
            roles=tuple(data["roles"]),
            members_women=members.get("women"),
            members_men=members.get("men"),
            groups=groups,
        )

    async def mines(self, mines: Sequence[str]) -> list[MineFacts]:
        """The mines as last registered."""
        rows = await self._db.fetch(_REGISTRY_SQL, mines, "mine.registered")
        latest = {row["subject"]: _json(row["data"]) for row in rows}
        return [MineFacts(mine, data["name"], int(data["capacity_mg_per_month"])) for mine, data in latest.items()]

    async def extractions(self, participant: str, period: Period) -> list[Extraction]:
        """The organization's accepted extractions in the period, in time order."""
        found = []
        for row in await self._db.fetch(_EXTRACTIONS_SQL, participant, period.start, period.end):
            data = _json(row["data"])
            found.append(
                Extraction(
                    event_id=row["event_id"],
                    lot=row["subject"],
                    mine=data["mine"],
                    time=row["event_time"],
                    mass_mg=int(data["mass_mg"]),
                    fineness=data["fineness"],
                    contributions=_contributions(data),
                )
            )
        return found

    async def sales(self, participant: str, period: Period) -> list[Sale]:
        """The organization's accepted shipments in the period, each marked first sale or not."""
        found = []
        for row in await self._db.fetch(_SALES_SQL, participant, period.start, period.end):
            composition = _json(row["composition"]) or []
            found.append(
                Sale(
                    event_id=row["shipped_event_id"],
                    shipment=row["shipment"],
                    lot=row["lot"],
                    buyer=row["receiver"],
                    time=row["shipped_at"],
                    mass_mg=row["shipped_mg"],
                    lot_class=row["lot_class"],
                    first_sale=row["first_sale"],
                    premium=_money(_json(row["premium"])),
                    price=_money(_json(row["price"])),
                    premium_due_cents=int(_json(row["due"]) or 0),
                    composition=tuple(Part(*part) for part in composition),
                )
            )
        return found

    async def sale_origins(self, sales: Sequence[Sale]) -> list[SaleOrigin]:
        """The extractions upstream of each sale, with the fine gold each declared."""
        if not sales:
            return []
        rows = await self._db.fetch(_ORIGINS_SQL, [s.shipment for s in sales], [s.lot for s in sales])
        found = []
        for shipment, lot, mass_mg, fineness, contributions in rows:
            shares = _contributions({"contributions": _json(contributions)})
            found.append(SaleOrigin(shipment, lot, fine_mass_mg(mass_mg, fineness), shares))
        return found

    async def flows(self, participant: str, period: Period) -> list[Flow]:
        """Gross mass in and out of the organization by kind and class, before and inside the period."""
        rows = await self._db.fetch(_FLOWS_SQL, participant, period.start, period.end)
        return [Flow(row[0], row[1], row[2], int(row[3])) for row in rows]

    async def holdings(self, participant: str) -> list[Holding]:
        """The lots the organization holds now."""
        rows = await self._db.fetch(_HOLDINGS_SQL, participant)
        return [
            Holding(
                lot=r["lot"],
                lot_class=r["lot_class"],
                mass_mg=r["mass_mg"],
                fine_mg=r["fine_mg"] or 0,
                certificates=tuple(_json(r["certificates"]) or ()),
                exported=r["exported"],
            )
            for r in rows
        ]

    async def certificates(self, certificates: Sequence[str]) -> list[CertificateFacts]:
        """The certificates as issued, with the status their last change gave them."""
        if not certificates:
            return []
        found = []
        for row in await self._db.fetch(_CERTIFICATES_SQL, certificates):
            data = _json(row["data"])
            found.append(
                CertificateFacts(
                    certificate=row["subject"],
                    holder=data["holder"],
                    standard=data["standard"],
                    valid_from=parse_utc(data["valid_from"]),
                    valid_until=parse_utc(data["valid_until"]),
                    status=_STATUS.get(row["last_change"], "active"),
                )
            )
        return found

    async def open_shipments(self, participant: str, period: Period) -> list[OpenShipment]:
        """Shipments from or to the organization, shipped in the period, not received."""
        rows = await self._db.fetch(_OPEN_SHIPMENTS_SQL, participant, period.start, period.end)
        return [OpenShipment(*row) for row in rows]


async def read_report(
    pool: asyncpg.Pool, participant: str, period: Period, now: datetime, policy: Policy
) -> Report | None:
    """An organization's report from one consistent snapshot of the ledger; None when it was never registered."""
    async with pool.acquire() as db, db.transaction(isolation="repeatable_read", readonly=True):
        reads = PgReportReads(db)
        organization = await reads.organization(participant)
        if organization is None:
            return None
        facts = await gather_facts(reads, organization, period, now)
    return build_report(facts, policy)
