"""The custody processor as a Faust app: thin agents that hand batches to the processor."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, cast

import faust
from faust.types import StreamT
from faust.web import Request, Response, View

from services.common.settings import PipelineSettings
from services.custody.processor import InboundRecord
from services.custody.runtime import Runtime

BATCH = 500
log = logging.getLogger(__name__)
WITHIN_SECONDS = 0.05


def batches(stream: StreamT[bytes]) -> Any:
    """Buffered events of a stream (faust's `take_events`: acknowledged only after the loop body ran)."""
    return cast("faust.Stream[bytes]", stream).take_events(BATCH, within=WITHIN_SECONDS)


def create_app(settings: PipelineSettings, worker: int = 0) -> faust.App:
    """A custody worker; several (any `worker` number) share the inbound partitions through the consumer group."""
    prefix = settings.topics.registry.removesuffix(".registry")
    datadir = settings.stack.home / "faust" / f"{prefix}-custody-{worker}"
    datadir.mkdir(parents=True, exist_ok=True)  # faust makes only the last level
    app = faust.App(
        f"{prefix}-custody",
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="memory://",
        datadir=str(datadir),
        autodiscover=False,
        topic_disable_leader=True,
        web_enabled=True,
        web_bind="127.0.0.1",
        web_host="127.0.0.1",
        web_port=settings.stack.custody_port + worker,
        broker_session_timeout=10,
        broker_heartbeat_interval=1,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        stream_buffer_maxsize=4 * BATCH,
    )
    runtime = Runtime(settings)
    inbound = app.topic(settings.topics.inbound, key_type=bytes, value_type=bytes, value_serializer="raw")
    registry = app.topic(settings.topics.registry, key_type=bytes, value_type=bytes, value_serializer="raw")

    app.task(runtime.start)

    @app.agent(inbound, concurrency=1)
    async def decide(stream: StreamT[bytes]) -> None:
        await runtime.ready()
        processor = runtime.processor
        assert processor is not None
        async for events in batches(stream):
            log.debug("inbound batch of %d", len(events))
            batch = [InboundRecord(e.message.partition, e.message.offset, e.value) for e in events]
            await runtime.guarded(partial(processor.handle, batch))

    @app.agent(registry, concurrency=1)
    async def publish_registry_outcomes(stream: StreamT[bytes]) -> None:
        await runtime.ready()
        outcomes = runtime.registry_outcomes
        assert outcomes is not None
        async for events in batches(stream):
            offsets = [e.message.offset for e in events]
            await runtime.guarded(partial(outcomes.handle, offsets))

    async def forget(app: Any, revoked: set[Any], **kwargs: Any) -> None:
        if runtime.processor is not None:
            for tp in revoked:
                if tp.topic == settings.topics.inbound:
                    runtime.processor.drop(tp.partition)

    app.on_partitions_revoked.connect(forget)  # type: ignore[arg-type]

    @app.page("/healthz")
    class Health(View):
        async def get(self, request: Request) -> Response:
            ready = runtime.processor is not None
            body = {"status": "ok" if ready else "starting", "registry_position": runtime.feed.position}
            return self.json(body, status=200 if ready else 503)

    @app.page("/metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            decided = runtime.processor.decided if runtime.processor is not None else 0
            text = (
                "# HELP custody_records_decided_total Inbound records decided by this worker\n"
                "# TYPE custody_records_decided_total counter\n"
                f"custody_records_decided_total {decided}\n"
                "# HELP custody_retries_total Steps retried after a failure\n"
                "# TYPE custody_retries_total counter\n"
                f"custody_retries_total {runtime.retries}\n"
                "# HELP custody_registry_position Registry events applied by this worker's feed\n"
                "# TYPE custody_registry_position gauge\n"
                f"custody_registry_position {runtime.feed.position}\n"
            )
            return self.text(text, content_type="text/plain; version=0.0.4")

    app.runtime = runtime  # type: ignore[attr-defined]
    return app
