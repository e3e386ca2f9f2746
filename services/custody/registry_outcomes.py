"""The outcomes of registry events: the worker holding the registry partition publishes what the fold decided."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from events.custody.outcome import Accepted, Rejected
from services.common.records import utc_now
from services.common.registry_feed import RegistryDecision, RegistryFeed
from services.custody.engine import Emit
from services.custody.processor import Send
from services.custody.store import StaleWorkerError


def registry_emits(decision: RegistryDecision) -> list[Emit]:
    """The accepted or rejected record of one registry decision (a duplicate emits nothing)."""
    if decision.error is not None:
        key = str((decision.raw or {}).get("id", f"registry@{decision.offset}"))
        return [_rejected(key, decision.raw, decision.error.code, decision.error.detail)]
    assert decision.signed is not None
    signed, outcome = decision.signed, decision.outcome
    if isinstance(outcome, Rejected):
        return [_rejected(signed.id, signed.raw, outcome.code, outcome.detail)]
    if not isinstance(outcome, Accepted):
        return []
    record = {
        "event": signed.raw,
        "digest": signed.digest.hex(),
        "registry_position": decision.offset,
        "findings": [f.to_json() for f in outcome.findings],
        "lots": [],
        "partition": None,
        "decided_at": utc_now(),
    }
    return [Emit("accepted", signed.id, record)]


def _rejected(key: str, event: dict[str, object] | None, code: str, detail: str) -> Emit:
    record = {"event": event, "raw": None, "code": code, "detail": detail, "decided_at": utc_now(), "by": "custody"}
    return Emit("rejected", key, record)


class RegistryOutcomes:
    """Publishes registry outcomes in offset order, remembering in PostgreSQL how far it got."""

    def __init__(self, feed: RegistryFeed, pool: asyncpg.Pool, topic: str, send: Send) -> None:
        self._feed = feed
        self._pool = pool
        self._topic = topic
        self._send = send

    async def handle(self, offsets: Sequence[int]) -> None:
        """Publish the outcomes of these registry offsets that were not published before."""
        if not offsets:
            return
        await self._feed.wait_for(max(offsets) + 1)
        async with self._pool.acquire() as conn:
            stored = await conn.fetchval(
                """INSERT INTO custody_partitions (topic, partition) VALUES ($1, 0)
                   ON CONFLICT (topic, partition) DO UPDATE SET topic = EXCLUDED.topic RETURNING next_offset""",
                self._topic,
            )
        fresh = sorted(o for o in offsets if o >= stored)
        if not fresh:
            return
        emits = [emit for offset in fresh for emit in registry_emits(self._feed.decisions[offset])]
        await self._send(emits)
        async with self._pool.acquire() as conn, conn.transaction():
            current = await conn.fetchval(
                "SELECT next_offset FROM custody_partitions WHERE topic = $1 AND partition = 0 FOR UPDATE", self._topic
            )
            if current != stored:
                raise StaleWorkerError(f"registry outcomes moved from {stored} to {current} meanwhile")
            await conn.execute(
                "UPDATE custody_partitions SET next_offset = $2, updated_at = now() WHERE topic = $1 AND partition = 0",
                self._topic,
                fresh[-1] + 1,
            )
