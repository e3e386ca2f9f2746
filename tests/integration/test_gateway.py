"""The gateway against the live broker and database: schema, signature, ids, routing, HTTP refusals."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import orjson
import pytest

from events.codec import SignedEvent, decode_object
from services.common.settings import PipelineSettings
from services.gateway.adapters import PostgresSubmissions
from services.gateway.ports import Claim
from services.sandbox.pipeline import read_topic
from tests.unit.events.scenario import AUTHORITY, ECO_ASMO, ECO_MINE, Scenario

pytestmark = pytest.mark.integration


def body(*events: SignedEvent) -> bytes:
    return orjson.dumps([e.raw for e in events])


async def post(gateway: httpx.AsyncClient, content: bytes, content_type: str = "application/json") -> httpx.Response:
    return await gateway.post("/v1/events", content=content, headers={"content-type": content_type})


async def test_registration_then_first_lot_at_once_are_both_queued_and_routed(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings
) -> None:
    scenario = Scenario()
    registration = scenario.register(ECO_ASMO, ["asmo"], members=(58, 142))
    first = await post(gateway, orjson.dumps(registration.raw))
    assert first.status_code == 202
    assert first.json() == {"id": registration.id, "status": "queued"}

    lot = scenario.extract(ECO_ASMO, "LOT-1", ECO_MINE, 12_000)
    second = await post(gateway, body(lot))
    assert second.status_code == 202
    assert second.json() == [{"id": lot.id, "status": "queued"}]

    registry = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.registry, 1, expected=1)
    assert [record["event"]["id"] for _, record, _ in registry] == [registration.id]
    inbound = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.inbound, 4, expected=1)
    key, record, _ = inbound[0]
    assert key == ECO_ASMO, "custody events are keyed by their signer"
    assert record["kind"] == "event"
    assert record["event"] == lot.raw
    assert record["registry_at"] >= 1, "the stamp covers the registration answered before"
    assert record["verified_key"] == scenario.signer(ECO_ASMO).public_key, "the key the gateway checked it under"


async def test_forged_signature_unknown_key_duplicate_and_id_conflict(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings
) -> None:
    scenario = Scenario()
    registration = scenario.register(ECO_ASMO, ["asmo"])
    forged = _tamper(scenario.register("impostor", ["asmo"]), ["data", "name"], "Someone Else")
    stranger_data = registration.raw["data"] | {"participant": "stranger"}
    stranger = scenario.sign(scenario.new_signer("stranger"), "participant.registered", "stranger", stranger_data)

    answers = (await post(gateway, body(registration, registration, forged, stranger))).json()
    assert answers[0] == {"id": registration.id, "status": "queued"}
    assert answers[1] == {"id": registration.id, "status": "duplicate"}
    assert answers[2]["status"] == "rejected"
    assert answers[2]["error"]["code"] == "signature.invalid"
    assert answers[3]["status"] == "rejected"
    assert answers[3]["error"]["code"] == "key.unknown"

    conflicting = _resign_with_same_id(scenario, registration)
    again = (await post(gateway, body(conflicting))).json()
    assert again[0]["error"]["code"] == "event.id_conflict"

    rejected = await read_topic(pipeline.kafka_bootstrap, pipeline.topics.rejected, 1, expected=3)
    assert sorted(r["code"] for _, r, _ in rejected) == ["event.id_conflict", "key.unknown", "signature.invalid"]
    assert all(r["by"] == "gateway" and r["detail"] for _, r, _ in rejected), "kept with a sentence"

    status = await gateway.get(f"/v1/events/{registration.id}")
    assert status.json() == {"id": registration.id, "status": "queued"}
    missing = await gateway.get("/v1/events/never-sent")
    assert missing.status_code == 404
    assert missing.json()["error"] == "event.not_found"


def _tamper(event: SignedEvent, path: list[str], value: Any) -> SignedEvent:
    raw = orjson.loads(orjson.dumps(event.raw))
    target = raw
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return decode_object(raw)


def _resign_with_same_id(scenario: Scenario, original: SignedEvent) -> SignedEvent:
    data = dict(original.raw["data"]) | {"name": "Renamed Cooperative"}
    return scenario.sign(AUTHORITY, "participant.registered", original.event.subject, data, event_id=original.id)


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"{}", "text/plain", 415, "request.content_type"),
        (b"not json at all", "application/json", 400, "request.not_events"),
        (b"[1, 2", "application/json", 400, "event.malformed_json"),
        (b"[]", "application/json", 422, "request.empty"),
        (b"[" + b",".join([b"{}"] * 1001) + b"]", "application/json", 413, "batch.too_many_events"),
        (b"[" + b" " * (8 * 1024 * 1024) + b"]", "application/json", 413, "request.too_large"),
    ],
)
async def test_malformed_requests_get_a_json_error(
    gateway: httpx.AsyncClient, content: bytes, content_type: str, status: int, code: str
) -> None:
    answer = await post(gateway, content, content_type)
    assert answer.status_code == status
    assert answer.json()["error"] == code
    assert answer.json()["detail"]


async def test_health_and_metrics(gateway: httpx.AsyncClient) -> None:
    health = await gateway.get("/healthz")
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    metrics = await gateway.get("/metrics")
    assert metrics.status_code == 200
    assert "gateway_request_seconds" in metrics.text


async def test_a_claim_whose_request_never_reached_kafka_is_published_by_the_next_request(
    pipeline: PipelineSettings,
) -> None:
    pool = await asyncpg.create_pool(pipeline.database_url, min_size=1, max_size=2)
    try:
        submissions = PostgresSubmissions(pool)
        first, second = (
            Claim("ev-1", b"\x01" * 32, "a", "lot.extracted"),
            Claim("ev-2", b"\x02" * 32, "a", "lot.assayed"),
        )
        crashed = uuid4()  # this request claimed both ids, then its gateway died before Kafka took them
        assert await submissions.claim([first, second], crashed) == {"ev-1": "new", "ev-2": "new"}

        retry = uuid4()
        assert await submissions.claim([first], retry) == {"ev-1": "unpublished"}, "sent again, not lost"
        await submissions.mark_published(retry, ["ev-1"])
        later = uuid4()
        other = Claim("ev-1", b"\x09" * 32, "a", "lot.extracted")
        assert await submissions.claim([first, second, other], later) == {"ev-1": "duplicate", "ev-2": "unpublished"}

        await submissions.mark_published(crashed, [])  # a request's own claims: one row, no update
        assert await submissions.claim([second], uuid4()) == {"ev-2": "duplicate"}
        assert await submissions.claim([other], uuid4()) == {"ev-1": "conflict"}
    finally:
        await pool.close()


async def test_a_claim_racing_an_uncommitted_one_sees_it_once_committed(pipeline: PipelineSettings) -> None:
    """A client retries while its first request is still claiming: the retry is neither lost nor a conflict."""
    pool = await asyncpg.create_pool(pipeline.database_url, min_size=1, max_size=3)
    try:
        submissions = PostgresSubmissions(pool)
        original = Claim("ev-race", b"\x05" * 32, "a", "lot.extracted")
        reused = Claim("ev-race-2", b"\x06" * 32, "a", "lot.extracted")
        async with pool.acquire() as first_request:
            transaction = first_request.transaction()
            await transaction.start()
            await first_request.execute(
                "INSERT INTO submissions (event_id, digest, signer, type, publication) VALUES"
                " ($1, $2, 'a', 'lot.extracted', $5), ($3, $4, 'a', 'lot.extracted', $5)",
                original.event_id,
                original.digest,
                reused.event_id,
                b"\x07" * 32,
                uuid4(),
            )
            retry = asyncio.create_task(submissions.claim([original, reused], uuid4()))
            await asyncio.sleep(0.3)
            assert not retry.done(), "the retry waits for the first request's claim"
            await transaction.commit()
        assert await retry == {"ev-race": "unpublished", "ev-race-2": "conflict"}
    finally:
        await pool.close()
