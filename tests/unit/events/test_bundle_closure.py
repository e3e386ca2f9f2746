"""A lot's verdict events are a closed set: replayed alone (as a bundle carries them), they reach the same verdict."""

from __future__ import annotations

from events.codec import SignedEvent
from events.custody import TrustAnchor
from events.custody.replay import replay
from events.verdict import lot_verdict
from services.demo.keys import public_entries
from services.demo.season import build_season
from services.demo.signing import sign_all
from tests.unit.demo.conftest import anchor_of, cast_keys, make_seed, signing_keys
from tests.unit.events.scenario import (
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    LAB,
    REFINER,
    TRADER,
    Scenario,
    shipment_of,
)


def assert_closed(events: list[SignedEvent], anchor: TrustAnchor) -> int:
    """Every lot's verdict from the whole set equals its verdict from its own events alone; return the lot count."""
    whole = replay(events, anchor)
    accepted = [signed for signed, record in zip(events, whole.records, strict=True) if record.outcome == "accepted"]
    whole = replay(accepted, anchor)
    for lot in sorted(whole.state.lots):
        verdict = lot_verdict(whole, lot)
        chosen = {record.event_id for record in verdict.events}
        alone = lot_verdict(replay([e for e in accepted if e.id in chosen], anchor), lot)
        assert alone == verdict, (lot, alone.reasons)
    return len(whole.state.lots)


def test_shipments_in_transit_assays_certifiers_and_later_melts_are_closed() -> None:
    scenario = Scenario()
    events = scenario.world()
    events.append(scenario.extract(ECO_ASMO, "eco-1", ECO_MINE, 100_000, certificate=ECO_CERT))
    events.append(scenario.assay(ECO_ASMO, "eco-1", "900"))  # the assay lab signs nothing itself
    shipped = scenario.ship(ECO_ASMO, "eco-1", TRADER, 100_000, premium_usd="540.00")
    events.append(shipped)
    events.append(scenario.extract(FM_ASMO, "fm-1", FM_MINE, 50_000, certificate=FM_CERT))
    events.append(scenario.ship(FM_ASMO, "fm-1", REFINER, 50_000, premium_usd="170.00"))  # never received
    assert_closed(events, scenario.anchor())
    events.append(scenario.receive(TRADER, "eco-1", shipment_of(shipped), 100_000))
    events.append(scenario.extract(ECO_ASMO, "eco-2", ECO_MINE, 20_000, certificate=ECO_CERT))
    second = scenario.ship(ECO_ASMO, "eco-2", TRADER, 20_000, premium_usd="102.00")
    events += [second, scenario.receive(TRADER, "eco-2", shipment_of(second), 20_000)]
    # eco-1 is melted later with eco-2: eco-1's verdict lists eco-2's history so the melt can be decided
    events.append(scenario.transform(TRADER, ["eco-1", "eco-2"], [("bar-1", 100_000, "995")]))
    events.append(scenario.ship(TRADER, "bar-1", LAB, 100_000))
    assert assert_closed(events, scenario.anchor()) == 4  # eco-1, eco-2, fm-1, bar-1


def test_every_lot_of_the_demo_season_is_closed() -> None:
    keys = cast_keys()
    public = public_entries(keys)
    seed = make_seed()
    season = build_season(seed, public)
    signed = [event.signed for event in sign_all(season.events(), signing_keys(seed, keys))]
    assert assert_closed(signed, anchor_of(public)) >= 20
