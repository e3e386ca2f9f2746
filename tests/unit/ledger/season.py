"""Realistic records for the ledger: a short Puno season decided by the kernel, as the custody processor emits it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from events.codec import SignedEvent
from events.custody import Accepted, Rejected, decide, evolve, initial_state
from events.custody.outcome import PutLot
from tests.unit.events.scenario import (
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    REFINER,
    TRADER,
    Scenario,
    shipment_of,
)

DECIDED_AT = "2026-03-05T12:00:00.000Z"
REGISTRY_POSITION = 14  # the registry events of the standard world


@dataclass
class Season:
    """Accepted and rejected record values (bytes), in the order the custody processor would emit them."""

    accepted: list[bytes] = field(default_factory=list)
    rejected: list[bytes] = field(default_factory=list)
    accepted_events: list[SignedEvent] = field(default_factory=list)
    rejected_events: list[SignedEvent] = field(default_factory=list)


def accepted_value(signed: SignedEvent, outcome: Accepted, position: int) -> bytes:
    """The goldtrace.events.accepted record of an accepted event (services/README.md)."""
    lots = [change.lot.to_json() for change in outcome.changes if isinstance(change, PutLot)]
    return orjson.dumps(
        {
            "event": signed.raw,
            "digest": signed.digest.hex(),
            "registry_position": position,
            "findings": [finding.to_json() for finding in outcome.findings],
            "lots": lots,
            "partition": 0,
            "decided_at": DECIDED_AT,
        }
    )


def rejected_value(event: dict[str, Any] | None, code: str, detail: str, raw: str | None = None) -> bytes:
    """A goldtrace.events.rejected record."""
    record = {"event": event, "raw": raw, "code": code, "detail": detail, "decided_at": DECIDED_AT, "by": "custody"}
    return orjson.dumps(record)


def season(scenario: Scenario | None = None) -> Season:
    """The registry, two extractions, an assay, a first sale (no premium), a heavy receipt, a melt, a double spend."""
    scenario = scenario or Scenario()
    state = initial_state(scenario.anchor())
    result = Season()
    events = [
        *scenario.world(),
        scenario.extract(
            ECO_ASMO,
            "lot-eco-1",
            ECO_MINE,
            1_000_000,
            certificate=ECO_CERT,
            contributions=[("divinas-en-brillo-de-oro", 4000), ("cecomip-cooperatives", 6000)],
        ),
        scenario.extract(ECO_ASMO, "lot-eco-2", ECO_MINE, 500_000, certificate=ECO_CERT),
        scenario.extract(FM_ASMO, "lot-fm-1", FM_MINE, 800_000, certificate=FM_CERT),
        scenario.assay(ECO_ASMO, "lot-eco-1", "900"),
    ]
    events.append(scenario.ship(ECO_ASMO, "lot-eco-1", TRADER, 1_000_000))
    events.append(scenario.receive(TRADER, "lot-eco-1", shipment_of(events[-1]), 990_000))
    events.append(scenario.ship(ECO_ASMO, "lot-eco-2", TRADER, 500_000, premium_usd="2550.00"))
    events.append(scenario.receive(TRADER, "lot-eco-2", shipment_of(events[-1]), 500_000))
    events.append(scenario.transform(TRADER, ["lot-eco-1", "lot-eco-2"], [("bar-eco-1", 1_480_000, "870")]))
    events.append(scenario.transform(TRADER, ["lot-eco-1"], [("bar-eco-2", 900_000, "900")]))  # double spend
    events.append(scenario.ship(TRADER, "bar-eco-1", REFINER, 1_480_000))
    for signed in events:
        outcome = decide(state, signed)
        evolve(state, outcome)
        if isinstance(outcome, Accepted):
            result.accepted.append(accepted_value(signed, outcome, position=REGISTRY_POSITION))
            result.accepted_events.append(signed)
        elif isinstance(outcome, Rejected):
            result.rejected.append(rejected_value(signed.raw, outcome.code, outcome.detail))
            result.rejected_events.append(signed)
    return result
