"""Findings that become due with time, as rows of the `findings` table (pure: no I/O, the clock is a parameter).

The rule is the kernel's `events.custody.due_findings`, run over the ledger's projection: the current state of the
candidate lots (`lots.state`) and the certificates rebuilt from their accepted events. Each finding gets a
`due_key` (`<code>/<lot>/<shipment or certificate>`): the table keeps one row per key, so writing the same findings
again (every tick, after a restart or a replay) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final

import orjson

from events.custody import Lot, Policy, State, due_findings
from events.custody.clock import datetime_ns, instant_ns
from events.custody.outcome import Finding, PutLot
from events.custody.registry import Certificate, CertificateStatus, Registry
from events.model.types import parse_utc

# code, severity, lot, organization, mine, event_ids (JSON), figures (JSON), detail, event_time, created_at, due_key
DueRow = tuple[str, str, str, str | None, str | None, str, str, str, datetime, datetime, str]

NOT_RECEIVED: Final = "shipment.not_received"
HELD_PAST_CERTIFICATE: Final = "lot.held_past_certificate"

_NEW_STATUS: Final[dict[str, CertificateStatus]] = {
    "certificate.suspended": "suspended",
    "certificate.reinstated": "active",
    "certificate.withdrawn": "withdrawn",
}


def certificates_from_events(events: Iterable[tuple[str, str, Mapping[str, Any]]]) -> dict[str, Certificate]:
    """Certificates as the registry holds them, from their accepted events (signer, type, data) in log order."""
    certificates: dict[str, Certificate] = {}
    for signer, event_type, data in events:
        if event_type == "certificate.issued":
            certificates[data["certificate"]] = Certificate(
                certificate=data["certificate"],
                issuer=signer,
                holder=data["holder"],
                standard=data["standard"],
                mines=frozenset(data["mines"]),
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                valid_from_ns=instant_ns(data["valid_from"]),
                valid_until_ns=instant_ns(data["valid_until"]),
            )
        elif event_type in _NEW_STATUS and data["certificate"] in certificates:
            certificate = certificates[data["certificate"]]
            certificates[certificate.certificate] = replace(certificate, status=_NEW_STATUS[event_type])
    return certificates


def ended_certificates(certificates: Mapping[str, Certificate], now: datetime) -> list[Certificate]:
    """Certificates that no longer cover anything at `now`: withdrawn, or past their end."""
    now_ns = datetime_ns(now)
    return [c for c in certificates.values() if c.status == "withdrawn" or now_ns >= c.valid_until_ns]


def due_rows(
    lots: Sequence[Lot], certificates: Mapping[str, Certificate], now: datetime, policy: Policy
) -> list[DueRow]:
    """The findings due at `now` for these lots, as `findings` rows (one per lot at most, by the kernel's rule)."""
    registry = Registry(authority="", certificates=dict(certificates))
    report = due_findings(State(registry=registry, lots={lot.lot: lot for lot in lots}), now, policy)
    rows: list[DueRow] = []
    for finding, change in zip(report.findings, report.changes, strict=True):
        assert isinstance(change, PutLot)
        rows.append(_row(finding, change.lot, now, policy))
    return rows


def _row(finding: Finding, lot: Lot, now: datetime, policy: Policy) -> DueRow:
    figures = dict(finding.figures)
    organization: str | None
    if finding.code == NOT_RECEIVED:
        assert lot.shipment is not None
        shipment = lot.shipment
        key, organization = shipment.shipment, shipment.sender
        became_due = parse_utc(shipment.shipped_at) + timedelta(seconds=policy.receipt_window_seconds)
    else:
        key, organization = str(figures["certificate"]), lot.custodian
        became_due = min(parse_utc(str(figures["valid_until"])), now)  # a withdrawal: when the clock saw it
    mines = sorted({part.mine for part in lot.composition})
    return (
        finding.code,
        finding.severity,
        lot.lot,
        organization,
        mines[0] if len(mines) == 1 else None,
        orjson.dumps(list(finding.event_ids)).decode(),
        orjson.dumps(figures).decode(),
        finding.detail,
        became_due,
        now,
        f"{finding.code}/{lot.lot}/{key}",
    )
