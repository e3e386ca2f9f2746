"""Shared fixtures: the test stack's settings, and a clear failure when it is not running."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from hypothesis import settings

from services.stack import postgres
from services.stack.kafka import metadata_answers
from services.stack.settings import StackSettings
from tests.databases import scratch_database_on

# The property tests run beside Kafka, PostgreSQL and the services on 2 busy cores: a pause of the machine is not a
# slow example, so no example has a deadline (hypothesis's default is 200 ms).
settings.register_profile("goldtrace", deadline=None)
settings.load_profile("goldtrace")


@pytest.fixture(scope="session")
def stack_settings() -> StackSettings:
    """The stack the tests run against (`make test` starts it on the test ports)."""
    return StackSettings.from_env()


@pytest.fixture(scope="session")
def kafka_bootstrap(stack_settings: StackSettings) -> str:
    """Bootstrap servers of the running test broker; fails (never skips) when none answers."""
    bootstrap = stack_settings.kafka_bootstrap
    if not asyncio.run(metadata_answers(bootstrap)):
        pytest.fail(f"No Kafka broker answers at {bootstrap}. Run the suite with `make test` (it starts one).")
    return bootstrap


@pytest.fixture(scope="session")
def database_url(stack_settings: StackSettings) -> str:
    """URL of the running test database; fails (never skips) when it is not reachable."""
    url = postgres.database_url(stack_settings)
    if not stack_settings.external_database_url and postgres.server_pid(stack_settings) is None:
        pytest.fail("The test PostgreSQL server is not running. Run the suite with `make test` (it starts one).")
    return url


@pytest.fixture
def unique_name() -> str:
    """A fresh name for topics, groups and databases, so tests never see each other's data."""
    return f"gt-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def scratch_database(database_url: str) -> AsyncIterator[str]:
    """A fresh empty database on the test server, dropped afterwards."""
    async with scratch_database_on(database_url) as url:
        yield url
