"""kill -9 of custody workers while clients are still sending, with the ledger writing: checked in PostgreSQL.

tests/integration/test_custody_faults.py kills a lone worker once, after the traffic was sent, and checks the topics.
Here traffic keeps flowing while each of the two workers is killed in turn and started again, and the check is
the ledger's tables against the clean run (outcomes, lot states, one leaf per accepted event, findings).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from services.common.settings import PipelineSettings
from services.sandbox.processes import Workers
from tests.integration.faults.workload import (
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


async def test_kill_9_of_each_custody_worker_mid_stream(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = season(LOTS)
    calm_audit_clock(workers)
    await asyncio.to_thread(workers.start_ledger)
    await asyncio.to_thread(workers.start, 0)
    await asyncio.to_thread(workers.start, 1)
    tally = Tally()
    await deliver(gateway, expected.world, tally)
    clients = asyncio.create_task(run_clients(gateway, expected.chains, tally, clients=3, per_request=2, pause_s=0.3))
    kills: list[int] = []
    restarts: list[asyncio.Task[None]] = []
    for number, share in ((0, 5), (1, 2)):  # the second kill may come while the first worker is still starting
        await when(lambda: tally.chains_done >= LOTS // share)  # noqa: B023 - awaited within the iteration
        kills.append(tally.chains_done)
        workers.kill(number)
        restarts.append(asyncio.create_task(asyncio.to_thread(workers.start, number)))
    await clients
    await asyncio.gather(*restarts)
    state = await settled(pipeline.database_url, len(expected.outcomes), workers)
    extra = f"\n  custody: worker 0 killed after {kills[0]} chains were answered, worker 1 after {kills[1]}"
    with capsys.disabled():
        print(await report("custody kill -9", pipeline, expected, state, tally, extra))
    check_against_clean(expected, state, tally)
