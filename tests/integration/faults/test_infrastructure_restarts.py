"""The broker stopped and restarted while the gateway accepts; PostgreSQL stopped and restarted while the ledger writes.

Both run on the package's private Kafka and PostgreSQL (conftest.py), with the gateway in-process, two custody
workers and the ledger as processes, and a few clients that follow Retry-After. Each prints its counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from services.common.settings import PipelineSettings
from services.gateway.app import INTAKE_DEADLINE_S
from services.sandbox.processes import Workers
from tests.integration.faults.conftest import PrivateStack
from tests.integration.faults.workload import (
    Season,
    Tally,
    calm_audit_clock,
    check_against_clean,
    deliver,
    report,
    run_clients,
    season,
    settled,
    when,
)

pytestmark = pytest.mark.integration

LOTS = 150
OUTAGE_S = 3.0  # how long PostgreSQL stays away once stopped (requests meet it at once: connections are refused)
BROKER_OUTAGE_S = INTAKE_DEADLINE_S + 1  # a request sent as the broker stops waits this long for it, then gets 503


async def start_pipeline(workers: Workers) -> None:
    """The ledger and two custody workers, started off the event loop (the in-process gateway keeps serving)."""
    calm_audit_clock(workers)
    await asyncio.to_thread(workers.start_ledger)
    await asyncio.to_thread(workers.start, 0)
    await asyncio.to_thread(workers.start, 1)


async def traffic_under_way(
    gateway: httpx.AsyncClient, workers: Workers, expected: Season, pause_s: float, gate: asyncio.Event
) -> tuple[Tally, asyncio.Task[None]]:
    """Start the pipeline, deliver the registry world, and set three clients sending the custody chains while the
    gate is open."""
    await start_pipeline(workers)
    tally = Tally()
    await deliver(gateway, expected.world, tally)
    clients = asyncio.create_task(
        run_clients(gateway, expected.chains, tally, clients=3, per_request=3, pause_s=pause_s, gate=gate)
    )
    return tally, clients


async def held(gate: asyncio.Event, stop: Callable[[], float]) -> float:
    """Close the gate (the clients finish the request they are in), run `stop`, open the gate again: the rest of
    the traffic then meets the outage, however long stopping took. Returns what `stop` returned."""
    gate.clear()
    try:
        return await asyncio.to_thread(stop)
    finally:
        gate.set()


def open_gate() -> asyncio.Event:
    """A gate the clients pass freely until `held` closes it."""
    gate = asyncio.Event()
    gate.set()
    return gate


async def test_broker_stopped_and_restarted_while_the_gateway_accepts(
    private_stack: PrivateStack,
    private_pipeline_settings: PipelineSettings,
    private_gateway: httpx.AsyncClient,
    private_workers: Workers,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = season(LOTS)
    gate = open_gate()
    tally, clients = await traffic_under_way(private_gateway, private_workers, expected, pause_s=0.1, gate=gate)
    await when(lambda: tally.chains_done >= LOTS // 8)  # most of the traffic is still to come
    stopped_s = await held(gate, private_stack.stop_kafka)
    await asyncio.sleep(BROKER_OUTAGE_S)  # clients keep sending to a gateway whose broker is away
    during = tally.statuses[503]
    started_s = await asyncio.to_thread(private_stack.start_kafka)
    await clients
    state = await settled(private_pipeline_settings.database_url, len(expected.outcomes), private_workers)
    extra = (
        f"\n  broker: stopped in {stopped_s:.1f} s, away {BROKER_OUTAGE_S:.0f} s, back in {started_s:.1f} s; "
        f"{during} answers 503 while it was stopped"
    )
    with capsys.disabled():
        print(await report("broker restart", private_pipeline_settings, expected, state, tally, extra))
    check_against_clean(expected, state, tally)
    assert tally.statuses[503] > 0, "the outage was met by clients (else this test proves nothing)"


async def test_postgres_stopped_and_restarted_while_the_ledger_writes(
    private_stack: PrivateStack,
    private_pipeline_settings: PipelineSettings,
    private_gateway: httpx.AsyncClient,
    private_workers: Workers,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = season(LOTS)
    gate = open_gate()
    tally, clients = await traffic_under_way(private_gateway, private_workers, expected, pause_s=0.05, gate=gate)
    await when(lambda: tally.chains_done >= LOTS // 3)
    stopped_s = await held(gate, private_stack.stop_postgres)
    status = await private_gateway.get(f"/v1/events/{expected.world[0].id}")
    assert (status.status_code, status.json()["error"]) == (503, "service.unavailable"), status.text
    assert status.headers["retry-after"].isdigit()
    health = await private_gateway.get("/healthz")
    assert (health.status_code, health.json()["database"]) == (503, "down"), health.text
    await asyncio.sleep(OUTAGE_S)
    during = tally.statuses[503]
    started_s = await asyncio.to_thread(private_stack.start_postgres)
    await clients
    state = await settled(private_pipeline_settings.database_url, len(expected.outcomes), private_workers)
    extra = (
        f"\n  postgres: stopped in {stopped_s:.1f} s, away {OUTAGE_S:.0f} s, back in {started_s:.1f} s; "
        f"{during} answers 503 while it was stopped"
    )
    with capsys.disabled():
        print(await report("postgres restart", private_pipeline_settings, expected, state, tally, extra))
    check_against_clean(expected, state, tally)
    assert tally.statuses[503] > 0, "the outage was met by clients (else this test proves nothing)"
