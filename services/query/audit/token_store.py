"""Access tokens in PostgreSQL (`access_tokens`, migration 0006): issue, revoke, list, and find one by its id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import asyncpg

from services.ledger.tree_store import Db
from services.query.audit.tokens import IssuedToken, Role, checked_role, new_token

_INSERT_SQL: Final = """
    INSERT INTO access_tokens (token_id, participant, role, token_sha256, note) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (token_id) DO NOTHING
"""
_FIND_SQL: Final = """
    SELECT token_id, participant, role, token_sha256, note, created_at, revoked_at FROM access_tokens
    WHERE token_id = $1
"""
_LIST_SQL: Final = """
    SELECT token_id, participant, role, token_sha256, note, created_at, revoked_at FROM access_tokens
    WHERE ($1::text IS NULL OR participant = $1) AND ($2 OR revoked_at IS NULL)
    ORDER BY created_at, token_id
"""
_REVOKE_SQL: Final = """
    UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = $1 RETURNING revoked_at
"""
_ISSUE_ATTEMPTS: Final = 5  # a clash of two random 48-bit ids is next to impossible; retry anyway


@dataclass(frozen=True, slots=True)
class StoredToken:
    """One row of `access_tokens`: who the token is for and whether it still works (never its text)."""

    token_id: str
    participant: str
    role: Role
    digest: bytes
    note: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """Whether the token was not revoked."""
        return self.revoked_at is None


async def issue_token(db: Db, participant: str, role: Role, note: str = "") -> IssuedToken:
    """Store a new token's hash for a participant and role; return the token (its text is shown once)."""
    for _ in range(_ISSUE_ATTEMPTS):
        token = new_token()
        if await db.fetchval(_INSERT_SQL + " RETURNING 1", token.token_id, participant, role, token.digest, note):
            return token
    raise RuntimeError("could not draw an unused token id")  # pragma: no cover - 2**-48 per attempt


async def find_token(db: Db, token_id: str) -> StoredToken | None:
    """The stored token with this id, or None."""
    row = await db.fetchrow(_FIND_SQL, token_id)
    return None if row is None else _stored(row)


async def list_tokens(db: Db, participant: str | None = None, include_revoked: bool = False) -> list[StoredToken]:
    """The tokens (of one participant, or all), oldest first; revoked ones only when asked."""
    return [_stored(row) for row in await db.fetch(_LIST_SQL, participant, include_revoked)]


async def revoke_token(db: Db, token_id: str) -> datetime | None:
    """Revoke a token (idempotent: a revoked token keeps its first revocation time); None when unknown."""
    revoked: datetime | None = await db.fetchval(_REVOKE_SQL, token_id)
    return revoked


def _stored(row: asyncpg.Record) -> StoredToken:
    return StoredToken(
        token_id=row["token_id"],
        participant=row["participant"],
        role=checked_role(row["role"]),
        digest=bytes(row["token_sha256"]),
        note=row["note"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )
