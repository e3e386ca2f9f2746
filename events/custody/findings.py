"""Findings: accepted events the auditor should look at. Each function returns one finding or None."""

from __future__ import annotations

from events.custody.lots import Shipment
from events.custody.outcome import Finding
from events.custody.policy import BASIS_POINTS, Policy
from events.model.types import Money

MG_PER_KG = 1_000_000


def receipt_weight(event_id: str, shipment: Shipment, received_mg: int, policy: Policy) -> Finding | None:
    """The receiver weighed the lot off the shipped mass by more than the receipt tolerance."""
    difference = received_mg - shipment.mass_mg
    if abs(difference) * BASIS_POINTS <= shipment.mass_mg * policy.receipt_weight_tolerance_bp:
        return None
    return Finding(
        "receipt.weight_mismatch",
        "warning",
        (shipment.event_id, event_id),
        f"Shipment {shipment.shipment!r} left {shipment.sender!r} weighing {shipment.mass_mg} mg and arrived at "
        f"{shipment.to!r} weighing {received_mg} mg ({difference:+d} mg), beyond the "
        f"{policy.receipt_weight_tolerance_bp} bp tolerance; the receiver's weight prevails.",
        (
            ("shipped_mg", shipment.mass_mg),
            ("received_mg", received_mg),
            ("difference_mg", difference),
            ("tolerance_bp", policy.receipt_weight_tolerance_bp),
        ),
    )


def transformation_loss(event_id: str, fine_in_mg: int, fine_out_mg: int, policy: Policy) -> Finding | None:
    """A transformation lost an unusually large share of its fine gold."""
    loss = fine_in_mg - fine_out_mg
    if loss * BASIS_POINTS <= fine_in_mg * policy.transformation_loss_alert_bp:
        return None
    return Finding(
        "transformation.high_loss",
        "warning",
        (event_id,),
        f"The transformation lost {loss} mg of its {fine_in_mg} mg of fine gold, more than the usual "
        f"{policy.transformation_loss_alert_bp} bp; ask the processor where the gold went.",
        (
            ("fine_in_mg", fine_in_mg),
            ("fine_out_mg", fine_out_mg),
            ("loss_mg", loss),
            ("alert_bp", policy.transformation_loss_alert_bp),
        ),
    )


def usd_cents(money: Money | None) -> int | None:
    """An amount in USD cents, or None when there is no amount or it is in another currency."""
    if money is None or money.currency != "USD":
        return None
    whole, _, fraction = money.amount.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def premium_due_cents(fine_mg: int, lot_class: str, policy: Policy) -> int:
    """The Fairmined premium due for some fine gold of a class, in USD cents (rounded down)."""
    return fine_mg * policy.premium_rate_usd_per_kg(lot_class) * 100 // MG_PER_KG


def first_sale_premium(
    event_id: str, lot: str, seller: str, due_cents: int, paid_cents: int | None, policy: Policy
) -> Finding | None:
    """A certified first sale by an ASMO carries no premium, or less than the Fairmined rate."""
    enough = due_cents * (BASIS_POINTS - policy.premium_shortfall_tolerance_bp) // BASIS_POINTS
    if due_cents == 0 or (paid_cents is not None and paid_cents >= enough):
        return None
    figures: tuple[tuple[str, int | str], ...] = (("due_usd_cents", due_cents), ("paid_usd_cents", paid_cents or 0))
    if paid_cents is None:
        return Finding(
            "premium.missing",
            "alert",
            (event_id,),
            f"The first sale of certified lot {lot!r} by {seller!r} states no premium in USD; "
            f"USD {due_cents / 100:.2f} is due at the Fairmined rate. Ask the buyer for proof of payment.",
            figures,
        )
    return Finding(
        "premium.below_rate",
        "alert",
        (event_id,),
        f"The first sale of certified lot {lot!r} by {seller!r} states a premium of USD {paid_cents / 100:.2f}, "
        f"below the USD {due_cents / 100:.2f} due at the Fairmined rate.",
        figures,
    )


def mine_capacity(
    event_id: str, mine: str, month: str, before_mg: int, after_mg: int, capacity_mg: int
) -> Finding | None:
    """This extraction takes the mine's output of the month above its declared capacity (reported once)."""
    if not before_mg <= capacity_mg < after_mg:
        return None
    return Finding(
        "mine.over_capacity",
        "alert",
        (event_id,),
        f"Mine {mine!r} has now declared {after_mg} mg of fine gold in {month}, above its declared capacity of "
        f"{capacity_mg} mg a month; gold from elsewhere may be passing through it.",
        (("month", month), ("fine_mg", after_mg), ("capacity_mg", capacity_mg)),
    )


def asmo_productivity(
    event_id: str, asmo: str, month: str, before_mg: int, after_mg: int, threshold_mg: int, members: int
) -> Finding | None:
    """This extraction takes the ASMO's output of the month above the productivity threshold (reported once)."""
    if not before_mg <= threshold_mg < after_mg:
        return None
    return Finding(
        "asmo.above_productivity",
        "alert",
        (event_id,),
        f"ASMO {asmo!r} has now declared {after_mg} mg of fine gold in {month}, more than its {members} members "
        f"can produce under the productivity threshold ({threshold_mg} mg); its eligibility should be reviewed.",
        (("month", month), ("fine_mg", after_mg), ("threshold_mg", threshold_mg), ("members", members)),
    )


def pallaqueras_limit(
    event_id: str, asmo: str, group: str, month: str, before_mg: int, after_mg: int, members: int, limit_mg: int
) -> Finding | None:
    """This extraction takes a pallaqueras group's fine gold of the month above the legal limit for its registered
    members (reported once)."""
    if not before_mg <= limit_mg < after_mg:
        return None
    return Finding(
        "pallaqueras.above_monthly_limit",
        "alert",
        (event_id,),
        f"Pallaqueras group {group!r} of {asmo!r} has now contributed {after_mg} mg of fine gold in {month}, above "
        f"the {limit_mg} mg its {members} registered pallaqueras may sell in a month; gold from elsewhere may be "
        "entering the chain under their name.",
        (("month", month), ("group", group), ("fine_mg", after_mg), ("limit_mg", limit_mg), ("members", members)),
    )
