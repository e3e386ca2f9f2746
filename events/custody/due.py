"""Findings that depend on the clock: a shipment never received, a lot held past its certificate's end."""

from __future__ import annotations

from datetime import datetime

from events.custody.clock import NS_PER_SECOND, datetime_ns, instant_ns
from events.custody.lots import Lot, replaced
from events.custody.outcome import Change, DueReport, Finding, PutLot
from events.custody.policy import DEFAULT_POLICY, Policy
from events.custody.registry import Registry
from events.custody.state import State


def due_findings(state: State, now: datetime, policy: Policy = DEFAULT_POLICY) -> DueReport:
    """Findings due at `now`, each reported at most once: apply the report with `evolve` to mark them reported."""
    now_ns = datetime_ns(now)
    flagged: list[Finding] = []
    changes: list[Change] = []
    for lot_id in sorted(state.lots):
        lot = state.lots[lot_id]
        found = overdue_shipment(lot, now_ns, policy) or held_past_certificate(state.registry, lot, now_ns)
        if found is not None:
            finding, marked = found
            flagged.append(finding)
            changes.append(PutLot(marked))
    return DueReport(tuple(flagged), tuple(changes))


def overdue_shipment(lot: Lot, now_ns: int, policy: Policy) -> tuple[Finding, Lot] | None:
    """A lot shipped longer ago than the receipt window and still not received."""
    shipment = lot.shipment
    if lot.status != "in_transit" or shipment is None or shipment.overdue_reported:
        return None
    waited_s = (now_ns - instant_ns(shipment.shipped_at)) // NS_PER_SECOND
    if waited_s <= policy.receipt_window_seconds:
        return None
    finding = Finding(
        "shipment.not_received",
        "warning",
        (shipment.event_id,),
        f"Lot {lot.lot!r} was shipped by {shipment.sender!r} to {shipment.to!r} on {shipment.shipped_at} "
        f"(shipment {shipment.shipment!r}) and has not been received after {waited_s // 86_400} days; "
        "ask both parties where the gold is.",
        (("waited_s", waited_s), ("window_s", policy.receipt_window_seconds), ("shipped_mg", shipment.mass_mg)),
    )
    return finding, replaced(lot, shipment=shipment._replace(overdue_reported=True))


def held_past_certificate(registry: Registry, lot: Lot, now_ns: int) -> tuple[Finding, Lot] | None:
    """A certified lot still held by its certificate's holder after the certificate ended (lapsed or withdrawn)."""
    if lot.status != "held" or lot.lapse_reported:
        return None
    for certificate_id in lot.certificates:
        certificate = registry.certificates.get(certificate_id)
        if certificate is None or certificate.holder != lot.custodian:
            continue
        if certificate.status != "withdrawn" and now_ns < certificate.valid_until_ns:
            continue
        ended = "was withdrawn" if certificate.status == "withdrawn" else f"ended on {certificate.valid_until}"
        finding = Finding(
            "lot.held_past_certificate",
            "notice",
            (lot.created_by,),
            f"Certified lot {lot.lot!r} is still held by {certificate.holder!r}, whose certificate "
            f"{certificate.certificate!r} {ended}; check that the gold was extracted while it was valid.",
            (("certificate", certificate.certificate), ("valid_until", certificate.valid_until)),
        )
        return finding, replaced(lot, lapse_reported=True)
    return None
