"""The demo's auditor token: issued once for ARM (`goldtrace token issue` stores only its hash) and kept in a
0600 file under the demo's folder, so `make demo` can say how to open the audit dashboard with it.

A rerun reuses the file while the token still works (same stack, not revoked), and issues a new one otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

import asyncpg

from services.demo.cast import AUTHORITY
from services.query.audit import token_store
from services.query.audit.tokens import TokenError, digest_matches, token_id_of

AuditorToken = Callable[[], Awaitable[Path | None]]
"""Makes sure an auditor token is on file; its path, or None when no token could be issued (said on stderr)."""

NOTE: Final = "goldtrace demo: the audit dashboard"
DB_ERRORS: Final = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


async def still_valid(db: asyncpg.Connection[asyncpg.Record], text: str) -> bool:
    """Whether a token's text is a live token of this database (known, matching, not revoked)."""
    try:
        stored = await token_store.find_token(db, token_id_of(text))
    except TokenError:
        return False
    return stored is not None and stored.active and digest_matches(text, stored.digest)


async def ensure_auditor_token(database_url: str, token_file: Path) -> Path:
    """Reuse the token on file if it still works here; else issue an auditor token for ARM and write it 0600."""
    db = await asyncpg.connect(database_url)
    try:
        if await still_valid(db, read_token(token_file)):
            return token_file
        issued = await token_store.issue_token(db, AUTHORITY, "auditor", NOTE)
    finally:
        await db.close()
    write_token(token_file, issued.text)
    return token_file


def read_token(token_file: Path) -> str:
    """The token on file ("" when there is none)."""
    try:
        return token_file.read_text().strip()
    except OSError:
        return ""


def write_token(token_file: Path, text: str) -> None:
    """Replace the token on file with a new one, readable by its owner only."""
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.unlink(missing_ok=True)
    descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text + "\n")


def stack_auditor_token(database_url: str, token_file: Path, warn: Callable[[str], None]) -> AuditorToken:
    """The demo's token source on a stack: `ensure_auditor_token`, or None (with a warning) when it cannot run."""

    async def ensure() -> Path | None:
        try:
            return await ensure_auditor_token(database_url, token_file)
        except DB_ERRORS as error:
            warn(f"goldtrace demo: no auditor token could be issued ({error}); issue one with `goldtrace token issue`.")
            return None

    return ensure
