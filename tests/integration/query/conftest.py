"""One private pipeline for the package, played a real season, and the query app in-process over ASGI.

The pipeline (topics, scratch database, gateway in-process, two custody workers and the ledger as processes) is
built once for the package: starting it costs far more than every query test together. The ledger signs heads
with a real log key made here, and the query settings carry that key, the anchor statement signed with it, and
the ledger's port (so a bundle can ask for a head on demand).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from events.anchor import sign_anchor
from events.codec import SignedEvent
from events.keys import derive_key_id, generate_private_key, write_private_key
from events.signing import public_key_b64
from services.common.settings import PipelineSettings
from services.gateway.app import create_app as gateway_app
from services.query.app import create_app as query_app
from services.sandbox.pipeline import private_pipeline
from services.sandbox.processes import Workers, pipeline_env
from services.stack.settings import StackSettings
from tests.databases import scratch_database_on
from tests.integration.client import final_status, submit
from tests.integration.query.season import Season, play_season
from tests.unit.events.scenario import Scenario


@dataclass(frozen=True)
class Played:
    """The season as played: the query's settings, what was submitted, and a client of the query app."""

    settings: PipelineSettings
    season: Season
    query: httpx.AsyncClient


@pytest.fixture(scope="package")
async def module_database(database_url: str) -> AsyncIterator[str]:
    """A scratch database for the whole package, dropped afterwards."""
    async with scratch_database_on(database_url, "gt_query") as url:
        yield url


@pytest.fixture(scope="package")
async def played(
    stack_settings: StackSettings, kafka_bootstrap: str, module_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Played]:
    """The season submitted through the gateway and decided by the pipeline, every event final."""
    folder: Path = tmp_path_factory.mktemp("query-pipeline")
    scenario = Scenario()
    prefix = f"gt-query-{uuid.uuid4().hex[:12]}"
    pipeline = await private_pipeline(stack_settings, kafka_bootstrap, module_database, prefix, scenario.anchor())
    workers = Workers(pipeline_env(pipeline, folder), folder)
    log_key = generate_private_key()
    write_private_key(folder / "log.pem", log_key)  # Workers.start_ledger points the ledger at this file
    keyid = derive_key_id(log_key.public_key())
    settings = replace(
        pipeline,
        stack=replace(pipeline.stack, ledger_port=workers.ledger_port),
        log_keyid=keyid,
        log_public_key=public_key_b64(log_key),
        anchor_signature=sign_anchor(pipeline.anchor, keyid, log_key),
    )
    try:
        workers.start_ledger()
        workers.start(0)
        workers.start(1)
        season = play_season(scenario)
        gateway = gateway_app(pipeline)
        gateway_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw")
        async with gateway.router.lifespan_context(gateway), gateway_http:
            await _submit_all(gateway_http, season.batches)
        app = query_app(settings)
        query_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://query")
        async with app.router.lifespan_context(app), query_http:
            await _until_a_head_covers_the_log(query_http, len(season.accepted))
            yield Played(settings, season, query_http)
    finally:
        workers.stop_all()


async def _submit_all(gateway: httpx.AsyncClient, batches: list[list[SignedEvent]]) -> None:
    """Submit each batch once the previous one is decided (a receipt follows its shipment), then wait for all."""
    for batch in batches:
        await submit(gateway, batch)
        for event in batch:
            await final_status(gateway, event.id)


async def _until_a_head_covers_the_log(query: httpx.AsyncClient, size: int, seconds: float = 30.0) -> None:
    """Wait for the ledger's periodic signer to sign the whole log (it does every 0.5 s while the log grows)."""
    async with asyncio.timeout(seconds):
        while True:
            answer = await query.get("/v1/log/head")
            if answer.status_code == 200 and answer.json()["tree_size"] >= size:
                return
            await asyncio.sleep(0.1)
