"""Every bad request of the corpus (tests/corpus/gateway/cases.toml) against the real gateway app, and a slow client.

One private pipeline on the shared test stack serves the whole module (the cases are independent requests). A refused
request must get its 4xx and reason code with a sentence; a refused array item must get a 202 whose item says
`rejected` with the code. Never a 5xx, and never `queued`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.gateway import app as gateway_module
from services.sandbox.pipeline import private_pipeline
from services.stack.settings import StackSettings
from tests.corpus.cases import Case, gateway_cases
from tests.unit.events.scenario import Scenario

pytestmark = pytest.mark.integration

CASES = gateway_cases()


@pytest.fixture(scope="module")
async def corpus_gateway(
    stack_settings: StackSettings, kafka_bootstrap: str, database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in-process on a private pipeline of its own, for the whole module."""
    name = f"gt_corpus_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = database_url.rsplit("/", 1)[0] + "/" + name
        prefix = name.replace("_", "-")
        pipeline = await private_pipeline(stack_settings, kafka_bootstrap, url, prefix, Scenario().anchor())
        app = gateway_module.create_app(pipeline)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
                yield http
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_each_bad_request_is_refused_with_its_reason(corpus_gateway: httpx.AsyncClient, case: Case) -> None:
    answer = await corpus_gateway.post("/v1/events", content=case.body, headers=case.headers)
    assert answer.status_code == case.status, (case.why, answer.status_code, answer.text[:300])
    body = answer.json()
    if case.error is not None:
        assert 400 <= answer.status_code < 500
        assert body["error"] == case.error, body
        assert len(body["detail"]) > 20, body
        return
    assert [(item["status"], item["error"]["code"]) for item in body] == [("rejected", case.item)], body
    assert len(body[0]["error"]["detail"]) > 20, body


async def test_the_corpus_covers_every_threat_the_issue_names() -> None:
    codes = {case.error or case.item for case in CASES}
    named = {
        "request.too_large", "event.too_large", "batch.too_many_events", "event.too_deep", "event.invalid_utf8",
        "event.lone_surrogate", "event.integer_out_of_range", "event.duplicate_key", "request.content_type",
    }  # fmt: skip
    assert named <= codes, sorted(named - codes)


async def test_a_client_trickling_its_body_is_cut_off_with_408(
    corpus_gateway: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gateway_module, "BODY_READ_S", 0.5)

    async def trickle() -> AsyncIterator[bytes]:
        for byte in b'[{"specversion":"1.0"}]':
            yield bytes([byte])
            await asyncio.sleep(0.1)

    answer = await corpus_gateway.post("/v1/events", content=trickle(), headers={"content-type": "application/json"})
    assert answer.status_code == 408, answer.text
    assert answer.json()["error"] == "request.too_slow"
