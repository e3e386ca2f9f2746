"""The partition engine: registry by position, hand-offs between partitions, parking, global lot ids."""

from __future__ import annotations

from typing import Any

import pytest

from events.codec import SignedEvent
from events.model.types import parse_utc
from services.custody.engine import Emit, PartitionEngine, referenced_lots
from tests.unit.events.scenario import ECO_ASMO, ECO_CERT, ECO_MINE, REFINER, TRADER, Scenario, shipment_of

# Each participant's partition in these tests.
PARTITIONS = {ECO_ASMO: 0, TRADER: 1, REFINER: 0}


class Registry:
    """A fake registry topic: registry events at offsets 0, 1, 2, ..."""

    def __init__(self, events: list[SignedEvent]) -> None:
        self.events = events

    def between(self, lo: int, hi: int) -> list[tuple[int, SignedEvent]]:
        return [(i, e) for i, e in enumerate(self.events) if lo <= i < hi]


def engine_for(partition: int, scenario: Scenario, registry: Registry) -> PartitionEngine:
    return PartitionEngine(partition, scenario.anchor(), registry.between, lambda p: PARTITIONS.get(p, 2))


def inbound(signed: SignedEvent, registry_at: int) -> dict[str, Any]:
    return {"kind": "event", "event": signed.raw, "registry_at": registry_at, "received_at": "2026-03-02T08:00:00Z"}


def only(emits: list[Emit], topic: str) -> list[Emit]:
    return [e for e in emits if e.topic == topic]


@pytest.fixture
def scenario() -> Scenario:
    return Scenario()


@pytest.fixture
def registry(scenario: Scenario) -> Registry:
    return Registry(scenario.world())


def test_an_event_is_decided_at_its_stamped_registry_position(scenario: Scenario, registry: Registry) -> None:
    engine = engine_for(0, scenario, registry)
    lot = scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000)
    too_early = engine.process(inbound(lot, registry_at=1))  # before CECOMIP was registered
    assert [e.record["code"] for e in too_early] == ["key.unknown"]
    assert engine.registry_position == 1

    again = scenario.extract(ECO_ASMO, "L2", ECO_MINE, 10_000)
    accepted = engine.process(inbound(again, registry_at=len(registry.events)))
    assert [e.topic for e in accepted] == ["accepted"]
    assert accepted[0].record["registry_position"] == len(registry.events)
    assert engine.dirty.lots == {"L2"}
    assert engine.dirty.seen == {again.id}
    assert engine.dirty.claims == {"L2": again.id}


def test_positions_never_go_backwards_within_a_partition(scenario: Scenario, registry: Registry) -> None:
    engine = engine_for(0, scenario, registry)
    engine.process(inbound(scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000), registry_at=len(registry.events)))
    late_stamp = scenario.extract(ECO_ASMO, "L2", ECO_MINE, 10_000)
    emits = engine.process(inbound(late_stamp, registry_at=0))
    assert emits[0].topic == "accepted"
    assert emits[0].record["registry_position"] == len(registry.events)


def test_a_shipment_hands_the_lot_to_the_receivers_partition_and_an_early_receipt_waits(
    scenario: Scenario, registry: Registry
) -> None:
    at = len(registry.events)
    sender, receiver = engine_for(0, scenario, registry), engine_for(1, scenario, registry)
    extracted = scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000, certificate=ECO_CERT)
    shipped = scenario.ship(ECO_ASMO, "L1", TRADER, 10_000, premium_usd="100.00")
    received = scenario.receive(TRADER, "L1", shipment_of(shipped), 10_000)

    assert only(sender.process(inbound(extracted, at)), "accepted")
    emits = sender.process(inbound(shipped, at))
    assert [e.topic for e in emits] == ["accepted", "inbound"]
    handoff = emits[1]
    assert handoff.key == TRADER
    assert handoff.record["kind"] == "handoff"
    assert handoff.record["state"]["status"] == "in_transit"

    assert receiver.process(inbound(received, at)) == [], "the receipt overtook the hand-off: it waits"
    assert receiver.dirty.parked == {"L1"}
    after = receiver.process(handoff.record)
    assert [e.topic for e in after] == ["accepted", "inbound"]
    assert after[0].key == received.id
    notice = after[1]
    assert (notice.key, notice.record["kind"]) == (ECO_ASMO, "receipt_notice"), "the sender's copy is told"
    assert receiver.state.lots["L1"].custodian == TRADER
    assert receiver.parking.records == {}

    again = receiver.process(handoff.record)
    assert again == [], "a redelivered hand-off changes nothing"
    assert receiver.state.lots["L1"].status == "held"


def test_a_shipment_within_one_partition_needs_no_hand_off(scenario: Scenario, registry: Registry) -> None:
    at = len(registry.events)
    engine = engine_for(0, scenario, registry)
    engine.process(inbound(scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000), at))
    shipped = scenario.ship(ECO_ASMO, "L1", REFINER, 10_000)
    assert [e.topic for e in engine.process(inbound(shipped, at))] == ["accepted"]
    received = engine.process(inbound(scenario.receive(REFINER, "L1", shipment_of(shipped), 10_000), at))
    assert [e.topic for e in received] == ["accepted"]


