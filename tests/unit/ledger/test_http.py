"""The ledger's tiny HTTP server, over a real loopback socket: health, metrics, heads on demand, errors as JSON."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from services.ledger.http import Routes, serve


class _State:
    healthy = True
    signed = 0


async def _sign(state: _State) -> dict[str, Any]:
    state.signed += 1
    if state.signed > 1:
        raise RuntimeError("database unreachable")
    return {"tree_size": 3}


@pytest.fixture
async def server() -> AsyncIterator[tuple[int, _State]]:
    state = _State()
    routes = Routes(
        health=lambda: (state.healthy, {"status": "ok" if state.healthy else "degraded"}),
        metrics=lambda: b"goldtrace_ledger_log_size 3.0\n",
        sign_head=lambda: _sign(state),
    )
    listening = await serve(routes, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    yield port, state
    listening.close()
    await listening.wait_closed()


async def _request(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    assert int(headers["Content-Length"]) == len(body)
    return int(status_line.split(" ")[1]), headers, body


def _get(path: str, method: str = "GET") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


async def test_healthz_answers_200_then_503_when_degraded(server: tuple[int, _State]) -> None:
    port, state = server
    status, headers, body = await _request(port, _get("/healthz"))
    assert (status, orjson.loads(body)) == (200, {"status": "ok"})
    assert headers["Content-Type"] == "application/json"
    state.healthy = False
    status, _, body = await _request(port, _get("/healthz?verbose=1"))
    assert (status, orjson.loads(body)) == (503, {"status": "degraded"})


async def test_metrics_are_prometheus_text(server: tuple[int, _State]) -> None:
    status, headers, body = await _request(server[0], _get("/metrics"))
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert body == b"goldtrace_ledger_log_size 3.0\n"


async def test_a_head_on_demand_and_a_failure_as_json(server: tuple[int, _State]) -> None:
    status, _, body = await _request(server[0], _get("/v1/tree-heads", "POST"))
    assert (status, orjson.loads(body)) == (200, {"tree_size": 3})
    status, _, body = await _request(server[0], _get("/v1/tree-heads", "POST"))
    assert status == 503
    assert orjson.loads(body)["error"] == "ledger.head_unavailable"
    assert "database unreachable" in orjson.loads(body)["detail"]


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (_get("/nowhere"), 404, "http.not_found"),
        (_get("/metrics", "DELETE"), 405, "http.method_not_allowed"),
        (b"garbage\r\n\r\n", 400, "http.bad_request"),
        (b"GET /healthz HTTP/1.1\r\n", 400, "http.bad_request"),
    ],
)
async def test_other_requests_get_a_json_error(server: tuple[int, _State], raw: bytes, status: int, code: str) -> None:
    port = server[0]
    if not raw.endswith(b"\r\n\r\n"):  # a client that stops mid-request: the server answers when it hangs up
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(raw)
        writer.write_eof()
        response = await reader.read()
        writer.close()
        assert response.startswith(f"HTTP/1.1 {status} ".encode())
        assert orjson.loads(response.partition(b"\r\n\r\n")[2])["error"] == code
        return
    answered, _, body = await _request(port, raw)
    assert answered == status
    assert orjson.loads(body)["error"] == code
