"""The gateway's HTTP surface: POST /v1/events, GET /v1/events/{id}, /healthz, /metrics."""

from __future__ import annotations

import asyncio
import time
from collections import Counter as Counts
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
import orjson
from aiokafka.errors import KafkaError
from fastapi import FastAPI, Path, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram

from events.codec import MAX_BATCH_BYTES, SignedEvent, decode_batch, decode_event
from events.errors import DecodeError
from events.model.types import ID_PATTERN
from services.common.http import HttpError, install_common
from services.common.partitioning import inbound_partitions, partitioner
from services.common.producing import idempotent_producer
from services.common.registry_feed import RegistryFeed
from services.common.settings import PipelineSettings
from services.gateway.adapters import FeedRegistryView, KafkaPublisher, PostgresShipments, PostgresSubmissions
from services.gateway.contract import STATUS_RESPONSES, SUBMIT_BODY, SUBMIT_RESPONSES, refusal_status
from services.gateway.intake import Intake, Result
from services.gateway.status import event_status

JSON_TYPES = ("application/json", "application/cloudevents+json", "application/cloudevents-batch+json")
RETRY_AFTER = {"Retry-After": "2"}
MAX_RAW_KEPT = 64 * 1024
# A request that cannot be queued within this is answered 503 (retry): a broker or database that is away must not
# hold clients until their own timeouts, which would leave them not knowing. Anything sent meanwhile is re-sent by
# the retry and decided once (duplicates by id have one effect).
INTAKE_DEADLINE_S = 10.0
BODY_READ_S = 60.0  # the whole body must arrive within this (a full 8 MiB batch needs only 1.2 Mbit/s)
UNAVAILABLE = (
    KafkaError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    TimeoutError,
)

EventId = Annotated[str, Path(pattern=ID_PATTERN, description="The event id (1-128 of A-Z a-z 0-9 . _ : -)")]


def create_app(settings: PipelineSettings) -> FastAPI:
    """The gateway app; connections open in its lifespan, never at import."""
    metrics = CollectorRegistry()
    outcomes = Counter("gateway_events_total", "Events answered, by status", ["status"], registry=metrics)
    latency = Histogram("gateway_request_seconds", "POST /v1/events latency", registry=metrics)
    parts: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        feed = RegistryFeed(settings.kafka_bootstrap, settings.topics.registry, settings.anchor)
        producer = idempotent_producer(settings.kafka_bootstrap, linger_ms=2)
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=8)
        await producer.start()
        await feed.start()
        intake = Intake(
            FeedRegistryView(feed),
            PostgresSubmissions(pool),
            KafkaPublisher(producer, settings.topics, partitioner(inbound_partitions())),
            PostgresShipments(pool),
        )
        parts.update(feed=feed, pool=pool, intake=intake)
        try:
            yield
        finally:
            await feed.stop()
            await producer.stop()
            await pool.close()

    app = FastAPI(
        title="goldtrace gateway",
        version="1",
        summary="Submit signed goldtrace events (CloudEvents 1.0, structured JSON) and follow their status.",
        lifespan=lifespan,
    )

    async def health() -> dict[str, str]:
        pool: asyncpg.Pool | None = parts.get("pool")
        try:
            database = "ok" if pool is not None and await pool.fetchval("SELECT 1") == 1 else "down"
        except (OSError, asyncpg.PostgresError):
            database = "down"
        feed: RegistryFeed | None = parts.get("feed")
        return {"database": database, "registry_position": "ok" if feed is not None else "down"}

    install_common(app, metrics, health)

    @app.post(
        "/v1/events",
        status_code=202,
        summary="Submit one signed event, or a JSON array of up to 1,000",
        responses=SUBMIT_RESPONSES,
        openapi_extra=SUBMIT_BODY,
    )
    async def submit(request: Request) -> Response:
        began = time.perf_counter()
        _check_content_type(request)
        body = await _read_limited(request)
        single, items, raw_items = _decode(body)
        try:
            async with asyncio.timeout(INTAKE_DEADLINE_S):
                results = await parts["intake"].submit(items, raw_items)
        except UNAVAILABLE as error:
            raise HttpError(
                503,
                "service.unavailable",
                f"Events could not be queued now ({type(error).__name__}); "
                "nothing was lost, send the same request again.",
                RETRY_AFTER,
            ) from error
        for status, count in Counts(result.status for result in results).items():
            outcomes.labels(status).inc(count)
        latency.observe(time.perf_counter() - began)
        if not single:  # orjson: the same compact JSON as JSONResponse writes, for up to 1,000 answers at once
            answers = orjson.dumps([r.as_json() for r in results])
            return Response(answers, status_code=202, media_type="application/json")
        if results[0].status == "rejected":  # one event refused: the request is refused (the event is kept)
            return _refused(results[0])
        return JSONResponse(results[0].as_json(), status_code=202)

    @app.get(
        "/v1/events/{event_id}",
        summary="The status of an event: queued, accepted (with findings) or rejected",
        responses=STATUS_RESPONSES,
    )
    async def status(event_id: EventId) -> JSONResponse:
        try:
            found = await event_status(parts["pool"], event_id)
        except UNAVAILABLE as error:
            raise HttpError(
                503, "service.unavailable", "The status cannot be read now; ask again shortly.", RETRY_AFTER
            ) from error
        if found is None:
            raise HttpError(404, "event.not_found", f"No event with id {event_id!r} was submitted here.")
        return JSONResponse(found)

    return app


