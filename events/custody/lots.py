"""Lot state: plain values keyed by lot id, serialisable to JSON so a processor can hand a lot to another partition.

A lot's `composition` says where its fine gold came from: parts keyed by (mine, organization, contributor) with
integer weights. Only the proportions matter (see `events.custody.composition`); `attributed_fine_mg` turns them
into fine milligrams of the lot, exactly and deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

LotStatus = Literal["held", "in_transit", "consumed"]
LotClass = Literal["fairmined-ecological", "fairmined", "uncertified"]
Contributor = Literal["women", "men", "unrecorded"]


@dataclass(frozen=True, slots=True)
class Part:
    """A share of a lot's fine gold: which mine and organization it came from and who produced it."""

    mine: str
    organization: str
    contributor: Contributor
    weight: int

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity of the part (mine, organization, contributor), without its weight."""
        return (self.mine, self.organization, self.contributor)


@dataclass(frozen=True, slots=True)
class Shipment:
    """An open shipment: the lot is held by nobody until `to` receives it."""

    shipment: str
    sender: str
    to: str
    mass_mg: int
    shipped_at: str
    event_id: str
    overdue_reported: bool = False


@dataclass(frozen=True, slots=True)
class Lot:
    """Everything the rules need to know about one lot, and its provenance summary."""

    lot: str
    lot_class: LotClass
    status: LotStatus
    custodian: str | None
    mass_mg: int
    fineness: str
    fine_mg: int
    ceiling_mg: int
    """The most fine gold this lot may hold: its share of the extractions' declared fine gold plus the
    field-purity uncertainty, conserved through transformations."""
    composition: tuple[Part, ...]
    certificates: tuple[str, ...]
    premium_paid_cents: int
    """USD cents of Fairmined premium evidenced on first sales, attributed to this lot by fine gold."""
    premium_due_cents: int
    """USD cents of premium due at the Fairmined rate on those first sales, attributed the same way."""
    first_sale_pending: bool
    """True while the gold has never left the ASMO it was extracted by (its next shipment is the first sale)."""
    created_by: str
    shipment: Shipment | None = None
    exported_to: str | None = None
    lapse_reported: bool = False

    def to_json(self) -> dict[str, Any]:
        """The lot as a JSON-able dict (see `lot_from_json`)."""
        return {
            "lot": self.lot,
            "lot_class": self.lot_class,
            "status": self.status,
            "custodian": self.custodian,
            "mass_mg": self.mass_mg,
            "fineness": self.fineness,
            "fine_mg": self.fine_mg,
            "ceiling_mg": self.ceiling_mg,
            "composition": [[p.mine, p.organization, p.contributor, p.weight] for p in self.composition],
            "certificates": list(self.certificates),
            "premium_paid_cents": self.premium_paid_cents,
            "premium_due_cents": self.premium_due_cents,
            "first_sale_pending": self.first_sale_pending,
            "created_by": self.created_by,
            "shipment": None if self.shipment is None else _shipment_json(self.shipment),
            "exported_to": self.exported_to,
            "lapse_reported": self.lapse_reported,
        }


def _shipment_json(shipment: Shipment) -> dict[str, Any]:
    return {
        "shipment": shipment.shipment,
        "sender": shipment.sender,
        "to": shipment.to,
        "mass_mg": shipment.mass_mg,
        "shipped_at": shipment.shipped_at,
        "event_id": shipment.event_id,
        "overdue_reported": shipment.overdue_reported,
    }


def lot_from_json(data: dict[str, Any]) -> Lot:
    """Rebuild a lot from `Lot.to_json` output."""
    shipment = data["shipment"]
    return Lot(
        lot=data["lot"],
        lot_class=data["lot_class"],
        status=data["status"],
        custodian=data["custodian"],
        mass_mg=data["mass_mg"],
        fineness=data["fineness"],
        fine_mg=data["fine_mg"],
        ceiling_mg=data["ceiling_mg"],
        composition=tuple(Part(m, o, c, w) for m, o, c, w in data["composition"]),
        certificates=tuple(data["certificates"]),
        premium_paid_cents=data["premium_paid_cents"],
        premium_due_cents=data["premium_due_cents"],
        first_sale_pending=data["first_sale_pending"],
        created_by=data["created_by"],
        shipment=None if shipment is None else Shipment(**shipment),
        exported_to=data["exported_to"],
        lapse_reported=data["lapse_reported"],
    )
