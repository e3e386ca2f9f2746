"""Signed tree heads: the platform log key, signing a head of the log as it is now, and the periodic signer.

One head per tree size (the `tree_heads` primary key): when the log has not grown since the last head, signing
"now" returns that head, so a head is only ever made for a size nobody has signed yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.errors import KeyFileError
from events.keys import derive_key_id, generate_private_key, load_private_key, write_private_key
from events.treehead import SignedTreeHead, make_tree_head, sign_tree_head
from services.ledger.tree_store import LOG_SIZE_SQL, Db, PgTreeStore

HEAD_LOCK: Final = 4_706_174  # pg_advisory_xact_lock key: one signer at a time, so sizes are signed once
_LATEST_SQL: Final = """
    SELECT tree_size, root_hash, timestamp, keyid, signature FROM tree_heads ORDER BY tree_size DESC LIMIT 1
"""
_INSERT_SQL: Final = """
    INSERT INTO tree_heads (tree_size, root_hash, timestamp, signed_at, keyid, signature)
    VALUES ($1, $2, $3, $4, $5, $6)
"""

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class LogKey:
    """The platform's transparency-log key and the key id its heads name."""

    private_key: Ed25519PrivateKey
    keyid: str

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half, which verifiers trust."""
        return self.private_key.public_key()


def load_log_key(path: Path, keyid: str | None = None) -> LogKey:
    """Load the log key from its PEM file, creating it (mode 0600) on first start; keyid defaults to derived."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            write_private_key(path, generate_private_key())
            log.info("Created the transparency-log key %s.", path)
        except KeyFileError as error:
            if error.code != "keyfile.exists":  # another process made it first: use theirs
                raise
    private_key = load_private_key(path)
    return LogKey(private_key, keyid or derive_key_id(private_key.public_key()))


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


async def latest_head(db: Db) -> SignedTreeHead | None:
    """The signed head of the largest tree signed so far, or None before the first."""
    row = await db.fetchrow(_LATEST_SQL)
    if row is None:
        return None
    return SignedTreeHead(
        tree_size=row[0], root_hash=bytes(row[1]).hex(), timestamp=row[2], keyid=row[3], signature=row[4]
    )


async def sign_head(db: Db, key: LogKey, clock: Clock = system_clock) -> SignedTreeHead:
    """A signed head covering the whole log as committed now: the stored one if the log has not grown since."""
    async with db.transaction():
        await db.execute("SELECT pg_advisory_xact_lock($1)", HEAD_LOCK)
        size: int = await db.fetchval(LOG_SIZE_SQL)
        latest = await latest_head(db)
        if latest is not None and latest.tree_size >= size:
            return latest
        root = await PgTreeStore(db).root(size)
        moment = clock()
        head = sign_tree_head(make_tree_head(size, root, moment, key.keyid), key.private_key)
        await db.execute(_INSERT_SQL, size, root, head.timestamp, moment, head.keyid, head.signature)
        return head


class HeadSigner:
    """Signs heads on demand and every `interval_s` seconds while the log grows."""

    def __init__(
        self,
        pool: asyncpg.Pool[asyncpg.Record],
        key: LogKey,
        clock: Clock = system_clock,
        on_head: Callable[[SignedTreeHead], None] | None = None,
    ) -> None:
        self._pool = pool
        self._key = key
        self._clock = clock
        self._on_head = on_head

    @property
    def key(self) -> LogKey:
        """The log key heads are signed with."""
        return self._key

    async def sign_head_now(self) -> SignedTreeHead:
        """A signed head of the log as it is now (signed now unless the latest head already covers it)."""
        async with self._pool.acquire() as db:
            head = await sign_head(db, self._key, self._clock)
        if self._on_head is not None:
            self._on_head(head)
        return head

    async def run(self, stop: asyncio.Event, interval_s: float) -> None:
        """Sign a head when the log grew, every `interval_s` seconds, until `stop` is set."""
        while not stop.is_set():
            try:
                await self.sign_head_now()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError) as error:
                log.warning("Could not sign a tree head (will retry in %.1f s): %s", interval_s, error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
