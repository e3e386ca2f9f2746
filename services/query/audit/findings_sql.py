"""Findings for the auditor: filtered by organization, kind, severity, lot, mine and period; newest first, in pages.

Each finding names the events behind it (`event_ids`) and describes them (type, signer, time, outcome) in the
same query, so the auditor can open each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

from services.ledger.tree_store import Db
from services.query.audit.pages import Cursor, invalid_cursor
from services.query.audit.report_tables import timestamp

_FINDINGS_SQL: Final = """
    SELECT f.finding_id, f.code, f.severity, f.organization, f.mine, f.lot, f.event_time, f.detail, f.figures,
           f.event_ids, f.created_at,
           (SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'event_id', e.event_id, 'type', e.type,
                       'signer', regexp_replace(e.source, '^/participants/', ''),
                       'time', to_char(e.event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                       'outcome', e.outcome) ORDER BY e.event_time, e.event_id), '[]'::jsonb)
            FROM events e WHERE e.event_id = ANY(f.event_ids)) AS events
    FROM findings f
    WHERE ($1::text IS NULL OR f.organization = $1)
      AND ($2::text IS NULL OR f.code = $2 OR starts_with(f.code, $2 || '.'))
      AND ($3::text IS NULL OR f.severity = $3)
      AND ($4::text IS NULL OR f.lot = $4)
      AND ($5::text IS NULL OR f.mine = $5)
      AND ($6::timestamptz IS NULL OR f.event_time >= $6)
      AND ($7::timestamptz IS NULL OR f.event_time < $7)
      AND ($8::timestamptz IS NULL OR (f.event_time, f.finding_id) < ($8, $9::bigint))
    ORDER BY f.event_time DESC, f.finding_id DESC
    LIMIT $10
"""


@dataclass(frozen=True, slots=True)
class FindingsQuery:
    """Which findings to list (None: any) and how many per page."""

    organization: str | None = None
    kind: str | None = None
    """A finding code (`premium.missing`) or the family before its dot (`premium`)."""
    severity: str | None = None
    lot: str | None = None
    mine: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 50
    after: Cursor | None = None


async def read_findings(db: Db, query: FindingsQuery) -> dict[str, Any]:
    """One page of findings, newest first, and the cursor of the next page (None on the last)."""
    after = query.after
    if after is not None and not after.key.isdigit():
        raise invalid_cursor()
    rows = await db.fetch(
        _FINDINGS_SQL,
        query.organization,
        query.kind,
        query.severity,
        query.lot,
        query.mine,
        query.start,
        query.end,
        None if after is None else after.time,
        None if after is None else int(after.key),
        query.limit + 1,
    )
    page = [finding_json(row) for row in rows[: query.limit]]
    last = rows[query.limit - 1] if len(rows) > query.limit else None
    cursor = None if last is None else Cursor(last["event_time"], str(last["finding_id"])).text()
    return {"findings": page, "next": cursor}


def finding_json(row: Any) -> dict[str, Any]:
    """A `findings` row as JSON, with the events behind it."""
    return {
        "finding_id": row["finding_id"],
        "code": row["code"],
        "severity": row["severity"],
        "organization": row["organization"],
        "mine": row["mine"],
        "lot": row["lot"],
        "time": timestamp(row["event_time"]),
        "detail": row["detail"],
        "figures": orjson.loads(row["figures"]),
        "event_ids": list(row["event_ids"]),
        "events": orjson.loads(row["events"]),
        "recorded_at": timestamp(row["created_at"]),
    }
