"""The gateway client against fake transports: batching, retries, refusals, status polling and its deadline."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import orjson
import pytest

from services.demo.errors import GatewayError
from services.demo.gateway_client import EventStatus, GatewayClient, batches

Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client(handler: Handler, time: FakeTime | None = None) -> GatewayClient:
    time = time or FakeTime()
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://gateway.test")
    return GatewayClient(http, sleep=time.sleep, clock=time.clock)


def echo_queued(request: httpx.Request) -> httpx.Response:
    items = orjson.loads(request.content)
    return httpx.Response(202, json=[{"id": item["id"], "status": "queued"} for item in items])


def bodies(count: int) -> list[bytes]:
    return [orjson.dumps({"id": f"e{n}"}) for n in range(count)]


def test_batches_split_by_count_and_by_bytes_in_order() -> None:
    assert [len(batch) for batch in batches(bodies(2_501))] == [1_000, 1_000, 501]
    ten = [b"x" * 100 for _ in range(10)]
    split = list(batches(ten, max_bytes=350))
    assert [len(batch) for batch in split] == [3, 3, 3, 1]
    assert all(2 + sum(len(b) + 1 for b in batch) - 1 <= 350 for batch in split)
    assert [b for batch in split for b in batch] == ten
    assert list(batches([b"y" * 500], max_bytes=350)) == [[b"y" * 500]]  # the gateway will say it is too large
    assert list(batches([])) == []


async def test_submit_all_sends_batches_of_1000_and_keeps_order() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sizes.append(len(orjson.loads(request.content)))
        return echo_queued(request)

    seen: list[int] = []
    statuses = await client(handler).submit_all(bodies(1_001), on_batch=lambda batch: seen.append(len(batch)))
    assert sizes == seen == [1_000, 1]
    assert [status.id for status in statuses] == [f"e{n}" for n in range(1_001)]
    assert all(status.status == "queued" and status.ok and not status.decided for status in statuses)


async def test_a_503_is_retried_after_its_retry_after() -> None:
    answers = [httpx.Response(503, headers={"Retry-After": "3"}, json={"error": "service.unavailable"})]
    time = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop() if answers else echo_queued(request)

    (status,) = await client(handler, time).submit(bodies(1))
    assert status.status == "queued"
    assert time.sleeps == [3.0]


async def test_no_gateway_is_a_sentence_saying_how_to_start_one() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(GatewayError) as caught:
        await client(handler).submit(bodies(1))
    assert caught.value.code == "gateway.unreachable"
    assert "goldtrace up" in caught.value.detail


async def test_a_request_refused_as_a_whole_carries_the_gateways_code() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(413, json={"error": "request.too_large", "detail": "Split it."})

    with pytest.raises(GatewayError) as caught:
        await client(handler).submit(bodies(1))
    assert (caught.value.code, caught.value.detail) == ("request.too_large", "Split it.")


async def test_an_answer_of_the_wrong_shape_is_refused() -> None:
    def short(request: httpx.Request) -> httpx.Response:
        return httpx.Response(202, json=[{"id": "e0", "status": "queued"}])

    with pytest.raises(GatewayError, match=r"gateway\.bad_answer"):
        await client(short).submit(bodies(2))

    def not_json(request: httpx.Request) -> httpx.Response:
        return httpx.Response(202, content=b"<html>")

    with pytest.raises(GatewayError, match=r"gateway\.bad_answer"):
        await client(not_json).submit(bodies(1))
    with pytest.raises(GatewayError, match=r"gateway\.bad_answer"):
        EventStatus.from_json({"id": "e0"})


async def test_status_reads_findings_reasons_and_unknown_ids() -> None:
    answers = {
        "a": {"id": "a", "status": "accepted", "findings": [{"code": "mine.over_capacity", "detail": "Above."}]},
        "r": {"id": "r", "status": "rejected", "error": {"code": "lot.consumed", "detail": "Used."}},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        event_id = request.url.path.rsplit("/", 1)[1]
        if event_id not in answers:
            return httpx.Response(404, json={"error": "event.not_found", "detail": "Never seen."})
        return httpx.Response(200, json=answers[event_id])

    gateway = client(handler)
    accepted, rejected, unknown = [await gateway.status(event_id) for event_id in ("a", "r", "x")]
    assert (accepted.decided, accepted.ok, accepted.findings[0]["code"]) == (True, True, "mine.over_capacity")
    assert (rejected.decided, rejected.ok, rejected.code, rejected.detail) == (True, False, "lot.consumed", "Used.")
    assert (unknown.status, unknown.decided, unknown.ok) == ("unknown", True, False)


async def test_waiting_polls_until_decided_and_reports_progress() -> None:
    polls: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        event_id = request.url.path.rsplit("/", 1)[1]
        polls[event_id] = polls.get(event_id, 0) + 1
        status = "accepted" if polls[event_id] >= int(event_id[1:]) else "queued"
        return httpx.Response(200, json={"id": event_id, "status": status})

    progress: list[tuple[int, int]] = []
    queued = {f"e{n}": EventStatus(f"e{n}", "queued") for n in (1, 2, 3)}
    final = await client(handler).wait_decided(queued, 60.0, lambda done, total: progress.append((done, total)))
    assert {status.status for status in final.values()} == {"accepted"}
    assert polls == {"e1": 1, "e2": 2, "e3": 3}
    assert progress == [(0, 3), (1, 3), (2, 3), (3, 3)]


async def test_waiting_gives_up_at_the_deadline_leaving_events_queued() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "e0", "status": "queued"})

    time = FakeTime()
    final = await client(handler, time).wait_decided({"e0": EventStatus("e0", "queued")}, 5.0)
    assert final["e0"].status == "queued"
    assert time.now == pytest.approx(5.0)
    assert max(time.sleeps) <= 1.0  # the poll interval backs off to one second at most
