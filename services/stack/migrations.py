"""Plain SQL migrations from infra/postgres/migrations, applied once each, in order, under an advisory lock."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.stack.errors import StackError
from services.stack.settings import INFRA_DIR

MIGRATIONS_DIR = INFRA_DIR / "postgres" / "migrations"
LOCK_KEY = 4_706_172  # any constant shared by every migrator: serialises concurrent runs

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One SQL file: its version (file name without .sql), text and checksum."""

    version: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text, to catch edits after it was applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in name order (0001_..., 0002_...)."""
    return [Migration(p.stem, p.read_text()) for p in sorted(folder.glob("*.sql"))]


async def apply_migrations(database_url: str, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the migrations not yet applied; return their versions. An edited applied migration is an error."""
    pending = load_migrations() if migrations is None else migrations
    conn = await asyncpg.connect(database_url)
    applied_now: list[str] = []
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
            await conn.execute(_BOOKKEEPING)
            done = {
                r["version"]: r["checksum"] for r in await conn.fetch("SELECT version, checksum FROM schema_migrations")
            }
            for migration in pending:
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise StackError(
                            "stack.migration_edited",
                            f"Migration {migration.version} changed after it was applied; add a new migration "
                            "instead of editing an old one.",
                        )
                    continue
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                    migration.version,
                    migration.checksum,
                )
                applied_now.append(migration.version)
    finally:
        await conn.close()
    return applied_now
