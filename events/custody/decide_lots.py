"""Decisions on custody events of one lot: extraction, assay, shipment, receipt and export."""

from __future__ import annotations

from typing import Final

from events.custody import findings
from events.custody.checks import certificates as certified
from events.custody.checks import custody, gold
from events.custody.checks.registry import require_certificate, require_mine
from events.custody.clock import days_in_month, instant_ns, month_of
from events.custody.composition import apportion, contributor_weights, extraction_parts
from events.custody.lots import Lot, LotClass, Shipment, replaced
from events.custody.outcome import Change, Decision, Finding, PutLot, PutTally
from events.custody.policy import Policy
from events.custody.registry import Mine, Participant, Registry
from events.custody.state import State, tally_key
from events.model.custody import LotExtracted
from events.model.envelope import (
    LotAssayedEvent,
    LotExportedEvent,
    LotExtractedEvent,
    LotReceivedEvent,
    LotShippedEvent,
)
from events.model.types import fine_mass_mg

PALLAQUERAS: Final = "pallaqueras"
"""The group kind the legal monthly limit per member applies to (registered pallaqueras of Puno)."""


def lot_extracted(state: State, event: LotExtractedEvent, signer: str, policy: Policy) -> Decision:
    """Register a lot at the mine its ASMO operates, with its class, composition and monthly tallies."""
    data = event.data
    registry = state.registry
    custody.require_new_lot(state.lots, data.lot)
    mine = require_mine(registry, data.mine)
    custody.require_operator(mine.operator, mine.mine, signer)
    fine_mg = fine_mass_mg(data.mass_mg, data.fineness)
    gold.require_fine_gold(data.lot, fine_mg)
    asmo = registry.participants[signer]
    contributions = None if data.contributions is None else [(c.group, c.share_bp) for c in data.contributions]
    if contributions is not None:
        gold.require_known_groups(asmo.participant, asmo.groups, [group for group, _ in contributions])
    lot_class, certificates = extraction_class(registry, data, signer, event.time)
    lot = Lot(
        lot=data.lot,
        lot_class=lot_class,
        status="held",
        custodian=signer,
        mass_mg=data.mass_mg,
        fineness=data.fineness,
        fine_mg=fine_mg,
        ceiling_mg=gold.extraction_ceiling(fine_mg, policy),
        composition=extraction_parts(mine.mine, asmo.participant, contributor_weights(asmo, contributions)),
        certificates=certificates,
        premium_paid_cents=0,
        premium_due_cents=0,
        first_sale_pending=True,
        created_by=event.id,
    )
    tallies, flagged = monthly_tallies(state, event.id, event.time, asmo, mine, fine_mg, policy)
    groups, groups_flagged = pallaqueras_tallies(state, event.id, event.time, asmo, contributions, fine_mg, policy)
    return [PutLot(lot), *tallies, *groups], flagged + groups_flagged


def extraction_class(registry: Registry, data: LotExtracted, asmo: str, time: str) -> tuple[LotClass, tuple[str, ...]]:
    """The class of an extracted lot: uncertified, or the standard of a certificate that passes every check."""
    if data.certificate is None:
        return "uncertified", ()
    certificate = require_certificate(registry, data.certificate)
    certified.require_holder(certificate, asmo)
    certified.require_covers(certificate, data.mine)
    certified.require_in_force(certificate)
    certified.require_valid_at(certificate, time, instant_ns(time))
    certified.require_mercury_free(certificate, data.mercury_free)
    lot_class: LotClass = "fairmined-ecological" if certificate.standard == "fairmined-ecological" else "fairmined"
    return lot_class, (certificate.certificate,)


def monthly_tallies(
    state: State, event_id: str, time: str, asmo: Participant, mine: Mine, fine_mg: int, policy: Policy
) -> Decision:
    """Add the lot's fine gold to its mine's and its ASMO's tallies of the month; flag capacity and productivity."""
    month = month_of(time)
    flagged: list[Finding] = []
    mine_key = tally_key("mine", mine.mine, month)
    mine_before = state.tallies.get(mine_key, 0)
    capacity = mine.capacity_mg_per_month
    over = findings.mine_capacity(event_id, mine.mine, month, mine_before, mine_before + fine_mg, capacity)
    if over is not None:
        flagged.append(over)
    asmo_key = tally_key("asmo", asmo.participant, month)
    asmo_before = state.tallies.get(asmo_key, 0)
    members = asmo.members
    if members:
        threshold = members * days_in_month(month) * policy.productivity_threshold_mg_per_miner_day
        above = findings.asmo_productivity(
            event_id, asmo.participant, month, asmo_before, asmo_before + fine_mg, threshold, members
        )
        if above is not None:
            flagged.append(above)
    return [PutTally(mine_key, mine_before + fine_mg), PutTally(asmo_key, asmo_before + fine_mg)], flagged


