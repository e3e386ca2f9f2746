"""A client of the gateway's HTTP API: submit signed events in batches, follow each event until it is decided.

`POST /v1/events` takes a JSON array of up to 1,000 events (8 MiB) and answers per event
`{"id", "status": "queued" | "duplicate" | "rejected", "error"?: {"code", "detail"}}`;
`GET /v1/events/{id}` answers `queued`, `accepted` (with findings) or `rejected` (with the reason).
The client takes any `httpx.AsyncClient`, so tests can hand it one over ASGI or a mock transport.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import httpx
import orjson

from events.codec import MAX_BATCH_BYTES, MAX_BATCH_EVENTS
from services.demo.errors import GatewayError

FINAL: Final = frozenset({"accepted", "rejected", "unknown"})
OK_STATUSES: Final = frozenset({"queued", "duplicate", "accepted"})
JSON_HEADERS: Final = {"content-type": "application/json"}
MAX_RETRY_AFTER_S: Final = 10.0
POLL_CONCURRENCY: Final = 16

Sleep = Callable[[float], Awaitable[None]]
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class EventStatus:
    """What became of one event: queued, duplicate, accepted, rejected (with a reason) or unknown here."""

    id: str | None
    status: str
    code: str | None = None
    detail: str | None = None
    findings: tuple[Mapping[str, Any], ...] = ()

    @property
    def decided(self) -> bool:
        """Accepted or rejected (or unknown to the gateway): nothing more will happen to it."""
        return self.status in FINAL

    @property
    def ok(self) -> bool:
        """Queued, duplicate or accepted: not refused."""
        return self.status in OK_STATUSES

    @classmethod
    def from_json(cls, body: Any) -> EventStatus:
        """Read the gateway's JSON for one event."""
        if not isinstance(body, dict) or not isinstance(body.get("status"), str):
            raise GatewayError("gateway.bad_answer", f"The gateway answered {body!r} where an event status was due.")
        error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
        findings: list[Any] = body["findings"] if isinstance(body.get("findings"), list) else []
        event_id = body.get("id")
        return cls(
            event_id if isinstance(event_id, str) else None,
            body["status"],
            _text(error.get("code")),
            _text(error.get("detail")),
            tuple(finding for finding in findings if isinstance(finding, dict)),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def batches(
    bodies: Sequence[bytes], max_events: int = MAX_BATCH_EVENTS, max_bytes: int = MAX_BATCH_BYTES
) -> Iterator[list[bytes]]:
    """Split event bodies into requests of at most `max_events` events and `max_bytes` bytes, keeping order."""
    batch: list[bytes] = []
    size = 2  # the brackets
    for body in bodies:
        if batch and (len(batch) == max_events or size + len(body) + 1 > max_bytes):
            yield batch
            batch, size = [], 2
        batch.append(body)
        size += len(body) + 1
    if batch:
        yield batch


class GatewayClient:
    """Submits events and reads their status over one HTTP client (its base URL is the gateway)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        retries: int = 5,
        poll_interval: float = 0.1,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.retries = retries
        self.poll_interval = poll_interval
        self._sleep = sleep
        self._clock = clock

    @property
    def url(self) -> str:
        """The gateway's base URL."""
        return str(self.http.base_url).rstrip("/")

    async def healthy(self) -> bool:
        """Whether the gateway answers /healthz with 200 now."""
        try:
            answer = await self.http.get("/healthz")
        except httpx.TransportError:
            return False
        return answer.status_code == 200

    async def submit(self, bodies: Sequence[bytes]) -> list[EventStatus]:
        """POST one batch (a JSON array of event bodies); one status per event, in order."""
        content = b"[" + b",".join(bodies) + b"]"
        answer = await self._request("POST", "/v1/events", content=content, headers=JSON_HEADERS)
        if answer.status_code != 202:
            raise _refusal(answer)
        items = _json(answer)
        if not isinstance(items, list) or len(items) != len(bodies):
            raise GatewayError(
                "gateway.bad_answer", f"The gateway answered {len(bodies)} events with {answer.text[:200]!r}."
            )
        return [EventStatus.from_json(item) for item in items]

    async def submit_all(
        self, bodies: Sequence[bytes], on_batch: Callable[[list[EventStatus]], None] | None = None
    ) -> list[EventStatus]:
        """Submit any number of events in batches, in order; `on_batch` sees each batch's statuses."""
        statuses: list[EventStatus] = []
        for batch in batches(bodies):
            answered = await self.submit(batch)
            statuses.extend(answered)
            if on_batch is not None:
                on_batch(answered)
        return statuses

    async def status(self, event_id: str) -> EventStatus:
        """GET the status of one event (`unknown` when the gateway never saw it)."""
        answer = await self._request("GET", f"/v1/events/{quote(event_id, safe='')}")
        if answer.status_code == 404:
            return EventStatus(event_id, "unknown", "event.not_found", f"No event with id {event_id!r} was submitted.")
        if answer.status_code != 200:
            raise _refusal(answer)
        return EventStatus.from_json(_json(answer))

    async def wait_decided(
        self,
        statuses: Mapping[str, EventStatus],
        wait_seconds: float,
        on_progress: ProgressCallback | None = None,
    ) -> dict[str, EventStatus]:
        """Poll every undecided event until all are accepted or rejected, or `wait_seconds` passed."""
        latest = dict(statuses)
        deadline = self._clock() + wait_seconds
        interval = self.poll_interval
        limit = asyncio.Semaphore(POLL_CONCURRENCY)

        async def poll(event_id: str) -> None:
            async with limit:
                latest[event_id] = await self.status(event_id)

        first = True
        while True:
            pending = [event_id for event_id, status in latest.items() if not status.decided]
            if on_progress is not None:
                on_progress(len(latest) - len(pending), len(latest))
            if not pending or self._clock() >= deadline:
                return latest
            if not first:  # the first look is at once: a step may well be decided by the time it is answered
                await self._sleep(min(interval, max(0.0, deadline - self._clock())))
                interval = min(interval * 1.5, 1.0)
            first = False
            await asyncio.gather(*(poll(event_id) for event_id in pending))

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, retried after a 503 (as its Retry-After says) or a dropped connection."""
        for attempt in range(self.retries + 1):
            try:
                answer = await self.http.request(method, path, **kwargs)
            except httpx.TransportError as error:
                if attempt == self.retries or isinstance(error, httpx.ConnectError):
                    raise unreachable(self.url, error) from error
                await self._sleep(min(2.0**attempt * 0.2, MAX_RETRY_AFTER_S))
                continue
            if answer.status_code != 503 or attempt == self.retries:
                return answer
            await self._sleep(_retry_after(answer))
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises


def unreachable(url: str, error: Exception) -> GatewayError:
    """The error when no gateway answers."""
    return GatewayError(
        "gateway.unreachable",
        f"No gateway answers at {url} ({type(error).__name__}). Start the stack with `goldtrace up` "
        "(or `make demo`), check it with `goldtrace status`, or pass --gateway URL.",
    )


def _retry_after(answer: httpx.Response) -> float:
    raw = answer.headers.get("retry-after", "1")
    try:
        return min(max(float(raw), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:
        return 1.0


def _json(answer: httpx.Response) -> Any:
    try:
        return orjson.loads(answer.content)
    except orjson.JSONDecodeError as error:
        raise GatewayError(
            "gateway.bad_answer", f"The gateway answered HTTP {answer.status_code} with something that is not JSON."
        ) from error


def _refusal(answer: httpx.Response) -> GatewayError:
    """A request refused as a whole: the gateway's `{"error", "detail"}`, or the bare HTTP status."""
    try:
        body = orjson.loads(answer.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return GatewayError(body["error"], str(body.get("detail", "")) or f"HTTP {answer.status_code}.")
    return GatewayError("gateway.http_error", f"The gateway answered HTTP {answer.status_code}: {answer.text[:200]}")


@asynccontextmanager
async def open_gateway(
    url: str, transport: httpx.AsyncBaseTransport | None = None, request_seconds: float = 30.0
) -> AsyncIterator[GatewayClient]:
    """A client of the gateway at `url` (an injected transport replaces the network, for tests)."""
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=request_seconds) as http:
        yield GatewayClient(http)


def ids_of(statuses: Iterable[EventStatus]) -> list[str]:
    """The ids of statuses that have one."""
    return [status.id for status in statuses if status.id is not None]
