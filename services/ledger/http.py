"""A tiny HTTP/1.1 server on asyncio streams: /healthz, /metrics and POST /v1/tree-heads, one request a connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import orjson

log = logging.getLogger(__name__)

MAX_HEADER_BYTES: Final = 16 * 1024
READ_TIMEOUT_S: Final = 10.0
_REASONS: Final = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 400: "Bad Request", 503: "Unavailable"}
_JSON: Final = "application/json"


@dataclass(frozen=True)
class Routes:
    """What the server answers: health (ok, body), the metrics text, and signing a tree head now."""

    health: Callable[[], tuple[bool, dict[str, Any]]]
    metrics: Callable[[], bytes]
    sign_head: Callable[[], Awaitable[dict[str, Any]]]


async def serve(routes: Routes, host: str, port: int) -> asyncio.Server:
    """Start listening; the caller closes the returned server."""
    return await asyncio.start_server(lambda r, w: _handle(routes, r, w), host, port)


async def _handle(routes: Routes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        async with asyncio.timeout(READ_TIMEOUT_S):
            head = await reader.readuntil(b"\r\n\r\n")
        method, path = _request_line(head)
        status, content_type, body = await _answer(routes, method, path)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
        status, content_type, body = 400, _JSON, _error("http.bad_request", "Send an HTTP/1.1 request line.")
    try:
        writer.write(
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def _request_line(head: bytes) -> tuple[str, str]:
    if len(head) > MAX_HEADER_BYTES:
        raise ValueError("request head too large")
    method, target, _version = head.split(b"\r\n", 1)[0].decode("ascii").split(" ", 2)
    return method, target.split("?", 1)[0]


async def _answer(routes: Routes, method: str, path: str) -> tuple[int, str, bytes]:
    if path == "/healthz" and method == "GET":
        ok, body = routes.health()
        return (200 if ok else 503), _JSON, orjson.dumps(body)
    if path == "/metrics" and method == "GET":
        return 200, "text/plain; version=0.0.4; charset=utf-8", routes.metrics()
    if path == "/v1/tree-heads" and method == "POST":
        try:
            return 200, _JSON, orjson.dumps(await routes.sign_head())
        except Exception as error:  # any failure becomes a 503 with its reason, never a dropped connection
            log.warning("Signing a tree head on demand failed: %s", error)
            return 503, _JSON, _error("ledger.head_unavailable", f"No tree head could be signed now: {error}.")
    if path in ("/healthz", "/metrics", "/v1/tree-heads"):
        return 405, _JSON, _error("http.method_not_allowed", f"{method} is not served on {path}.")
    return 404, _JSON, _error("http.not_found", f"Nothing is served at {path}; try /healthz or /metrics.")


def _error(code: str, detail: str) -> bytes:
    return orjson.dumps({"error": code, "detail": detail})
