"""What the audit dashboard reads besides the audit API's findings and reports: the organizations to list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from services.ledger.tree_store import Db

MAX_ORGANIZATIONS: Final = 500

_ORGANIZATIONS_SQL: Final = """
    WITH registered AS (
        SELECT DISTINCT ON (subject) subject, body -> 'data' AS data FROM events
        WHERE type = 'participant.registered' AND outcome = 'accepted'
        ORDER BY subject, registry_position DESC NULLS LAST, recorded_at DESC
    ), counted AS (
        SELECT organization, count(*) AS findings FROM findings WHERE organization IS NOT NULL GROUP BY organization
    )
    SELECT r.subject, r.data ->> 'name' AS name, r.data -> 'roles' ? 'asmo' AS asmo, coalesce(c.findings, 0) AS findings
    FROM registered r LEFT JOIN counted c ON c.organization = r.subject
    WHERE r.data -> 'roles' ? 'asmo' OR c.findings IS NOT NULL
    ORDER BY asmo DESC, name, r.subject
    LIMIT $1
"""


@dataclass(frozen=True, slots=True)
class Organization:
    """A participant the dashboard lists: every ASMO, and anyone with findings."""

    participant: str
    name: str
    asmo: bool
    findings: int


async def organizations(db: Db) -> list[Organization]:
    """The ASMOs (first) and the other participants with findings, by name."""
    rows = await db.fetch(_ORGANIZATIONS_SQL, MAX_ORGANIZATIONS)
    return [Organization(r["subject"], r["name"] or r["subject"], bool(r["asmo"]), r["findings"]) for r in rows]
