"""The provenance verdict of a lot (design.md section 3), rebuilt from a set of signed events and the trust anchor.

Steps: (1) fold the events in the given order from the anchor alone, with the same rules as the processor;
(2) walk the lot's upstream graph back to its extractions; (3) collect every upstream event (and the registry
events of its signers, origin mines and certificates, and of everyone they name) with its outcome: a closed set,
so replaying these events alone decides them alike (a provenance bundle carries exactly them); (4) the lot is
verified when it exists and no such event was refused. The origins, the women's share and the premium come
from the lot's state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Final

from events.codec import SignedEvent
from events.custody.composition import apportion
from events.custody.due import due_findings
from events.custody.lots import Lot, Part
from events.custody.outcome import Finding, PutLot
from events.custody.policy import BASIS_POINTS, DEFAULT_POLICY, Policy
from events.custody.registry import TrustAnchor
from events.custody.replay import EventRecord, Replay, replay, upstream_lots

# Refusals that mean "the set lacks an event this one depends on" rather than "this event breaks a rule".
MISSING_CODES: Final = frozenset(
    {"lot.unknown", "key.unknown", "participant.unknown", "mine.unknown", "certificate.unknown"}
)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a lot is not verified: a stable code and a sentence."""

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Share:
    """Fine gold of the lot attributed to one origin (a mine, an organization or a contributor group)."""

    name: str
    fine_mg: int
    share_bp: int


@dataclass(frozen=True, slots=True)
class Provenance:
    """What the lot is and where its fine gold came from."""

    lot_class: str
    status: str
    custodian: str | None
    mass_mg: int
    fineness: str
    fine_mg: int
    mines: tuple[Share, ...]
    organizations: tuple[Share, ...]
    contributors: tuple[Share, ...]
    women_share_bp: int
    premium_paid_usd_cents: int
    premium_due_usd_cents: int


@dataclass(frozen=True, slots=True)
class LotVerdict:
    """Verified or not (with reasons), the lot's provenance, and every upstream event with its outcome."""

    lot: str
    verified: bool
    reasons: tuple[Reason, ...]
    provenance: Provenance | None
    events: tuple[EventRecord, ...]
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        """The verdict as a JSON-able dict."""
        provenance = self.provenance
        return {
            "lot": self.lot,
            "verified": self.verified,
            "reasons": [{"code": r.code, "detail": r.detail} for r in self.reasons],
            "provenance": None if provenance is None else _provenance_json(provenance),
            "events": [record.to_json() for record in self.events],
            "findings": [finding.to_json() for finding in self.findings],
        }


def _provenance_json(provenance: Provenance) -> dict[str, Any]:
    body = {name: getattr(provenance, name) for name in _PROVENANCE_FIELDS}
    for name in ("mines", "organizations", "contributors"):
        body[name] = [{"name": s.name, "fine_mg": s.fine_mg, "share_bp": s.share_bp} for s in body[name]]
    return body


_PROVENANCE_FIELDS: Final = tuple(field.name for field in fields(Provenance))


