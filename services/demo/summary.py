"""What the demo prints at the end: the verified ring, the refused attempts, the findings (those of the events, and
those the ledger's audit clock adds as time passes), the audit dashboard and what to try next.

The ring's verdict comes from `events/verdict.py` replaying the season's signed events from the trust anchor, as
an offline verifier would; the outcomes come from the gateway, and any difference from the expected ones is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from events.custody import due_findings
from events.custody.registry import TrustAnchor
from events.custody.replay import Replay, replay
from events.verdict import LotVerdict, lot_verdict
from services.demo.builder import PlannedEvent, Season
from services.demo.gateway_client import EventStatus
from services.demo.signing import SignedPlanned


@dataclass(frozen=True)
class Links:
    """Where to look next: the service URLs and the files a user signs further events with."""

    gateway_url: str
    query_url: str
    participants_file: Path
    example_file: Path
    example_key_file: Path
    example_keyid: str
    audit_url: str = ""
    """The audit dashboard (`<query>/audit`)."""
    auditor_token_file: Path | None = None
    """A file holding an auditor token for the dashboard (None: say how to issue one)."""


@dataclass(frozen=True)
class Mismatch:
    """An event whose outcome differs from what the season expects."""

    planned: PlannedEvent
    got: EventStatus

    def line(self) -> str:
        """One line saying what was expected and what happened."""
        expected = self.planned.expected
        want = f"rejected {expected.code}" if expected.outcome == "rejected" else "accepted"
        if expected.findings:
            want += f" with {', '.join(expected.findings)}"
        got = self.got.status + (f" {self.got.code}: {self.got.detail}" if self.got.code else "")
        if self.got.findings:
            got += " with " + ", ".join(str(f.get("code")) for f in self.got.findings)
        return f"  {self.planned.label} ({self.planned.id}): expected {want}, got {got}"


def mismatches(events: Sequence[PlannedEvent], final: Mapping[str, EventStatus]) -> list[Mismatch]:
    """Events whose final status is not the expected one (findings compared when the gateway reports any)."""
    reports_findings = any(status.findings for status in final.values())
    found = []
    for planned in events:
        got = final.get(planned.id, EventStatus(planned.id, "unknown"))
        expected = planned.expected
        same = got.status == expected.outcome and got.code == expected.code
        if same and reports_findings and expected.outcome == "accepted":
            same = sorted(str(f.get("code")) for f in got.findings) == sorted(expected.findings)
        if not same:
            found.append(Mismatch(planned, got))
    return found


def verify_ring(season: Season, signed: Sequence[SignedPlanned], anchor: TrustAnchor) -> tuple[Replay, LotVerdict]:
    """Replay the signed season from the anchor alone and give the ring's verdict."""
    replayed = replay([event.signed for event in signed], anchor)
    return replayed, lot_verdict(replayed, season.ring)


def summary_lines(
    season: Season,
    signed: Sequence[SignedPlanned],
    final: Mapping[str, EventStatus],
    anchor: TrustAnchor,
    links: Links,
    already_there: int,
    now: datetime,
) -> tuple[list[str], bool]:
    """The closing summary, and whether everything went as the season expects (ring verified, no surprises)."""
    events = [event.planned for event in signed]
    replayed, verdict = verify_ring(season, signed, anchor)
    wrong = mismatches(events, final)
    accepted = sum(1 for event in events if final.get(event.id, EventStatus(None, "unknown")).status == "accepted")
    refused = sum(1 for event in events if final.get(event.id, EventStatus(None, "unknown")).status == "rejected")
    lines = [""]
    if already_there:
        lines.append(
            f"The season was already there: {already_there} of {len(events)} events were answered as duplicates "
            "(the forged one is refused at the door every time). Its summary:"
        )
    lines.append(
        f"Puno demo season {season.tag}: {len(events)} events, {accepted} accepted, {refused} refused"
        + (", as the rules expect." if not wrong else f"; {len(wrong)} not as expected:")
    )
    lines.extend(mismatch.line() for mismatch in wrong)
    if wrong and wrong[0].planned is events[0] and (wrong[0].got.code or "").startswith("key."):
        lines.append(
            "  The gateway does not trust this stack's authority key (keys/authority.pem under $GOLDTRACE_HOME): "
            "does --gateway point at another stack?"
        )
    ring_ok = verdict.verified and not any(_upstream_wrong(verdict, wrong))
    lines += ["", *ring_lines(season, verdict, ring_ok)]
    lines += ["", "Other lots to look at:"]
    lines += [f"  {lot}  {what}" for lot, what in season.notable_lots.items() if lot != season.ring]
    lines += ["", "Refused attempts (each refused with its reason):"]
    lines += attempt_lines(events, final)
    lines += ["", *finding_lines(events, final, replayed)]
    lines += ["", *due_lines(replayed, now)]
    lines += ["", *dashboard_lines(links)]
    lines += ["", *next_lines(season, links)]
    return lines, ring_ok and not wrong


def _upstream_wrong(verdict: LotVerdict, wrong: Sequence[Mismatch]) -> list[str]:
    upstream = {record.event_id for record in verdict.events}
    return [m.planned.id for m in wrong if m.planned.id in upstream]


