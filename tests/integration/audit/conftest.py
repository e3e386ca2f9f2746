"""One private pipeline for the audit tests: the audit season on real Kafka topics, written by the real ledger
(in-process) into a scratch database with a signed head after each part, four access tokens, and the query app.

Built once per package (the ledger run dominates the cost); the tests only read, except the token CLI tests,
which issue and revoke tokens of their own.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer

from events.anchor import sign_anchor
from events.signing import public_key_b64
from events.treehead import SignedTreeHead, decode_tree_head
from services.common.settings import PipelineSettings
from services.ledger.app import open_ledger
from services.ledger.heads import LogKey, load_log_key
from services.ledger.settings import LedgerSettings
from services.query.app import create_app
from services.query.audit.token_store import issue_token, revoke_token
from services.sandbox.pipeline import private_pipeline
from services.stack.settings import StackSettings
from tests.databases import scratch_database_on
from tests.integration.audit.season import AuditSeason, audit_season
from tests.unit.events.scenario import AUTHORITY, ECO_ASMO, TRADER, Scenario

LOG_KEYID = "audit-test-log"
AUDIT_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
"""The query app's clock in these tests: inside the season's certificates (2026), so only the season itself makes a
certificate lapse, whatever day the suite runs on."""


@dataclass(frozen=True)
class AuditWorld:
    """The played season, the query settings (with the log key), the heads, the tokens and a query client."""

    settings: PipelineSettings
    season: AuditSeason
    log_key: LogKey
    heads: tuple[SignedTreeHead, SignedTreeHead]
    tokens: dict[str, str]
    """`auditor`, `self` (CECOMIP, participant), `other` (the trader, participant), `revoked` (was CECOMIP's)."""
    query: httpx.AsyncClient

    def auth(self, who: str) -> dict[str, str]:
        """The Authorization header of a token (none for `anonymous`)."""
        return {} if who == "anonymous" else {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="package")
async def audit_database(database_url: str) -> AsyncIterator[str]:
    """A scratch database for the package, dropped afterwards."""
    async with scratch_database_on(database_url, "gt_audit") as url:
        yield url


async def _publish(bootstrap: str, topic: str, values: Sequence[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send(topic, value)
        await producer.flush()
    finally:
        await producer.stop()


async def _issue_tokens(database_url: str) -> dict[str, str]:
    db = await asyncpg.connect(database_url)
    try:
        tokens = {
            "auditor": (await issue_token(db, AUTHORITY, "auditor", "ARM")).text,
            "self": (await issue_token(db, ECO_ASMO, "participant")).text,
            "other": (await issue_token(db, TRADER, "participant")).text,
        }
        revoked = await issue_token(db, ECO_ASMO, "participant", "lost laptop")
        await revoke_token(db, revoked.token_id)
        tokens["revoked"] = revoked.text
        return tokens
    finally:
        await db.close()


@pytest.fixture(scope="package")
async def audit_world(
    stack_settings: StackSettings, kafka_bootstrap: str, audit_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AuditWorld]:
    """The season written by the ledger, a head signed after each part, tokens issued, the query app running."""
    folder: Path = tmp_path_factory.mktemp("audit")
    scenario = Scenario()
    prefix = f"gt-audit-{uuid.uuid4().hex[:12]}"
    pipeline = await private_pipeline(stack_settings, kafka_bootstrap, audit_database, prefix, scenario.anchor())
    key = load_log_key(folder / "log.pem", LOG_KEYID)
    ledger = LedgerSettings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=audit_database,
        accepted_topic=pipeline.topics.accepted,
        rejected_topic=pipeline.topics.rejected,
        log_key_file=folder / "log.pem",
        log_keyid=LOG_KEYID,
        head_interval_s=3600.0,  # heads only when the test asks: one after each part
        batch_max_records=500,
        poll_timeout_ms=100,
        http_host="127.0.0.1",
        http_port=0,
    )
    season = audit_season(scenario)
    heads: list[SignedTreeHead] = []
    for accepted, rejected in season.parts:
        await _publish(kafka_bootstrap, pipeline.topics.accepted, accepted)
        await _publish(kafka_bootstrap, pipeline.topics.rejected, rejected)
        async with open_ledger(ledger, key) as running:
            await running.consumer.catch_up()
            heads.append(decode_tree_head(await running.sign_head_now()))
    settings = replace(
        pipeline,
        log_keyid=LOG_KEYID,
        log_public_key=public_key_b64(key.private_key),
        anchor_signature=sign_anchor(pipeline.anchor, LOG_KEYID, key.private_key),
    )
    tokens = await _issue_tokens(audit_database)
    async with query_client(settings, AUDIT_NOW) as query:
        yield AuditWorld(settings, season, key, (heads[0], heads[1]), tokens, query)


@asynccontextmanager
async def query_client(settings: PipelineSettings, now: datetime) -> AsyncIterator[httpx.AsyncClient]:
    """The query app in process, its lifespan run, its clock stopped at `now`."""
    app = create_app(settings, clock=lambda: now)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://query") as query:
            yield query


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="package")
async def query_url(audit_world: AuditWorld) -> AsyncIterator[str]:
    """The query app served over real HTTP (uvicorn in this event loop), for the command-line tests."""
    port = _free_port()
    app = create_app(audit_world.settings, clock=lambda: AUDIT_NOW)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def get_json(world: AuditWorld, who: str, path: str, **params: Any) -> tuple[int, Any]:
    """GET a path as one of the token holders; the status and the parsed body."""
    answer = await world.query.get(path, params=params, headers=world.auth(who))
    return answer.status_code, answer.json()
