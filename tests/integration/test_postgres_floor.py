"""The database is real: asyncpg round trips, batched writes, and migrations that apply once and only once."""

from __future__ import annotations

import asyncpg
import pytest

from services.stack import migrations
from services.stack.errors import StackError
from tests.id_cases import ID_CASES

pytestmark = pytest.mark.integration


async def test_round_trip_with_batched_copy(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        version = await conn.fetchval("SHOW server_version_num")
        assert int(version) >= 150000
        await conn.execute("CREATE TEMP TABLE sample (lot text PRIMARY KEY, mass_mg bigint NOT NULL)")
        rows = [(f"LOT-{i:05d}", 1000 + i) for i in range(2000)]
        await conn.copy_records_to_table("sample", records=rows)
        summary = await conn.fetchrow("SELECT count(*), sum(mass_mg) FROM sample")
        assert summary is not None
        count, total = summary
        assert count == 2000
        assert total == sum(m for _, m in rows)
        assert await conn.fetchval("SELECT mass_mg FROM sample WHERE lot = $1", "LOT-01999") == 2999
    finally:
        await conn.close()


async def test_migrations_apply_once_then_nothing(scratch_database: str) -> None:
    first = await migrations.apply_migrations(scratch_database)
    second = await migrations.apply_migrations(scratch_database)
    assert first == [m.version for m in migrations.load_migrations()]
    assert first, "there is at least one migration"
    assert second == []
    conn = await asyncpg.connect(scratch_database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(first)
        assert await conn.fetchval("SELECT to_regclass('events') IS NOT NULL")
    finally:
        await conn.close()


async def test_an_edited_applied_migration_is_refused(scratch_database: str) -> None:
    original = migrations.load_migrations()
    await migrations.apply_migrations(scratch_database, original)
    edited = [migrations.Migration(original[0].version, original[0].sql + "\n-- edited\n"), *original[1:]]
    with pytest.raises(StackError) as refused:
        await migrations.apply_migrations(scratch_database, edited)
    assert refused.value.code == "stack.migration_edited"


@pytest.mark.parametrize(("event_id", "allowed"), ID_CASES)
async def test_the_event_id_rule_holds_in_every_table_that_keeps_ids(
    scratch_database: str, event_id: str, allowed: bool
) -> None:
    await migrations.apply_migrations(scratch_database)
    conn = await asyncpg.connect(scratch_database)
    inserts = [
        "INSERT INTO submissions (event_id, digest, signer, type) VALUES ($1, $2, 'did:x', 'lot.registered')",
        "INSERT INTO events (event_id, digest, type, source, subject, event_time, outcome, body)"
        " VALUES ($1, $2, 'lot.registered', 'did:x', 'LOT-1', now(), 'accepted', '{}')",
    ]
    try:
        for insert in inserts:
            if allowed:
                await conn.execute(insert, event_id, bytes(32))
            else:
                with pytest.raises(asyncpg.CheckViolationError):
                    await conn.execute(insert, event_id, bytes(32))
    finally:
        await conn.close()
