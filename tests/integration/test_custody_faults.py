"""Custody workers under faults: kill -9 mid-stream and restart; the registry race through the whole pipeline."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from events.codec import SignedEvent
from events.custody.fold import fold
from events.custody.outcome import Accepted
from events.custody.state import initial_state
from services.common.settings import PipelineSettings
from services.sandbox.pipeline import read_to_end, read_topic
from services.sandbox.processes import Workers
from tests.integration.client import submit
from tests.unit.events.scenario import (
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

pytestmark = pytest.mark.integration

LOTS = 60


def season(scenario: Scenario) -> tuple[list[SignedEvent], list[SignedEvent]]:
    """The registry, then per lot: extraction, shipment to the trader, receipt (custody in submission order)."""
    world = scenario.world()
    custody: list[SignedEvent] = []
    for i in range(LOTS):
        asmo, mine, cert = (ECO_ASMO, ECO_MINE, ECO_CERT) if i % 2 else (FM_ASMO, FM_MINE, FM_CERT)
        lot = f"LOT-{i:03d}"
        extracted = scenario.extract(asmo, lot, mine, 50_000, certificate=cert)
        shipped = scenario.ship(asmo, lot, TRADER, 50_000, premium_usd="200.00")
        custody += [extracted, shipped, scenario.receive(TRADER, lot, shipment_of(shipped), 49_990)]
    return world, custody


def outcomes_by_id(accepted: list[Any], rejected: list[Any]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for _, record, _ in accepted:
        found.setdefault(record["event"]["id"], set()).add("accepted")
    for _, record, _ in rejected:
        found.setdefault(record["event"]["id"], set()).add(record["code"])
    assert all(len(v) == 1 for v in found.values()), f"an event got two different outcomes: {found}"
    return {k: v.pop() for k, v in found.items()}


def latest_lots(accepted: list[Any]) -> dict[str, dict[str, Any]]:
    """Lot states as the ledger keeps them: from the first record of each event, in log order."""
    lots: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for _, record, _ in accepted:
        if record["event"]["id"] in seen:
            continue
        seen.add(record["event"]["id"])
        for lot in record["lots"]:
            lots[lot["lot"]] = lot
    return lots


async def test_kill_9_mid_stream_loses_and_duplicates_nothing(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers
) -> None:
    scenario = Scenario()
    world, custody = season(scenario)
    clean = initial_state(scenario.anchor())
    expected = {}
    for signed, outcome in zip(world + custody, fold(clean, world + custody), strict=True):
        expected[signed.id] = "accepted" if isinstance(outcome, Accepted) else getattr(outcome, "code", "duplicate")
    assert set(expected.values()) == {"accepted"}, "the clean season is all accepted"

    workers.start(0)  # alone, so it holds every partition when it is killed
    await submit(gateway, world)
    half = len(custody) // 2
    await submit(gateway, custody[:half])
    await read_topic(pipeline.kafka_bootstrap, pipeline.topics.accepted, 1, expected=len(world) + 10)
    await submit(gateway, custody[half:])
    workers.kill(0)  # while the second half is being decided
    workers.start(0)
    workers.start(1)

    total = len(world) + len(custody)
    accepted = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.accepted, 1, expected=total, seconds=120)
    rejected = await read_to_end(pipeline.kafka_bootstrap, pipeline.topics.rejected, 1)
    outcomes = outcomes_by_id(accepted, rejected)
    assert outcomes == expected, "same outcome for every event as a clean run"
    duplicates = len(accepted) - len({r["event"]["id"] for _, r, _ in accepted})
    print(f"\nkill -9 run: {total} events, {len(accepted)} accepted records ({duplicates} re-sent after the kill)")
    final = latest_lots(accepted)
    assert final == {lot: state.to_json() for lot, state in clean.lots.items()}, "same final lot states"


async def test_register_then_submit_first_lot_at_once_is_accepted(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers
) -> None:
    workers.start(0)
    scenario = Scenario()
    world = scenario.world()
    await submit(gateway, world[:-2])  # everything but the certificates
    newcomer = scenario.register("cruz-pata", ["asmo"], members=(12, 40))
    await submit(gateway, [newcomer, scenario.mine("cruz-pata-chaquiminas", "cruz-pata")])
    first_lot = scenario.extract("cruz-pata", "CP-1", "cruz-pata-chaquiminas", 8_000)
    await submit(gateway, [first_lot])
    accepted = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.accepted, 1, expected=len(world) + 1)
    assert first_lot.id in {r["event"]["id"] for _, r, _ in accepted}
