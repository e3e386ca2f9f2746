"""The audit season: a short Puno season decided by the kernel, in two parts (a signed head after each).

Part one: CECOMIP extracts two Fairmined Ecological lots (one with its bateadoras' and cooperatives' shares), sells
lot-eco-1 to the trader with the premium at the rate, and the trader weighs it 2 % light on receipt (a finding).
Part two: CECOMIP sells lot-eco-2 without a premium (a finding) and nobody receives it; the trader melts lot-eco-1
with a 3 % loss (a finding); Oro Puno extracts above its mine's capacity (a finding) and a lot on a certificate
that ended the next day (held on a lapsed certificate); CECOMIP's second extraction of lot-eco-1 is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from events.codec import SignedEvent
from events.custody import Accepted, Rejected, decide, evolve, initial_state
from tests.unit.events.scenario import (
    BATEADORAS,
    COOPERATIVES,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    TRADER,
    Scenario,
    shipment_of,
)
from tests.unit.ledger.season import accepted_value, rejected_value

SHORT_CERT = "cert-oro-puno-short"
SHORT_CERT_UNTIL = "2026-03-03T00:00:00Z"
REGISTRY_TYPES = ("participant.", "mine.", "certificate.")


@dataclass
class AuditSeason:
    """Record values for the accepted and rejected topics, per part, and the events by name."""

    parts: list[tuple[list[bytes], list[bytes]]] = field(default_factory=list)
    events: dict[str, SignedEvent] = field(default_factory=dict)
    findings: dict[str, list[str]] = field(default_factory=dict)
    """Finding codes the kernel raised, by event name."""
    refusals: dict[str, str] = field(default_factory=dict)


def audit_season(scenario: Scenario) -> AuditSeason:
    """Decide the season with the kernel; return its records, part by part."""
    state = initial_state(scenario.anchor())
    season = AuditSeason()
    position = 0
    one: dict[str, SignedEvent] = {f"world-{i}": e for i, e in enumerate(scenario.world())}
    one["short-cert"] = scenario.certificate(SHORT_CERT, FM_ASMO, [FM_MINE], valid_until=SHORT_CERT_UNTIL)
    one["extract-eco-1"] = scenario.extract(
        ECO_ASMO,
        "lot-eco-1",
        ECO_MINE,
        1_000_000,
        fineness="900",
        certificate=ECO_CERT,
        contributions=[(BATEADORAS, 4000), (COOPERATIVES, 6000)],
    )
    one["extract-eco-2"] = scenario.extract(ECO_ASMO, "lot-eco-2", ECO_MINE, 500_000, certificate=ECO_CERT)
    one["sell-eco-1"] = scenario.ship(ECO_ASMO, "lot-eco-1", TRADER, 1_000_000, premium_usd="5400.00")
    one["receive-eco-1"] = scenario.receive(TRADER, "lot-eco-1", shipment_of(one["sell-eco-1"]), 980_000)
    two: dict[str, SignedEvent] = {
        "sell-eco-2": scenario.ship(ECO_ASMO, "lot-eco-2", TRADER, 500_000),
        "melt-eco-1": scenario.transform(TRADER, ["lot-eco-1"], [("bar-eco-1", 950_000, "900")]),
        "extract-fm-1": scenario.extract(FM_ASMO, "lot-fm-1", FM_MINE, 6_000_000, fineness="900", certificate=FM_CERT),
        "extract-fm-2": scenario.extract(
            FM_ASMO, "lot-fm-2", FM_MINE, 100_000, fineness="900", certificate=SHORT_CERT, time="2026-03-02T12:00:00Z"
        ),
        "extract-eco-1-again": scenario.extract(ECO_ASMO, "lot-eco-1", ECO_MINE, 10_000, certificate=ECO_CERT),
    }
    for part in (one, two):
        accepted: list[bytes] = []
        rejected: list[bytes] = []
        for name, signed in part.items():
            season.events[name] = signed
            outcome = decide(state, signed)
            evolve(state, outcome)
            if signed.event.type.startswith(REGISTRY_TYPES):
                position += 1
            if isinstance(outcome, Accepted):
                accepted.append(accepted_value(signed, outcome, position))
                season.findings[name] = [finding.code for finding in outcome.findings]
            elif isinstance(outcome, Rejected):
                rejected.append(rejected_value(signed.raw, outcome.code, outcome.detail))
                season.refusals[name] = outcome.code
        season.parts.append((accepted, rejected))
    return season