def verify_lot(
    events: Iterable[SignedEvent],
    anchor: TrustAnchor,
    lot: str,
    policy: Policy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> LotVerdict:
    """Fold the events (in log order) from the anchor and give the verdict of one lot."""
    return lot_verdict(replay(events, anchor, policy), lot, policy, now)


def lot_verdict(replayed: Replay, lot: str, policy: Policy = DEFAULT_POLICY, now: datetime | None = None) -> LotVerdict:
    """The verdict of one lot from a replay; with `now`, clock-dependent findings of its upstream lots too."""
    lots = upstream_lots(replayed, lot)
    positions = closed_positions(replayed, lots)
    records = [replayed.records[p] for p in positions]
    # Refusals and findings of the lot's own history and registry; the events that only make a later
    # transformation of the lot decidable (the histories of the other inputs) are listed, not judged.
    history = {p for upstream in lots for p in replayed.by_lot.get(upstream, ())}
    own = [replayed.records[p] for p in positions if p in history or not replayed.records[p].type.startswith("lot.")]
    reasons = [reason for record in own if (reason := refusal_reason(record)) is not None]
    state_lot = replayed.state.lots.get(lot)
    if state_lot is None:
        reasons.insert(
            0,
            Reason(
                "verdict.lot_unknown",
                f"No accepted event in the set creates lot {lot!r}; the set lacks its extraction or transformation.",
            ),
        )
    findings = [finding for record in own for finding in record.findings]
    if now is not None:
        findings.extend(due_upstream(replayed, lots, now, policy))
    return LotVerdict(
        lot=lot,
        verified=not reasons,
        reasons=tuple(reasons),
        provenance=None if state_lot is None else provenance_of(state_lot),
        events=tuple(records),
        findings=tuple(findings),
    )


def upstream_records(replayed: Replay, lots: list[str]) -> list[EventRecord]:
    """The events a replay of the lots' history needs, in log order (see `closed_positions`)."""
    return [replayed.records[p] for p in closed_positions(replayed, lots)]


def closed_positions(replayed: Replay, lots: list[str]) -> list[int]:
    """Positions of the events a replay of the lots' history needs, in log order; alone, they decide alike.

    A closed set: events naming an upstream lot; the histories of lots consumed alongside one (a later
    transformation of the lot with other inputs); and, transitively, the registry events of every signer and of
    every participant, mine and certificate such an event reads (a receiver, an assayer, a certificate, its
    issuer and its mines).
    """
    positions = _lot_positions(replayed, lots)
    subjects = {replayed.state.registry.authority}
    for lot in lots:
        found = replayed.state.lots.get(lot)
        if found is not None:
            subjects.update(part.mine for part in found.composition)
            subjects.update(found.certificates)
    for position in positions:
        subjects.add(replayed.records[position].signer)
        subjects.update(replayed.records[position].refs)
    done: set[str] = set()
    while subjects:
        subject = subjects.pop()
        done.add(subject)
        for position in replayed.by_subject.get(subject, ()):
            record = replayed.records[position]
            if record.type.startswith("lot.") or position in positions:
                continue
            positions.add(position)
            subjects.update(name for name in (record.signer, *record.refs) if name not in done)
    return sorted(positions)


def _lot_positions(replayed: Replay, lots: list[str]) -> set[int]:
    """Events naming the lots, closed over the inputs of every transformation among them (with their history)."""
    wanted = set(lots)
    pending = list(lots)
    positions: set[int] = set()
    while pending:
        for position in replayed.by_lot.get(pending.pop(), ()):
            if position in positions:
                continue
            positions.add(position)
            for consumed in replayed.records[position].inputs:
                fresh = [lot for lot in upstream_lots(replayed, consumed) if lot not in wanted]
                wanted.update(fresh)
                pending.extend(fresh)
    return positions


def refusal_reason(record: EventRecord) -> Reason | None:
    """Why a refused upstream event makes the lot unverified (None for accepted and duplicate events)."""
    if record.outcome != "rejected":
        return None
    what = (
        f"Event {record.event_id!r} ({record.type} signed by {record.signer!r}) was refused: "
        f"{record.code}: {record.detail}"
    )
    if record.code == "key.revoked":
        return Reason("verdict.key_revoked", what)
    if record.code in MISSING_CODES:
        return Reason("verdict.upstream_missing", f"{what} The set lacks an event it depends on.")
    return Reason("verdict.upstream_rejected", what)


def provenance_of(lot: Lot) -> Provenance:
    """Class, origins (mines, organizations, contributors), women's share and premium of a lot."""
    mines = _shares(lot, lambda part: part.mine)
    contributors = _shares(lot, lambda part: part.contributor)
    women = next((share.share_bp for share in contributors if share.name == "women"), 0)
    return Provenance(
        lot_class=lot.lot_class,
        status=lot.status,
        custodian=lot.custodian,
        mass_mg=lot.mass_mg,
        fineness=lot.fineness,
        fine_mg=lot.fine_mg,
        mines=mines,
        organizations=_shares(lot, lambda part: part.organization),
        contributors=contributors,
        women_share_bp=women,
        premium_paid_usd_cents=lot.premium_paid_cents,
        premium_due_usd_cents=lot.premium_due_cents,
    )


def _shares(lot: Lot, name_of: Callable[[Part], str]) -> tuple[Share, ...]:
    """The lot's fine gold and basis points per origin name, both apportioned by largest remainder."""
    weights: dict[str, int] = {}
    for part in lot.composition:
        name = name_of(part)
        weights[name] = weights.get(name, 0) + part.weight
    names = sorted(weights)
    ordered = [weights[name] for name in names]
    fine = apportion(lot.fine_mg, ordered)
    share_bp = apportion(BASIS_POINTS, ordered)
    return tuple(Share(name, mg, bp) for name, mg, bp in zip(names, fine, share_bp, strict=True))


def due_upstream(replayed: Replay, lots: list[str], now: datetime, policy: Policy) -> list[Finding]:
    """Clock-dependent findings (overdue shipment, held past certificate) of the upstream lots at `now`."""
    upstream = set(lots)
    report = due_findings(replayed.state, now, policy)
    return [
        finding
        for finding, change in zip(report.findings, report.changes, strict=True)
        if isinstance(change, PutLot) and change.lot.lot in upstream
    ]
