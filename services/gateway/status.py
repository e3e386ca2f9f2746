"""GET /v1/events/{id}: what became of an event, from the ledger's tables and the gateway's claims."""

from __future__ import annotations

from typing import Any

import asyncpg


async def event_status(pool: asyncpg.Pool, event_id: str) -> dict[str, Any] | None:
    """accepted (with findings) or rejected (with the reason) once the ledger has it; queued while in flight."""
    row = await pool.fetchrow("SELECT outcome, reason_code, reason FROM events WHERE event_id = $1", event_id)
    if row is not None:
        if row["outcome"] == "rejected":
            return {
                "id": event_id,
                "status": "rejected",
                "error": {"code": row["reason_code"], "detail": row["reason"]},
            }
        return {"id": event_id, "status": "accepted", "findings": []}
    claimed = await pool.fetchval("SELECT published FROM submissions WHERE event_id = $1", event_id)
    if claimed is None:
        return None
    return {"id": event_id, "status": "queued"}