def test_two_transformations_racing_for_one_input_consume_it_once(scenario: Scenario, registry: Registry) -> None:
    at = len(registry.events)
    engine = engine_for(0, scenario, registry)
    engine.process(inbound(scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000), at))
    first = scenario.transform(ECO_ASMO, ["L1"], [("L1-bar", 9_900, "850")])
    second = scenario.transform(ECO_ASMO, ["L1"], [("L1-other", 9_900, "850")])
    assert engine.process(inbound(first, at))[0].topic == "accepted"
    refused = engine.process(inbound(second, at))
    assert [(e.topic, e.record["code"]) for e in refused] == [("rejected", "lot.consumed")]


def test_a_lot_id_created_in_another_partition_is_taken(scenario: Scenario, registry: Registry) -> None:
    at = len(registry.events)
    engine = engine_for(0, scenario, registry)
    engine.claims["L1"] = "someone-elses-event"
    refused = engine.process(inbound(scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000), at))
    assert [(e.topic, e.record["code"]) for e in refused] == [("rejected", "lot.id_reused")]


def test_a_receipt_whose_hand_off_never_comes_is_refused_after_the_window(
    scenario: Scenario, registry: Registry
) -> None:
    at = len(registry.events)
    receiver = engine_for(1, scenario, registry)
    orphan = scenario.receive(TRADER, "GHOST", "GHOST.s1", 1_000)
    assert receiver.process(inbound(orphan, at)) == []
    scenario.step = scenario.step * 24 * 40  # the next event is 40 days later
    scenario.counter += 1
    later = scenario.extract(ECO_ASMO, "L9", ECO_MINE, 10_000)
    emits = receiver.process(inbound(later, at))
    refusals = [(e.key, e.record["code"]) for e in emits if e.topic == "rejected"]
    assert (orphan.id, "lot.unknown") in refusals
    assert receiver.parking.records == {}


def test_referenced_lots_cover_every_lot_a_record_names(scenario: Scenario) -> None:
    melt = scenario.transform(ECO_ASMO, ["A", "B"], [("C", 1, "850"), ("D", 1, "850")])
    assert referenced_lots(inbound(melt, 0)) == {"A", "B", "C", "D"}
    assert referenced_lots({"kind": "handoff", "lot": "X"}) == {"X"}


def test_a_lot_coming_back_waits_for_its_hand_off_despite_the_copy_left_behind(
    scenario: Scenario, registry: Registry
) -> None:
    at = len(registry.events)
    home, away = engine_for(0, scenario, registry), engine_for(1, scenario, registry)
    home.process(inbound(scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000), at))
    out = scenario.ship(ECO_ASMO, "L1", TRADER, 10_000)
    handoff_out = home.process(inbound(out, at))[1].record
    away.process(handoff_out)
    away.process(inbound(scenario.receive(TRADER, "L1", shipment_of(out), 10_000), at))
    back = scenario.ship(TRADER, "L1", REFINER, 10_000)
    handoff_back = away.process(inbound(back, at))[1].record
    receipt = scenario.receive(REFINER, "L1", shipment_of(back), 10_000)
    melt = scenario.transform(REFINER, ["L1"], [("L1-bar", 9_000, "850")])

    assert home.process(inbound(receipt, at)) == [], "the copy left behind is stale: wait for the hand-off"
    assert home.process(inbound(melt, at)) == [], "and so does what follows on the same lot"
    decided = home.process(handoff_back)
    assert [(e.topic, e.key) for e in decided] == [("accepted", receipt.id), ("inbound", TRADER), ("accepted", melt.id)]


def test_a_receipt_notice_updates_the_copy_left_behind(scenario: Scenario, registry: Registry) -> None:
    at = len(registry.events)
    home, away = engine_for(0, scenario, registry), engine_for(1, scenario, registry)
    home.process(inbound(scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000), at))
    out = scenario.ship(ECO_ASMO, "L1", TRADER, 10_000)
    away.process(home.process(inbound(out, at))[1].record)
    again = scenario.ship(ECO_ASMO, "L1", REFINER, 10_000)
    assert home.process(inbound(again, at))[0].record["code"] == "lot.in_transit", "before the receipt is known"
    notice = away.process(inbound(scenario.receive(TRADER, "L1", shipment_of(out), 10_000), at))[1]
    assert home.process(notice.record) == []
    assert home.state.lots["L1"].custodian == TRADER
    later = scenario.ship(ECO_ASMO, "L1", REFINER, 10_000)
    assert home.process(inbound(later, at))[0].record["code"] == "custody.not_custodian", "as the kernel says"


