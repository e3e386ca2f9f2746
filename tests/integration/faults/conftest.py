"""Fault tests: a private Kafka broker and PostgreSQL server of their own, which the tests stop and restart.

The shared test stack is never touched: the private stack lives under the test stack's home (pytest keeps its own
temporary folder 0700, which the database server's user could not traverse), on free ports, and is started once for
the whole package with the project's own runner (services/stack). The broker's jars are borrowed from the test
stack's folder when it has them, so no Maven run is needed.
"""

from __future__ import annotations

import shutil
import socket
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from services.common.settings import PipelineSettings
from services.gateway.app import create_app
from services.sandbox.pipeline import private_pipeline
from services.sandbox.processes import Workers, pipeline_env
from services.stack import kafka, postgres
from services.stack.errors import StackError
from services.stack.settings import StackSettings
from tests.unit.events.scenario import Scenario


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


@dataclass(frozen=True)
class PrivateStack:
    """A broker and a database server that belong to the fault tests alone; they may stop and start them."""

    settings: StackSettings

    @property
    def bootstrap(self) -> str:
        """The private broker's bootstrap address."""
        return self.settings.kafka_bootstrap

    @property
    def admin_url(self) -> str:
        """The private server's main database (scratch databases are made beside it)."""
        return postgres.database_url(self.settings)

    def stop_kafka(self) -> float:
        """Stop the broker (a controlled shutdown); the seconds it took."""
        began = time.monotonic()
        assert kafka.stop(self.settings), "the private broker was not running"
        return time.monotonic() - began

    def start_kafka(self) -> float:
        """Start the broker again on the same folder and ports; the seconds until it answers metadata requests."""
        began = time.monotonic()
        kafka.start(self.settings)
        return time.monotonic() - began

    def stop_postgres(self) -> float:
        """Stop the server (fast shutdown: open connections are cut); the seconds it took."""
        began = time.monotonic()
        assert postgres.stop(self.settings), "the private database server was not running"
        return time.monotonic() - began

    def start_postgres(self) -> float:
        """Start the server again on the same folder and port; the seconds it took."""
        began = time.monotonic()
        postgres.start(self.settings)
        return time.monotonic() - began


def _borrow_jars(private: StackSettings, shared: StackSettings) -> None:
    """Link the test stack's downloaded Kafka jars into the private stack's folder (else Maven fetches them)."""
    name = f"lib-{kafka.pinned_version()}"
    if (shared.kafka_dir / name / ".complete").exists():
        private.kafka_dir.mkdir(parents=True, exist_ok=True)
        (private.kafka_dir / name).symlink_to(shared.kafka_dir / name, target_is_directory=True)


def _started(start: Callable[[], object], data: Path) -> None:
    """Start the broker; once more from an empty data folder if formatting its storage failed (on a busy machine a
    JVM has been seen to fail the format once, with no output; nothing was started then)."""
    try:
        start()
    except StackError as first:
        if first.code != "stack.kafka_format_failed":
            raise
        warnings.warn(f"the private broker did not start ({first}); trying once more", stacklevel=2)
        shutil.rmtree(data, ignore_errors=True)
        start()


@pytest.fixture(scope="package")
def private_stack(stack_settings: StackSettings) -> Iterator[PrivateStack]:
    """Kafka and PostgreSQL of the fault tests' own, started once for the package and removed afterwards."""
    kafka_port, controller_port, postgres_port = _free_ports(3)
    home = stack_settings.home / "private-stacks" / f"faults-{uuid.uuid4().hex[:8]}"
    settings = StackSettings.from_env(
        {
            "GOLDTRACE_HOME": str(home),
            "GOLDTRACE_KAFKA_PORT": str(kafka_port),
            "GOLDTRACE_KAFKA_CONTROLLER_PORT": str(controller_port),
            "GOLDTRACE_POSTGRES_PORT": str(postgres_port),
            "GOLDTRACE_KAFKA_HEAP_MB": "384",
        }
    )
    _borrow_jars(settings, stack_settings)
    stack = PrivateStack(settings)
    try:
        _started(lambda: kafka.start(settings), settings.kafka_dir / "data")
        postgres.start(settings)
        yield stack
    finally:
        postgres.stop(settings)
        kafka.stop(settings)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
async def private_database(private_stack: PrivateStack, unique_name: str) -> AsyncIterator[str]:
    """A fresh database on the private server, dropped afterwards (the server may have been restarted)."""
    name = unique_name.replace("-", "_")
    admin = await asyncpg.connect(private_stack.admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield private_stack.admin_url.rsplit("/", 1)[0] + "/" + name
    admin = await asyncpg.connect(private_stack.admin_url)
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def private_pipeline_settings(
    stack_settings: StackSettings, private_stack: PrivateStack, private_database: str, unique_name: str
) -> PipelineSettings:
    """A pipeline (topics, migrated database, the scenario's trust anchor) on the private broker and server."""
    anchor = Scenario().anchor()
    return await private_pipeline(stack_settings, private_stack.bootstrap, private_database, unique_name, anchor)


@pytest.fixture
async def private_gateway(private_pipeline_settings: PipelineSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in-process on the private pipeline, spoken to over ASGI."""
    app = create_app(private_pipeline_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http


@pytest.fixture
def private_workers(private_pipeline_settings: PipelineSettings, tmp_path: Path) -> Iterator[Workers]:
    """Custody workers and the ledger as processes on the private pipeline (none started yet); stopped afterwards."""
    found = Workers(pipeline_env(private_pipeline_settings, tmp_path), tmp_path)
    yield found
    found.stop_all()