def ring_lines(season: Season, verdict: LotVerdict, ok: bool) -> list[str]:
    """The ring: verified or not, class, origins, women's share and premium."""
    state = "verified" if ok else "NOT verified"
    lines = [f"Ring {season.ring}: {state} (the season's signed events replayed with events/verdict.py)."]
    lines += [f"  {reason.code}: {reason.detail}" for reason in verdict.reasons]
    provenance = verdict.provenance
    if provenance is None:
        return lines
    lines.append(
        f"  {provenance.lot_class}, {grams(provenance.mass_mg)} at {provenance.fineness} "
        f"({grams(provenance.fine_mg)} fine gold), held by {provenance.custodian}"
    )
    lines.append("  from " + ", ".join(f"{s.name} {percent(s.share_bp)}" for s in provenance.mines))
    lines.append(
        f"  women's share of its gold: {percent(provenance.women_share_bp)}; premium paid "
        f"{usd(provenance.premium_paid_usd_cents)} of {usd(provenance.premium_due_usd_cents)} due at the "
        "Fairmined rate"
    )
    lines.append(f"  {len(verdict.events)} events behind it, every one signed and accepted")
    return lines


def attempt_lines(events: Sequence[PlannedEvent], final: Mapping[str, EventStatus]) -> list[str]:
    """Each bad attempt: what was tried, and the reason code and sentence it was refused with."""
    lines = []
    for planned in events:
        if planned.attempt is None:
            continue
        got = final.get(planned.id, EventStatus(planned.id, "unknown"))
        lines.append(f"  {got.code or got.status}  {planned.attempt}")
        lines.append(f"      event {planned.id}: {got.detail or 'no reason given'}")
    return lines


def finding_lines(events: Sequence[PlannedEvent], final: Mapping[str, EventStatus], replayed: Replay) -> list[str]:
    """The findings: as the gateway reports them, or, while it reports none, as the rules' replay raises them."""
    reported = [(event_id, f) for event_id, status in final.items() for f in status.findings]
    if reported:
        lines = ["Findings for the auditor (accepted, but flagged):"]
        lines += [f"  {f.get('code')}  {f.get('detail')}\n      event {event_id}" for event_id, f in reported]
        return lines
    ids = {event.id for event in events}
    lines = ["Findings for the auditor (accepted, but flagged; from the rules' replay of the season, since the "
             "gateway's status does not list findings yet):"]  # fmt: skip
    for record in replayed.records:
        if record.event_id in ids:
            lines += [f"  {f.code}  {f.detail}\n      event {record.event_id}" for f in record.findings]
    return lines


def due_lines(replayed: Replay, now: datetime) -> list[str]:
    """The findings that time made due by `now` (the ledger's audit clock writes the same ones)."""
    report = due_findings(replayed.state, now)
    lines = ["Findings that time made due (the ledger's audit clock writes them within 30 s):"]
    lines += [f"  {f.code}  {f.detail}" for f in report.findings]
    return lines if report.findings else [lines[0], "  none yet"]


def dashboard_lines(links: Links) -> list[str]:
    """How to open the audit dashboard, and with which token."""
    lines = [f"Audit dashboard (findings, organization reports with charts, CSV): open {links.audit_url}"]
    if links.auditor_token_file is not None:
        lines.append(f"  and log in with the auditor token in {links.auditor_token_file}")
        lines.append(f'  (or: curl -H "Authorization: Bearer $(cat {links.auditor_token_file})" {links.audit_url})')
    else:
        lines.append("  with an auditor token: goldtrace token issue --participant arm --role auditor")
    return lines


def next_lines(season: Season, links: Links) -> list[str]:
    """What to try next."""
    return [
        "Try next:",
        f"  goldtrace status --json           the gateway ({links.gateway_url}) and query ({links.query_url}) URLs",
        f"  curl {links.gateway_url}/v1/events/{season.ring_made_by}   the event that made the ring",
        f"  open {links.query_url}/verify/{season.ring}   the ring's story, in Spanish and English (?lang=en)",
        f"  goldtrace verify --lot {season.ring}   fetch its bundle and re-check it offline: exit 0 when verified",
        f"  goldtrace verify --lot {season.ring} --save ring.json   keep the bundle; change a byte and verify it again",
        "  goldtrace verify ring.json         ... exits 1 and says what was changed",
        f"  Sign and submit an event as a participant (ids, key ids and key files: {links.participants_file}):",
        f"    goldtrace sign --key {links.example_key_file} --keyid {links.example_keyid} \\",
        f"        < {links.example_file} > /tmp/signed.json",
        "    goldtrace submit --wait /tmp/signed.json",
    ]


def grams(mg: int) -> str:
    """Milligrams as grams with three decimals."""
    return f"{mg // 1000:,}.{mg % 1000:03d} g"


def percent(bp: int) -> str:
    """Basis points as a percentage with two decimals."""
    return f"{bp // 100}.{bp % 100:02d} %"


def usd(cents: int) -> str:
    """USD cents as `USD 1,234.56`."""
    return f"USD {cents // 100:,}.{cents % 100:02d}"