def test_a_receipt_is_decided_at_once_when_no_hand_off_can_come(scenario: Scenario, registry: Registry) -> None:
    at = len(registry.events)
    receiver = engine_for(1, scenario, registry)
    never_shipped = scenario.receive(TRADER, "GHOST", "GHOST.s", 1_000)
    record = inbound(never_shipped, at) | {"shipment": None}
    assert [e.record["code"] for e in receiver.process(record)] == ["lot.unknown"]
    not_for_me = scenario.receive(TRADER, "L7", "L7.s", 1_000)
    record = inbound(not_for_me, at) | {"shipment": {"to": REFINER, "lot": "L7"}}
    assert [e.record["code"] for e in receiver.process(record)] == ["receipt.not_receiver"]


def test_a_refused_shipment_releases_the_receipt_waiting_for_it(scenario: Scenario, registry: Registry) -> None:
    at = len(registry.events)
    sender, receiver = engine_for(0, scenario, registry), engine_for(1, scenario, registry)
    not_held = scenario.ship(ECO_ASMO, "NOPE", TRADER, 1_000, shipment="NOPE.s")
    receipt = scenario.receive(TRADER, "NOPE", "NOPE.s", 1_000)
    stamped = inbound(receipt, at) | {"shipment": {"to": TRADER, "lot": "NOPE"}}
    assert receiver.process(stamped) == [], "waits: the shipment was submitted to this receiver"
    emits = sender.process(inbound(not_held, at))
    assert [(e.topic, e.record.get("kind")) for e in emits] == [("rejected", None), ("inbound", "handoff_refused")]
    released = receiver.process(emits[1].record)
    assert [(e.key, e.record["code"]) for e in released] == [(receipt.id, "lot.unknown")]
    assert receiver.parking.records == {}
    late = scenario.receive(TRADER, "NOPE", "NOPE.s", 1_000)
    assert receiver.process(inbound(late, at) | {"shipment": {"to": TRADER, "lot": "NOPE"}})[0].topic == "rejected"


def test_events_on_the_outputs_of_a_waiting_melt_wait_behind_it(scenario: Scenario, registry: Registry) -> None:
    at = len(registry.events)
    sender, receiver = engine_for(0, scenario, registry), engine_for(1, scenario, registry)
    sender.process(inbound(scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000), at))
    out = scenario.ship(ECO_ASMO, "L1", TRADER, 10_000)
    handoff = sender.process(inbound(out, at))[1].record
    receipt = scenario.receive(TRADER, "L1", shipment_of(out), 10_000)
    melt = scenario.transform(TRADER, ["L1"], [("L1-bar", 9_900, "850")])
    onward = scenario.ship(TRADER, "L1-bar", REFINER, 9_900)
    for event in (receipt, melt, onward):
        assert receiver.process(inbound(event, at) | {"shipment": {"to": TRADER, "lot": "L1"}}) == []
    decided = receiver.process(handoff)
    accepted = [e.key for e in decided if e.topic == "accepted"]
    assert accepted == [receipt.id, melt.id, onward.id], "in order, once the lot arrived"


def test_expiry_looks_at_the_earliest_waiting_event_only(scenario: Scenario, registry: Registry) -> None:
    at = len(registry.events)
    receiver = engine_for(1, scenario, registry)
    for n in range(50):
        ghost = scenario.receive(TRADER, f"G{n}", f"G{n}.s", 1_000)
        receiver.process(inbound(ghost, at) | {"shipment": {"to": TRADER, "lot": f"G{n}"}})
    assert len(receiver.parking.records) == 50
    assert receiver.parking.expired(parse_utc(scenario.now()), receiver.policy.receipt_window_seconds) == []


def _forged(signed: SignedEvent) -> dict[str, Any]:
    """The event with another (well-formed) signature: no Ed25519 check would pass it."""
    return {**signed.raw, "signature": "A" * 86}


def test_custody_checks_the_signature_itself_unless_it_takes_the_gateways_check(
    scenario: Scenario, registry: Registry
) -> None:
    at = len(registry.events)
    lot = scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000)
    stamped = {**inbound(lot, at), "event": _forged(lot), "verified_key": scenario.signer(ECO_ASMO).public_key}

    rechecking = engine_for(0, scenario, registry)
    assert [e.record["code"] for e in rechecking.process(stamped)] == ["signature.invalid"]

    trusting = PartitionEngine(0, scenario.anchor(), registry.between, lambda p: 0, trust_gateway_signatures=True)
    assert [e.topic for e in trusting.process(stamped)] == ["accepted"]  # the inbound topic is trusted (SECURITY.md)


def test_a_gateway_stamp_names_a_key_the_log_does_not_hold_then_custody_checks_the_signature(
    scenario: Scenario, registry: Registry
) -> None:
    at = len(registry.events)
    trusting = PartitionEngine(0, scenario.anchor(), registry.between, lambda p: 0, trust_gateway_signatures=True)
    lot = scenario.extract(ECO_ASMO, "L1", ECO_MINE, 10_000)
    other_key = scenario.signer(TRADER).public_key
    forged = {**inbound(lot, at), "event": _forged(lot), "verified_key": other_key}
    assert [e.record["code"] for e in trusting.process(forged)] == ["signature.invalid"]
    genuine = {**inbound(lot, at), "verified_key": other_key}
    assert [e.topic for e in trusting.process(genuine)] == ["accepted"]