def pallaqueras_tallies(
    state: State,
    event_id: str,
    time: str,
    asmo: Participant,
    contributions: list[tuple[str, int]] | None,
    fine_mg: int,
    policy: Policy,
) -> Decision:
    """Add each pallaqueras group's share of the lot's fine gold to its tally of the month; flag the legal limit.

    A group's share is the lot's fine gold apportioned over the contributions by largest remainder (exact sum).
    """
    groups = asmo.groups
    if not contributions or all([groups[group].kind != PALLAQUERAS for group, _ in contributions]):
        return [], []
    month = month_of(time)
    changes: list[Change] = []
    flagged: list[Finding] = []
    shares = apportion(fine_mg, [share_bp for _, share_bp in contributions])
    for (group, _), share_mg in zip(contributions, shares, strict=True):
        counts = groups[group]
        if counts.kind != PALLAQUERAS or share_mg == 0:
            continue
        key = tally_key("group", f"{asmo.participant}/{group}", month)
        before = state.tallies.get(key, 0)
        members = counts.women + counts.men
        limit = members * policy.pallaquera_monthly_limit_mg
        above = findings.pallaqueras_limit(
            event_id, asmo.participant, group, month, before, before + share_mg, members, limit
        )
        if above is not None:
            flagged.append(above)
        changes.append(PutTally(key, before + share_mg))
    return changes, flagged


def lot_assayed(state: State, event: LotAssayedEvent, signer: str, policy: Policy) -> Decision:
    """Record a lab's fineness, within the lot's fine-gold ceiling."""
    data = event.data
    lot = custody.require_custody(state.lots, data.lot, signer)
    custody.require_assayer(state.registry, data.assayer)
    fine_mg = fine_mass_mg(lot.mass_mg, data.fineness)
    gold.require_within_ceiling(lot, fine_mg, "assay.above_ceiling", "assay")
    return [PutLot(replaced(lot, fineness=data.fineness, fine_mg=fine_mg))], []


def lot_shipped(state: State, event: LotShippedEvent, signer: str, policy: Policy) -> Decision:
    """Put the lot in transit to its receiver; on a certified first sale, check and record the premium."""
    data = event.data
    lot = custody.require_custody(state.lots, data.lot, signer)
    custody.require_receiver_may_hold(state.registry, data.to, signer)
    shipment = Shipment(data.shipment, signer, data.to, data.mass_mg, event.time, event.id)
    flagged: list[Finding] = []
    paid, due = lot.premium_paid_cents, lot.premium_due_cents
    if lot.first_sale_pending and lot.lot_class != "uncertified":
        due_now = findings.premium_due_cents(lot.fine_mg, lot.lot_class, policy)
        paid_now = findings.usd_cents(data.premium)
        missing = findings.first_sale_premium(event.id, lot.lot, signer, due_now, paid_now, policy)
        if missing is not None:
            flagged.append(missing)
        paid, due = paid + (paid_now or 0), due + due_now
    moved = replaced(
        lot,
        status="in_transit",
        custodian=None,
        shipment=shipment,
        first_sale_pending=False,
        premium_paid_cents=paid,
        premium_due_cents=due,
    )
    return [PutLot(moved)], flagged


def lot_received(state: State, event: LotReceivedEvent, signer: str, policy: Policy) -> Decision:
    """The named receiver takes the lot; its weighing prevails, within the lot's fine-gold ceiling."""
    data = event.data
    lot = custody.require_lot(state.lots, data.lot)
    custody.require_not_consumed(lot)
    custody.require_in_transit(lot, data.shipment)
    custody.require_receiver(lot, signer)
    fine_mg = fine_mass_mg(data.mass_mg, lot.fineness)
    gold.require_within_ceiling(lot, fine_mg, "receipt.above_ceiling", "receipt")
    flagged: list[Finding] = []
    if lot.shipment is not None:
        off = findings.receipt_weight(event.id, lot.shipment, data.mass_mg, policy)
        if off is not None:
            flagged.append(off)
    held = replaced(lot, status="held", custodian=signer, mass_mg=data.mass_mg, fine_mg=fine_mg, shipment=None)
    return [PutLot(held)], flagged


def lot_exported(state: State, event: LotExportedEvent, signer: str, policy: Policy) -> Decision:
    """Record the custodian's export declaration (once per lot)."""
    data = event.data
    lot = custody.require_custody(state.lots, data.lot, signer)
    custody.require_not_exported(lot)
    return [PutLot(replaced(lot, exported_to=data.destination))], []
