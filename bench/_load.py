"""Load on the gateway: batches over a few connections as fast as it takes them, or paced; rows counted in PostgreSQL.

Latency is measured from the moment a batch was due to be sent (its slot in the pace, on the client's wall clock),
so a client held up by a slow gateway does not hide the wait (no coordinated omission), to `events.recorded_at`
of each accepted row (PostgreSQL's clock: the same machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg
import httpx
from _season import body, event_ids

POLL_S = 0.1
T = TypeVar("T")


class LoadError(Exception):
    """The gateway refused a request or an event."""


@dataclass
class Submitted:
    """What the client sent: batches answered, statuses, when each batch was due and answered."""

    statuses: Counter[str] = field(default_factory=Counter)
    due: dict[str, float] = field(default_factory=dict)  # event id -> wall-clock time its batch was due
    answered_s: list[float] = field(default_factory=list)  # request round trips
    last_answer: float = 0.0


async def post_batch(http: httpx.AsyncClient, events: list[bytes], submitted: Submitted) -> None:
    """POST one batch; every event must come back `queued`."""
    began = time.perf_counter()
    answer = await http.post("/v1/events", content=body(events), headers={"content-type": "application/json"})
    submitted.answered_s.append(time.perf_counter() - began)
    submitted.last_answer = time.perf_counter()
    if answer.status_code != 202:
        raise LoadError(f"the gateway answered {answer.status_code}: {answer.text[:300]}")
    results = answer.json()
    submitted.statuses.update(r["status"] for r in results)
    refused = [r for r in results if r["status"] != "queued"]
    if refused:
        raise LoadError(f"{len(refused)} events of a batch were not queued, e.g. {refused[0]}")


async def flood(http: httpx.AsyncClient, batches: list[list[bytes]], connections: int) -> Submitted:
    """Send every batch as fast as the gateway answers, `connections` requests at a time."""
    submitted = Submitted()
    queue: asyncio.Queue[list[bytes]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)

    async def sender() -> None:
        while not queue.empty():
            await post_batch(http, queue.get_nowait(), submitted)

    async with asyncio.TaskGroup() as tasks:
        for _ in range(connections):
            tasks.create_task(sender())
    return submitted


async def paced(http: httpx.AsyncClient, batches: list[list[bytes]], interval_s: float) -> Submitted:
    """Send batch i at start + i * interval_s (each in its own task, so a slow answer does not delay the next)."""
    submitted = Submitted()
    ids = [event_ids(batch) for batch in batches]
    start_wall, start = time.time(), time.perf_counter()
    async with asyncio.TaskGroup() as tasks:
        for i, batch in enumerate(batches):
            delay = start + i * interval_s - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            submitted.due.update(dict.fromkeys(ids[i], start_wall + i * interval_s))
            tasks.create_task(post_batch(http, batch, submitted))
    return submitted


async def row_count(db: asyncpg.Connection) -> int:
    """Rows in `events` (accepted or rejected: every decided event)."""
    return int(await db.fetchval("SELECT count(*) FROM events"))


async def wait_for_rows(
    db: asyncpg.Connection, expected: int, timeout_s: float, parked: list[int] | None = None
) -> tuple[int, float]:
    """Poll until `events` holds `expected` rows or time runs out; (rows seen, perf_counter when seen).

    With a `parked` list, each poll also appends how many lots have events parked in custody (waiting for a
    hand-off), a diagnostic that is skipped if the custody tables are not there.
    """
    deadline = time.perf_counter() + timeout_s
    while True:
        rows = await row_count(db)
        now = time.perf_counter()
        if rows >= expected or now >= deadline:
            return rows, now
        if parked is not None:
            await sample_parked(db, parked)
        await asyncio.sleep(POLL_S)


async def sampling_parked(db: asyncpg.Connection, work: Awaitable[T], parked: list[int]) -> T:
    """Await `work`, sampling the lots parked in custody every 0.25 s meanwhile."""
    task = asyncio.ensure_future(work)
    while not task.done():
        await sample_parked(db, parked)
        await asyncio.wait({task}, timeout=0.25)
    return task.result()


async def sample_parked(db: asyncpg.Connection, parked: list[int]) -> None:
    """Append how many lots have events parked in custody now (nothing if the custody tables are not there)."""
    with contextlib.suppress(asyncpg.PostgresError):
        parked.append(int(await db.fetchval("SELECT count(*) FROM custody_parked")))


async def outcomes(db: asyncpg.Connection) -> dict[str, int]:
    """Rows per outcome and reason code (`accepted`, or the rejection's code)."""
    rows = await db.fetch("SELECT coalesce(reason_code, outcome) AS what, count(*) AS n FROM events GROUP BY 1")
    return {row["what"]: int(row["n"]) for row in rows}


async def latencies(db: asyncpg.Connection, due: dict[str, float]) -> list[float]:
    """Seconds from each event's due time to its accepted row's recorded_at (events without a row are left out)."""
    rows = await db.fetch(
        "SELECT event_id, extract(epoch FROM recorded_at)::float8 AS at FROM events "
        "WHERE event_id = ANY($1::text[]) AND outcome = 'accepted'",
        list(due),
    )
    return sorted(row["at"] - due[row["event_id"]] for row in rows)


async def stages(db: asyncpg.Connection, due: dict[str, float]) -> dict[str, list[float]]:
    """Where each accepted event's latency went: due -> custody's decision, decision -> row; and total per type.

    Keys: "submit -> custody decided", "custody decided -> row", and "type <event type>" (sorted seconds each).
    """
    rows = await db.fetch(
        "SELECT event_id, type, extract(epoch FROM decided_at)::float8 AS decided, "
        "extract(epoch FROM recorded_at)::float8 AS recorded FROM events "
        "WHERE event_id = ANY($1::text[]) AND outcome = 'accepted' AND decided_at IS NOT NULL",
        list(due),
    )
    split: dict[str, list[float]] = {"submit -> custody decided": [], "custody decided -> row": []}
    for row in rows:
        split["submit -> custody decided"].append(row["decided"] - due[row["event_id"]])
        split["custody decided -> row"].append(row["recorded"] - row["decided"])
        split.setdefault(f"type {row['type']}", []).append(row["recorded"] - due[row["event_id"]])
    return {name: sorted(values) for name, values in split.items()}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(len(sorted_values) * fraction))
    return sorted_values[rank - 1]
