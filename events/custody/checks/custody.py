"""Custody rules: only the current custodian acts on a lot; in transit nobody holds it; consumed lots are dead."""

from __future__ import annotations

from collections.abc import Mapping

from events.custody.lots import Lot
from events.custody.refusal import CustodyError
from events.custody.registry import Registry


def require_lot(lots: Mapping[str, Lot], lot: str) -> Lot:
    """The lot exists."""
    found = lots.get(lot)
    if found is None:
        raise CustodyError(
            "lot.unknown",
            f"Lot {lot!r} does not exist; it must first be extracted or come out of a transformation.",
        )
    return found


def require_not_consumed(lot: Lot) -> None:
    """A consumed lot is never used again."""
    if lot.status == "consumed":
        raise CustodyError(
            "lot.consumed",
            f"Lot {lot.lot!r} was consumed by a transformation; act on the lots that came out of it instead.",
        )


def require_held(lot: Lot) -> None:
    """A lot in transit is held by nobody: nothing but its receipt may happen to it."""
    if lot.status == "in_transit":
        receiver = lot.shipment.to if lot.shipment is not None else "its receiver"
        raise CustodyError(
            "lot.in_transit",
            f"Lot {lot.lot!r} is in transit to {receiver!r}; nobody holds it until the receiver signs lot.received.",
        )


def require_custodian(lot: Lot, signer: str) -> None:
    """Only the current custodian acts on a lot."""
    if lot.custodian != signer:
        raise CustodyError(
            "custody.not_custodian",
            f"Lot {lot.lot!r} is held by {lot.custodian!r}, not by {signer!r}; only its custodian can act on it.",
        )


def require_custody(lots: Mapping[str, Lot], lot: str, signer: str) -> Lot:
    """The lot exists, is not consumed, not in transit, and the signer holds it."""
    found = require_lot(lots, lot)
    require_not_consumed(found)
    require_held(found)
    require_custodian(found, signer)
    return found


def require_new_lot(lots: Mapping[str, Lot], lot: str) -> None:
    """Lot ids are never reused, not even after the lot was consumed."""
    if lot in lots:
        raise CustodyError(
            "lot.id_reused", f"Lot id {lot!r} is taken already; lot ids are never reused, choose a new one."
        )


def require_in_transit(lot: Lot, shipment: str) -> None:
    """A receipt names the lot's open shipment."""
    if lot.status != "in_transit" or lot.shipment is None:
        raise CustodyError(
            "receipt.not_in_transit",
            f"Lot {lot.lot!r} is not in transit (it is {lot.status}); only a shipped lot can be received.",
        )
    if lot.shipment.shipment != shipment:
        raise CustodyError(
            "receipt.wrong_shipment",
            f"Lot {lot.lot!r} travels in shipment {lot.shipment.shipment!r}, not {shipment!r}; "
            "receive it under the shipment it was sent in.",
        )


def require_receiver(lot: Lot, signer: str) -> None:
    """Only the receiver named by the shipment takes the lot."""
    if lot.shipment is not None and lot.shipment.to != signer:
        raise CustodyError(
            "receipt.not_receiver",
            f"Lot {lot.lot!r} was shipped to {lot.shipment.to!r}, not to {signer!r}; "
            "only the named receiver can sign its receipt.",
        )


def require_receiver_may_hold(registry: Registry, to: str, signer: str) -> None:
    """A lot is shipped to another registered participant that may hold gold."""
    if to == signer:
        raise CustodyError(
            "shipment.to_self", f"{signer!r} cannot ship a lot to itself; name the receiving participant."
        )
    if not registry.may_hold_gold(to):
        raise CustodyError(
            "shipment.receiver_cannot_hold",
            f"{to!r} is not a registered participant that may take custody of gold; "
            "ship only to a registered ASMO, trader, refiner, manufacturer or assayer.",
        )


def require_not_exported(lot: Lot) -> None:
    """A lot's export is declared once."""
    if lot.exported_to is not None:
        raise CustodyError(
            "export.already_declared",
            f"The export of lot {lot.lot!r} to {lot.exported_to} was declared already.",
        )


def require_assayer(registry: Registry, assayer: str) -> None:
    """An assay names a registered assayer."""
    if not registry.holds_role(assayer, "assayer"):
        raise CustodyError(
            "assay.not_an_assayer",
            f"{assayer!r} is not a registered assayer; name the laboratory as registered with the role 'assayer'.",
        )


def require_operator(operator: str, mine: str, signer: str) -> None:
    """Only the ASMO operating a mine registers lots extracted there."""
    if operator != signer:
        raise CustodyError(
            "extraction.not_operator",
            f"Mine {mine!r} is operated by {operator!r}, not by {signer!r}; only its operator registers its lots.",
        )
