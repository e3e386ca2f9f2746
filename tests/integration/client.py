"""Talking to an in-process gateway in integration tests: submit signed events, wait for their final status."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import httpx
import orjson

from events.codec import SignedEvent


async def submit(gateway: httpx.AsyncClient, events: Iterable[SignedEvent], *, all_queued: bool = True) -> list[Any]:
    """POST the events as one JSON array; the answer must be 202 (and every event queued, unless told otherwise)."""
    answer = await gateway.post(
        "/v1/events", content=orjson.dumps([e.raw for e in events]), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 202, answer.text
    results: list[Any] = answer.json()
    if all_queued:
        assert all(r["status"] == "queued" for r in results), results
    return results


async def final_status(gateway: httpx.AsyncClient, event_id: str, seconds: float = 60.0) -> dict[str, Any]:
    """GET /v1/events/{id} until it says accepted or rejected."""
    async with asyncio.timeout(seconds):
        while True:
            body: dict[str, Any] = (await gateway.get(f"/v1/events/{event_id}")).json()
            if body.get("status") in {"accepted", "rejected"}:
                return body
            await asyncio.sleep(0.2)
