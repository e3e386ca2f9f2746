"""The whole pipeline on the live broker and database: gateway, two custody workers, ledger, status by id."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from services.common.settings import PipelineSettings
from services.sandbox.processes import Workers
from tests.integration.client import final_status, submit
from tests.unit.events.scenario import (
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    REFINER,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    shipment_of,
)

pytestmark = pytest.mark.integration


async def test_events_become_rows_statuses_and_log_leaves(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers
) -> None:
    workers.start_ledger()
    workers.start(0)
    workers.start(1)
    scenario = Scenario()
    world = scenario.world()
    await submit(gateway, world)
    extracted = scenario.extract(ECO_ASMO, "LOT-1", ECO_MINE, 60_000, certificate=ECO_CERT)
    shipped = scenario.ship(ECO_ASMO, "LOT-1", TRADER, 60_000)  # a certified first sale without premium
    received = scenario.receive(TRADER, "LOT-1", shipment_of(shipped), 59_000)
    mixed_in = scenario.extract(UNCERTIFIED_ASMO, "LOT-U", UNCERTIFIED_MINE, 10_000)
    good = [extracted, shipped, received, mixed_in]
    for event in good:
        await submit(gateway, [event])
    to_refiner = scenario.ship(TRADER, "LOT-1", REFINER, 59_000)
    await submit(gateway, [to_refiner])
    wrong_receiver = scenario.receive(ECO_ASMO, "LOT-1", shipment_of(to_refiner), 59_000)
    await submit(gateway, [wrong_receiver])

    for event in [*world, *good, to_refiner]:
        status = await final_status(gateway, event.id)
        assert status["status"] == "accepted", (event.event.type, status)
    refused = await final_status(gateway, wrong_receiver.id)
    assert refused["status"] == "rejected"
    assert refused["refused_by"] == "custody"
    first_sale = await final_status(gateway, shipped.id)
    findings = first_sale["findings"]
    assert isinstance(findings, list)
    assert "premium.missing" in {f["code"] for f in findings}

    conn = await asyncpg.connect(pipeline.database_url)
    try:
        accepted = len(world) + len(good) + 1
        assert await conn.fetchval("SELECT count(*) FROM log_leaves") == accepted
        assert await conn.fetchval("SELECT max(leaf_index) FROM log_leaves") == accepted - 1
        lot = await conn.fetchrow("SELECT custodian, status FROM lots WHERE lot = 'LOT-1'")
        assert lot is not None
        assert (lot["custodian"], lot["status"]) == (None, "in_transit")
    finally:
        await conn.close()
