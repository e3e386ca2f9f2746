"""Fixtures of a private pipeline (own topics, database and trust anchor) on the shared test stack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from services.common.settings import PipelineSettings
from services.gateway.app import create_app
from services.sandbox.pipeline import private_pipeline
from services.sandbox.processes import Workers, pipeline_env
from services.stack.settings import StackSettings
from tests.unit.events.scenario import Scenario


@pytest.fixture
async def pipeline(
    stack_settings: StackSettings, kafka_bootstrap: str, scratch_database: str, unique_name: str
) -> PipelineSettings:
    """Topics under a unique prefix, a migrated scratch database, the scenario's authority as trust anchor."""
    return await private_pipeline(stack_settings, kafka_bootstrap, scratch_database, unique_name, Scenario().anchor())


@pytest.fixture
async def gateway(pipeline: PipelineSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in-process (its lifespan run), spoken to over ASGI."""
    app = create_app(pipeline)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http


@pytest.fixture
def workers(pipeline: PipelineSettings, tmp_path: Path) -> Iterator[Workers]:
    """Custody worker processes for the private pipeline (none started yet); all stopped afterwards."""
    found = Workers(pipeline_env(pipeline, tmp_path), tmp_path)
    yield found
    found.stop_all()
