"""The demo season stored once per module in a private pipeline, a real query server over it, and Chromium.

The season is played exactly as `goldtrace demo` plays it (the in-process gateway, one custody worker and the
ledger as processes, a scratch database, the demo home's own authority key as trust anchor); the query app is
then served by uvicorn on a free loopback port, since a browser needs a URL. Chromium is Debian's package
(infra/browsers/install.sh), driven by Playwright through `executable_path`: never Playwright's own download.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Playwright, async_playwright

from services.cli.demo_commands import run
from services.cli.main import build_parser
from services.common.platform_keys import PlatformKeys, anchor_from_trust
from services.common.settings import PipelineSettings
from services.demo.home import DemoHome, read_seed
from services.gateway.app import create_app as gateway_app
from services.query.app import create_app as query_app
from services.sandbox.pipeline import private_pipeline
from services.sandbox.processes import Workers, free_port, pipeline_env
from services.stack.settings import StackSettings
from tests.databases import scratch_database_on

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("GOLDTRACE_BROWSER_ARTIFACTS", Path(__file__).parent / "artifacts"))
PROJECTION_WAIT_S = 60.0


@dataclass(frozen=True)
class StoredSeason:
    """The demo season as the ledger stored it: the pipeline's settings and the season's lot ids."""

    pipeline: PipelineSettings
    tag: str

    def lot(self, name: str) -> str:
        """A season lot id from its name in the story (`ring-01` -> `ring-01-<tag>`)."""
        return f"{name}-{self.tag}"


async def _projected(database_url: str, lots: list[str], refused: list[str]) -> bool:
    db = await asyncpg.connect(database_url)
    try:
        stored = await db.fetchval("SELECT count(*) FROM lots WHERE lot = ANY($1::text[])", lots)
        rejected = await db.fetchval(
            "SELECT count(DISTINCT subject) FROM rejections WHERE subject = ANY($1::text[])", refused
        )
        return bool(stored == len(lots) and rejected == len(refused))
    finally:
        await db.close()


@pytest.fixture(scope="module")
async def scratch_db(database_url: str) -> AsyncIterator[str]:
    """A fresh database for the module's season, dropped afterwards."""
    async with scratch_database_on(database_url) as url:
        yield url


@pytest.fixture(scope="module")
async def season(
    stack_settings: StackSettings, kafka_bootstrap: str, scratch_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[StoredSeason]:
    """Play the demo season through a private pipeline and wait until the ledger stored it."""
    folder = tmp_path_factory.mktemp("browser-season")
    settings = replace(stack_settings, home=folder / "home")
    trust = PlatformKeys(settings.home / "keys").ensure()
    name = f"gt-test-{uuid.uuid4().hex[:12]}"
    played = await private_pipeline(settings, kafka_bootstrap, scratch_db, name, anchor_from_trust(trust))
    workers = Workers(pipeline_env(played, folder), folder)
    # The ledger signs heads with the home's log key (Workers.start_ledger reads <folder>/log.pem), so the query
    # can serve bundles whose anchor statement that key signed, exactly as on a stack `goldtrace up` made.
    shutil.copyfile(PlatformKeys(settings.home / "keys").log_key_file, folder / "log.pem")
    pipeline = replace(
        played,
        stack=replace(played.stack, ledger_port=workers.ledger_port),
        log_keyid=trust["log_keyid"],
        log_public_key=trust["log_public_key"],
        anchor_signature=trust["anchor_signature"],
    )
    try:
        workers.start_ledger()
        workers.start(0)
        app = gateway_app(pipeline)
        out = io.StringIO()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)  # the gateway needs no URL: the demo talks to it in-process
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as gateway:
                args = build_parser().parse_args(["demo", "--timeout", "90"])
                code = await run(args, http=gateway, out=out, settings=settings)
        assert code == 0, out.getvalue()
        stored = StoredSeason(pipeline, read_seed(DemoHome(settings.home).seed_file).tag)
        lots, refused = [stored.lot("ring-01"), stored.lot("bar-u-01")], [stored.lot("cecomip-03")]
        deadline = time.monotonic() + PROJECTION_WAIT_S
        while not await _projected(scratch_db, lots, refused):
            assert time.monotonic() < deadline, f"the ledger did not store the season: {workers.log_tail(-1)}"
            await asyncio.sleep(0.3)
        yield stored
    finally:
        workers.stop_all()


@pytest.fixture(scope="module")
def query_url(season: StoredSeason) -> Iterator[str]:
    """The query service over the stored season, served by uvicorn on a free loopback port (in a thread)."""
    port = free_port()
    config = uvicorn.Config(query_app(season.pipeline), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="query-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the query server exited at start"
        assert time.monotonic() < deadline, "the query server did not start in 30 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="module")
async def playwright() -> AsyncIterator[Playwright]:
    """Playwright's async API (on the tests' event loop)."""
    async with async_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    """Debian's headless Chromium; fails (never skips) with what to run when it is not installed."""
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (one stat, before any test)
        pytest.fail(f"No Chromium at {CHROMIUM}: run `make browsers` (infra/browsers/install.sh) once.")
    found = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield found
    await found.close()


@pytest.fixture
def artifacts() -> Path:
    """Where this test's screenshots go (tests/browser/artifacts/, or $GOLDTRACE_BROWSER_ARTIFACTS)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
