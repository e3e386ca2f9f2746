"""GET /v1/events/{id}: what became of an event, from the ledger's tables and the gateway's claims."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

_STATUS = """
SELECT
    (SELECT digest FROM submissions WHERE event_id = $1) AS claimed,
    (SELECT registry_position FROM events WHERE event_id = $1 AND outcome = 'accepted') AS accepted_at,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('code', code, 'severity', severity, 'detail', detail,
                                                  'figures', figures) ORDER BY ordinal), '[]'::jsonb)
       FROM findings WHERE event_id = $1) AS findings
"""

_REJECTION = """
SELECT code, detail, decided_by FROM rejections
WHERE event_id = $1 AND ($2::bytea IS NULL OR digest = $2)
ORDER BY recorded_at DESC LIMIT 1
"""


async def event_status(pool: asyncpg.Pool, event_id: str) -> dict[str, Any] | None:
    """accepted (with findings) or rejected (with the reason) once the ledger has it; queued while in flight."""
    row = await pool.fetchrow(_STATUS, event_id)
    assert row is not None
    if row["accepted_at"] is not None:
        findings = orjson.loads(row["findings"]) if isinstance(row["findings"], str) else row["findings"]
        return {"id": event_id, "status": "accepted", "registry_position": row["accepted_at"], "findings": findings}
    rejection = await pool.fetchrow(_REJECTION, event_id, row["claimed"])
    if rejection is not None:
        return {
            "id": event_id,
            "status": "rejected",
            "error": {"code": rejection["code"], "detail": rejection["detail"]},
            "refused_by": rejection["decided_by"],
        }
    if row["claimed"] is None:
        return None
    return {"id": event_id, "status": "queued"}
