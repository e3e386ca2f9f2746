"""Lot state: plain values keyed by lot id, serialisable to JSON so a processor can hand a lot to another partition.

A lot's `composition` says where its fine gold came from: parts keyed by (mine, organization, contributor) with
integer weights. Only the proportions matter (see `events.custody.composition`); `attributed_fine_mg` turns them
into fine milligrams of the lot, exactly and deterministically.
"""

from __future__ import annotations

from typing import Any, Final, Literal, NamedTuple, TypedDict, Unpack

LotStatus = Literal["held", "in_transit", "consumed"]
LotClass = Literal["fairmined-ecological", "fairmined", "uncertified"]
Contributor = Literal["women", "men", "unrecorded"]


class Part(NamedTuple):
    """A share of a lot's fine gold: which mine and organization it came from and who produced it."""

    mine: str
    organization: str
    contributor: Contributor
    weight: int

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity of the part (mine, organization, contributor), without its weight."""
        return (self.mine, self.organization, self.contributor)


class Shipment(NamedTuple):
    """An open shipment: the lot is held by nobody until `to` receives it."""

    shipment: str
    sender: str
    to: str
    mass_mg: int
    shipped_at: str
    event_id: str
    overdue_reported: bool = False


class Lot(NamedTuple):
    """Everything the rules need to know about one lot, and its provenance summary.

    An immutable value (a NamedTuple); `replaced` makes the next version, which the fold does per event.
    """

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
            **self._asdict(),
            "composition": [list(part) for part in self.composition],
            "certificates": list(self.certificates),
            "shipment": None if self.shipment is None else self.shipment._asdict(),
        }


class LotChanges(TypedDict, total=False):
    """Fields of a `Lot` that `replaced` may set (all of them; a unit test keeps the two lists equal)."""

    lot: str
    lot_class: LotClass
    status: LotStatus
    custodian: str | None
    mass_mg: int
    fineness: str
    fine_mg: int
    ceiling_mg: int
    composition: tuple[Part, ...]
    certificates: tuple[str, ...]
    premium_paid_cents: int
    premium_due_cents: int
    first_sale_pending: bool
    created_by: str
    shipment: Shipment | None
    exported_to: str | None
    lapse_reported: bool


_FIELD_INDEX: Final = {name: index for index, name in enumerate(Lot._fields)}


def replaced(lot: Lot, /, **changes: Unpack[LotChanges]) -> Lot:
    """The lot with some fields changed: `lot._replace(**changes)`, at half the cost.

    (`_replace` pops every one of the 17 field names from its keywords; this sets only the fields that change.)
    """
    values: list[Any] = list(lot)
    for name, value in changes.items():
        values[_FIELD_INDEX[name]] = value
    return tuple.__new__(Lot, values)  # what `Lot._make` does, without its length check (the length is lot's)


def lot_from_json(data: dict[str, Any]) -> Lot:
    """Rebuild a lot from `Lot.to_json` output."""
    shipment = data["shipment"]
    return Lot(
        **{
            **data,
            "composition": tuple(Part(*part) for part in data["composition"]),
            "certificates": tuple(data["certificates"]),
            "shipment": None if shipment is None else Shipment(**shipment),
        }
    )
