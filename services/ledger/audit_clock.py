"""The audit clock: every few seconds, write the findings that the passing of time made due (services/README.md).

A tick reads the candidates from the ledger's projection -- shipments still open after the receipt window, certified
lots held by the holder of a certificate that ended -- runs the kernel's rule over them (`due.py`) and inserts the
findings with `ON CONFLICT (due_key) DO NOTHING`. The row is both the effect and the mark that it happened, so a
tick is idempotent: a crash mid-tick loses nothing (the next tick writes what is missing) and repeats nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

import asyncpg
import orjson

from events.custody import DEFAULT_POLICY, Lot, Policy, lot_from_json
from events.custody.registry import Certificate
from services.ledger.due import (
    HELD_PAST_CERTIFICATE,
    NOT_RECEIVED,
    DueRow,
    certificates_from_events,
    due_rows,
    ended_certificates,
)
from services.ledger.heads import system_clock

log = logging.getLogger(__name__)

DB_ERRORS: Final = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)

CERTIFICATE_EVENTS: Final = """
    SELECT e.source, e.type, e.body -> 'data' AS data
      FROM events e JOIN log_leaves l USING (event_id)
     WHERE e.type LIKE 'certificate.%' AND e.outcome = 'accepted'
     ORDER BY l.leaf_index
"""
OPEN_SHIPMENTS: Final = """
    SELECT l.state
      FROM shipments s JOIN lots l ON l.lot = s.lot
     WHERE s.received_event_id IS NULL AND s.shipped_at < $1 AND l.status = 'in_transit'
       AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.due_key = $2 || '/' || s.lot || '/' || s.shipment)
"""
HELD_CERTIFIED: Final = """
    SELECT l.state
      FROM lots l
     WHERE l.status = 'held' AND l.lot_class <> 'uncertified' AND l.custodian = ANY($1::text[])
       AND l.state -> 'certificates' ?| $2::text[]
       AND NOT EXISTS (SELECT 1 FROM findings f
                        WHERE f.lot = l.lot AND f.code = $3 AND f.due_key IS NOT NULL)
"""
INSERT_DUE: Final = """
    INSERT INTO findings (code, severity, lot, organization, mine, event_ids, figures, detail, event_time,
                          created_at, due_key)
    SELECT t.code, t.severity, t.lot, t.organization, t.mine, ARRAY(SELECT jsonb_array_elements_text(t.ids::jsonb)),
           t.figures::jsonb, t.detail, t.event_time, t.created_at, t.due_key
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::timestamptz[], $10::timestamptz[], $11::text[])
         AS t(code, severity, lot, organization, mine, ids, figures, detail, event_time, created_at, due_key)
    ON CONFLICT (due_key) WHERE due_key IS NOT NULL DO NOTHING
    RETURNING due_key
"""


class AuditClock:
    """Writes the findings due at the clock's time into `findings`, each once."""

    def __init__(
        self,
        pool: asyncpg.Pool[asyncpg.Record],
        policy: Policy = DEFAULT_POLICY,
        clock: Callable[[], datetime] = system_clock,
    ) -> None:
        self._pool = pool
        self._policy = policy
        self._clock = clock
        self.written = 0

    async def tick(self) -> list[str]:
        """Check once; return the due keys of the findings written now (already written ones are not repeated)."""
        now = self._clock()
        async with self._pool.acquire() as conn:
            events = await conn.fetch(CERTIFICATE_EVENTS)
            certificates = certificates_from_events(
                (row["source"].rsplit("/", 1)[-1], row["type"], orjson.loads(row["data"])) for row in events
            )
            rows = due_rows(await self._candidates(conn, certificates, now), certificates, now, self._policy)
            if not rows:
                return []
            written = await conn.fetch(INSERT_DUE, *_columns(rows))
        keys = [row["due_key"] for row in written]
        self.written += len(keys)
        if keys:
            log.info("Audit clock: %d finding(s) became due: %s", len(keys), ", ".join(keys))
        return keys

    async def _candidates(
        self,
        conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record],
        certificates: Mapping[str, Certificate],
        now: datetime,
    ) -> list[Lot]:
        """Lots a finding may be due for and not written yet: long in transit, or held past a certificate's end."""
        cutoff = now - timedelta(seconds=self._policy.receipt_window_seconds)
        states = [row["state"] for row in await conn.fetch(OPEN_SHIPMENTS, cutoff, NOT_RECEIVED)]
        ended = ended_certificates(certificates, now)
        if ended:
            holders = sorted({c.holder for c in ended})
            ids = sorted(c.certificate for c in ended)
            held = await conn.fetch(HELD_CERTIFIED, holders, ids, HELD_PAST_CERTIFICATE)
            states += [row["state"] for row in held]
        return [lot_from_json(orjson.loads(state)) for state in states]

    async def run(self, stop: asyncio.Event, interval_s: float, ready: Callable[[], bool] = lambda: True) -> None:
        """Tick every `interval_s` seconds until `stop` is set, when `ready()` says the projection is current.

        A projection still catching up (a restart, a replay into a fresh database) may show a lot in transit whose
        receipt is on its way, so the clock waits for it; a database error waits for the next tick.
        """
        while not stop.is_set():
            try:
                if ready():
                    await self.tick()
            except DB_ERRORS as error:
                log.warning("Audit clock: the check failed (it runs again in %g s): %s", interval_s, error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)


def _columns(rows: Sequence[DueRow]) -> list[list[object]]:
    """Rows as the column arrays of INSERT_DUE."""
    return [list(column) for column in zip(*rows, strict=True)]
