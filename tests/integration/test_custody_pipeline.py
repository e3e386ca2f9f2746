"""Gateway -> Kafka -> two custody workers -> accepted/rejected topics, on the live broker and database."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from events.codec import SignedEvent
from services.common.settings import PipelineSettings
from services.sandbox.pipeline import read_topic
from services.sandbox.processes import Workers
from tests.integration.client import submit
from tests.unit.events.scenario import ECO_ASMO, ECO_CERT, ECO_MINE, REFINER, TRADER, Scenario, shipment_of

pytestmark = pytest.mark.integration


async def registry_up(gateway: httpx.AsyncClient, workers: Workers) -> tuple[Scenario, list[SignedEvent]]:
    """Both custody workers started and the scenario's registry (participants, mines, certificates) submitted."""
    workers.start(0)
    workers.start(1)
    scenario = Scenario()
    world = scenario.world()
    await submit(gateway, world)
    return scenario, world


async def test_a_season_through_two_workers_with_hand_offs_and_a_double_spend(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers
) -> None:
    scenario, world = await registry_up(gateway, workers)

    extracted = scenario.extract(ECO_ASMO, "LOT-A", ECO_MINE, 120_000, certificate=ECO_CERT)
    shipped = scenario.ship(ECO_ASMO, "LOT-A", TRADER, 120_000, premium_usd="612.00")
    received = scenario.receive(TRADER, "LOT-A", shipment_of(shipped), 119_900)
    to_refiner = scenario.ship(TRADER, "LOT-A", REFINER, 119_900)
    at_refiner = scenario.receive(REFINER, "LOT-A", shipment_of(to_refiner), 119_900)
    melt = scenario.transform(REFINER, ["LOT-A"], [("BAR-A", 101_000, "995.0")], process="refining")
    double_spend = scenario.transform(REFINER, ["LOT-A"], [("BAR-B", 101_000, "995.0")], process="refining")
    custody = [extracted, shipped, received, to_refiner, at_refiner, melt, double_spend]
    for event in custody:  # one request each, as separate parties would send them
        await submit(gateway, [event])

    accepted = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.accepted, 1, expected=len(world) + 6)
    accepted_ids = [record["event"]["id"] for _, record, _ in accepted]
    assert Counter(accepted_ids) == Counter([e.id for e in world] + [e.id for e in custody[:-1]]), "each once"
    rejected = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.rejected, 1, expected=1)
    assert [(r["event"]["id"], r["code"]) for _, r, _ in rejected] == [(double_spend.id, "lot.consumed")]

    by_id = {record["event"]["id"]: record for _, record, _ in accepted}
    bar = next(lot for lot in by_id[melt.id]["lots"] if lot["lot"] == "BAR-A")
    assert bar["custodian"] == REFINER
    assert bar["lot_class"] == "fairmined-ecological"
    assert by_id[received.id]["registry_position"] >= len(world)


async def test_a_large_request_travels_packed_and_every_event_is_decided_once_in_order(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers
) -> None:
    scenario, world = await registry_up(gateway, workers)
    lots = [scenario.extract(ECO_ASMO, f"PACK-{i}", ECO_MINE, 10_000, certificate=ECO_CERT) for i in range(40)]
    await submit(gateway, lots)  # one request: the ASMO's 40 events share a partition

    accepted = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.accepted, 1, expected=len(world) + 40)
    ids = [record["event"]["id"] for _, record, _ in accepted]
    assert Counter(ids) == Counter([e.id for e in world] + [e.id for e in lots]), "each once"
    assert [i for i in ids if i in {e.id for e in lots}] == [e.id for e in lots], (
        "the partition's events decided in the request's order"
    )

    inbound = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.inbound, 4, expected=1)
    assert len(inbound) == 1, "the request's 40 events for one partition are one record"
    key, record, _ = inbound[0]
    assert key == ECO_ASMO
    assert record["kind"] == "events"
    assert [member["event"]["id"] for member in record["records"]] == [e.id for e in lots]
