"""A participant's own records: every event it signed, accepted or rejected (with the reason), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

from services.ledger.tree_store import Db
from services.query.audit.pages import Cursor
from services.query.audit.report_tables import timestamp

_EVENTS_SQL: Final = """
    SELECT e.event_id, e.type, e.subject, e.event_time, e.outcome, e.reason_code, e.reason, e.recorded_at,
           e.registry_position, l.leaf_index, e.body
    FROM events e LEFT JOIN log_leaves l ON l.event_id = e.event_id
    WHERE e.source = '/participants/' || $1
      AND ($2::text IS NULL OR e.outcome = $2)
      AND ($3::text IS NULL OR e.type = $3)
      AND ($4::timestamptz IS NULL OR e.event_time >= $4)
      AND ($5::timestamptz IS NULL OR e.event_time < $5)
      AND ($6::timestamptz IS NULL OR (e.event_time, e.event_id) < ($6, $7::text))
    ORDER BY e.event_time DESC, e.event_id DESC
    LIMIT $8
"""
_KNOWN_SQL: Final = """
    SELECT EXISTS (SELECT 1 FROM events WHERE subject = $1 AND type = 'participant.registered' AND outcome = 'accepted')
"""


@dataclass(frozen=True, slots=True)
class EventsQuery:
    """Which of a participant's events to list and how many per page."""

    participant: str
    outcome: str | None = None
    event_type: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 50
    after: Cursor | None = None


async def participant_known(db: Db, participant: str) -> bool:
    """Whether the participant was ever registered (an accepted `participant.registered`)."""
    known: bool = await db.fetchval(_KNOWN_SQL, participant)
    return known


async def read_participant_events(db: Db, query: EventsQuery) -> dict[str, Any]:
    """One page of the participant's events, newest first, and the cursor of the next page (None on the last)."""
    after = query.after
    rows = await db.fetch(
        _EVENTS_SQL,
        query.participant,
        query.outcome,
        query.event_type,
        query.start,
        query.end,
        None if after is None else after.time,
        None if after is None else after.key,
        query.limit + 1,
    )
    page = [event_json(row) for row in rows[: query.limit]]
    last = rows[query.limit - 1] if len(rows) > query.limit else None
    cursor = None if last is None else Cursor(last["event_time"], last["event_id"]).text()
    return {"participant": query.participant, "events": page, "next": cursor}


def event_json(row: Any) -> dict[str, Any]:
    """An `events` row as JSON: outcome, reason when refused, place in the log when accepted, the event itself."""
    return {
        "event_id": row["event_id"],
        "type": row["type"],
        "subject": row["subject"],
        "time": timestamp(row["event_time"]),
        "outcome": row["outcome"],
        "reason_code": row["reason_code"],
        "reason": row["reason"],
        "recorded_at": timestamp(row["recorded_at"]),
        "registry_position": row["registry_position"],
        "leaf_index": row["leaf_index"],
        "event": orjson.loads(row["body"]),
    }