def _refused(result: Result) -> JSONResponse:
    """The answer to a request of one event that was refused: a 4xx ErrorBody that also names the event."""
    assert result.code is not None
    assert result.detail is not None
    body = {"error": result.code, "detail": result.detail, "id": result.id, "status": result.status}
    return JSONResponse(body, status_code=refusal_status(result.code))


def _check_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in JSON_TYPES:
        raise HttpError(415, "request.content_type", "Send events as JSON with Content-Type: application/json.")


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BATCH_BYTES:
        raise HttpError(413, "request.too_large", f"A request may carry at most {MAX_BATCH_BYTES} bytes; split it.")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_READ_S):  # a client trickling its body must not hold a connection for ever
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BATCH_BYTES:
                    raise HttpError(
                        413, "request.too_large", f"A request may carry at most {MAX_BATCH_BYTES} bytes; split it."
                    )
                chunks.append(chunk)
    except TimeoutError as slow:
        raise HttpError(
            408, "request.too_slow", f"The body did not arrive within {BODY_READ_S:.0f} s; send it in one go."
        ) from slow
    return b"".join(chunks)


def _decode(body: bytes) -> tuple[bool, list[SignedEvent | DecodeError], list[bytes]]:
    """Split the body into items: (is a single event, decoded items, raw bytes of each item)."""
    start = body.lstrip()[:1]
    if start == b"{":
        try:
            return True, [decode_event(body)], [body[:MAX_RAW_KEPT]]
        except DecodeError as error:
            return True, [error], [body[:MAX_RAW_KEPT]]
    if start != b"[":
        raise HttpError(
            400 if start else 422, "request.not_events", "Send one event (a JSON object) or a JSON array of events."
        )
    try:
        items = decode_batch(body)
    except DecodeError as error:
        status = 413 if error.code in {"batch.too_large", "batch.too_many_events"} else 400
        raise HttpError(status, error.code, error.detail) from error
    if not items:
        raise HttpError(422, "request.empty", "The array holds no events; send at least one.")
    if not any(isinstance(item, DecodeError) for item in items):
        return False, items, [b""] * len(items)  # the raw bytes are kept only for items that failed to decode
    return False, items, _raw_items(body, len(items))


def _raw_items(body: bytes, count: int) -> list[bytes]:
    try:
        parsed = orjson.loads(body)
        return [orjson.dumps(item)[:MAX_RAW_KEPT] for item in parsed]
    except orjson.JSONDecodeError:
        return [body[:MAX_RAW_KEPT]] * count
