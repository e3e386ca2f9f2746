"""The ledger on the real broker and database: rows, one effect per event, a dense log that matches events.merkle,
verifiable heads and proofs, and restarts or failed batches that neither lose nor duplicate anything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from events.codec import SignedEvent
from events.custody import Accepted, decide
from events.log_entry import event_log_leaf_hash
from events.merkle import TreeSizeError, root_from_leaf_hashes, verify_consistency, verify_inclusion
from events.treehead import decode_tree_head, verify_tree_head
from services.common.settings import PipelineSettings
from services.ledger import store as ledger_store
from services.ledger.app import Ledger, open_ledger
from services.ledger.heads import LogKey, load_log_key
from services.ledger.settings import LedgerSettings
from services.ledger.tree_store import PgTreeStore
from tests.unit.events.scenario import ECO_ASMO, ECO_MINE, Scenario, world_state
from tests.unit.ledger.season import REGISTRY_POSITION, Season, accepted_value, rejected_value, season

pytestmark = pytest.mark.integration

COUNT_TABLES = ("events", "lots", "lot_inputs", "shipments", "findings", "rejections", "log_leaves", "log_nodes")


@pytest.fixture
def settings(pipeline: PipelineSettings, tmp_path: Path) -> LedgerSettings:
    """The ledger on the private pipeline's topics and scratch database, with a key of its own."""
    return LedgerSettings(
        kafka_bootstrap=pipeline.kafka_bootstrap,
        database_url=pipeline.database_url,
        accepted_topic=pipeline.topics.accepted,
        rejected_topic=pipeline.topics.rejected,
        log_key_file=tmp_path / "keys" / "log.pem",
        log_keyid="test-log",
        head_interval_s=0.2,
        batch_max_records=7,  # small batches: the season spans several transactions
        poll_timeout_ms=100,
        http_host="127.0.0.1",
        http_port=0,
    )


@pytest.fixture
def key(settings: LedgerSettings) -> LogKey:
    return load_log_key(settings.log_key_file, settings.log_keyid)


@pytest.fixture
async def db(settings: LedgerSettings) -> AsyncIterator[asyncpg.Connection[asyncpg.Record]]:
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()


@pytest.fixture(scope="module")
def played() -> Season:
    return season()


async def _produce(bootstrap: str, topic: str, values: Sequence[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send(topic, value)
        await producer.flush()
    finally:
        await producer.stop()


async def _publish(settings: LedgerSettings, accepted: Sequence[bytes] = (), rejected: Sequence[bytes] = ()) -> None:
    await _produce(settings.kafka_bootstrap, settings.accepted_topic, accepted)
    await _produce(settings.kafka_bootstrap, settings.rejected_topic, rejected)


async def _run_until_caught_up(settings: LedgerSettings, key: LogKey) -> dict[str, Any]:
    """Start a ledger, let it write everything published so far, sign a head; return the head (JSON)."""
    async with open_ledger(settings, key) as ledger:
        await ledger.consumer.catch_up()
        return await ledger.sign_head_now()


async def _counts(db: asyncpg.Connection[asyncpg.Record]) -> dict[str, int]:
    return {table: await db.fetchval(f"SELECT count(*) FROM {table}") for table in COUNT_TABLES}


def _expected_leaves(played: Season) -> list[bytes]:
    return [event_log_leaf_hash(e.digest, REGISTRY_POSITION) for e in played.accepted_events]


async def test_a_season_becomes_rows_a_dense_log_and_a_verifiable_head(
    settings: LedgerSettings, key: LogKey, db: asyncpg.Connection[asyncpg.Record], played: Season
) -> None:
    await _publish(settings, played.accepted, played.rejected)
    head = await _run_until_caught_up(settings, key)

    accepted = len(played.accepted)
    counts = await _counts(db)
    assert counts["events"] == accepted + len(played.rejected)
    assert counts["log_leaves"] == accepted
    assert counts["log_nodes"] == 2 * accepted - accepted.bit_count()
    assert counts["rejections"] == len(played.rejected) == 1
    assert counts["lot_inputs"] == 2
    assert counts["shipments"] == 3
    assert counts["findings"] == 2
    assert counts["lots"] == 4  # lot-eco-1, lot-eco-2, lot-fm-1, bar-eco-1

    leaves = await db.fetch("SELECT leaf_index, event_id, leaf_hash, registry_position FROM log_leaves ORDER BY 1")
    assert [row["leaf_index"] for row in leaves] == list(range(accepted))
    assert [row["event_id"] for row in leaves] == [e.id for e in played.accepted_events]
    assert [row["leaf_hash"] for row in leaves] == _expected_leaves(played)
    assert {row["registry_position"] for row in leaves} == {REGISTRY_POSITION}

    root = root_from_leaf_hashes(_expected_leaves(played))
    assert head["tree_size"] == accepted
    assert head["root_hash"] == root.hex()
    assert head["keyid"] == "test-log"
    verified = verify_tree_head(decode_tree_head(head), key.public_key, "test-log")
    tree = PgTreeStore(db)
    assert await tree.root(accepted) == verified.root
    for index, leaf in enumerate(_expected_leaves(played)):
        verify_inclusion(leaf, index, accepted, await tree.inclusion_proof(index, accepted), root)
    for old in range(accepted + 1):
        old_root = root_from_leaf_hashes(_expected_leaves(played)[:old])
        verify_consistency(old, accepted, old_root, root, await tree.consistency_proof(old, accepted))

    lot = await db.fetchrow("SELECT * FROM lots WHERE lot = 'bar-eco-1'")
    assert lot is not None
    assert (lot["custodian"], lot["status"], lot["lot_class"], lot["mass_mg"]) == (
        None,
        "in_transit",
        "fairmined-ecological",
        1_480_000,
    )
    assert lot["last_event_id"] == played.accepted_events[-1].id
    assert lot["last_leaf_index"] == accepted - 1
    assert orjson.loads(lot["state"])["shipment"]["to"] == "andes-refinery"
    consumed = await db.fetchval("SELECT count(*) FROM lots WHERE status = 'consumed'")
    assert consumed == 2

    received = await db.fetchrow("SELECT * FROM shipments WHERE lot = 'lot-eco-1'")
    assert received is not None
    assert (received["sender"], received["receiver"], received["shipped_mg"], received["received_mg"]) == (
        "cecomip",
        "aurum-trading",
        1_000_000,
        990_000,
    )
    finding = await db.fetchrow("SELECT * FROM findings WHERE code = 'premium.missing'")
    assert finding is not None
    assert (finding["lot"], finding["organization"], finding["severity"]) == ("lot-eco-1", "cecomip", "alert")
    assert orjson.loads(finding["figures"])["paid_usd_cents"] == 0

    refused = await db.fetchrow("SELECT * FROM rejections")
    assert refused is not None
    assert (refused["code"], refused["event_id"], refused["decided_by"]) == (
        "lot.consumed",
        played.rejected_events[0].id,
        "custody",
    )
    assert refused["digest"] == played.rejected_events[0].digest
    status = await db.fetchrow("SELECT outcome, reason_code FROM events WHERE event_id = $1", refused["event_id"])
    assert status is not None
    assert tuple(status) == ("rejected", "lot.consumed")

    offsets = {row["topic"]: row["next_offset"] for row in await db.fetch("SELECT * FROM ledger_offsets")}
    assert offsets == {settings.accepted_topic: accepted, settings.rejected_topic: 1}


async def test_redelivered_records_have_exactly_one_effect(
    settings: LedgerSettings, key: LogKey, db: asyncpg.Connection[asyncpg.Record], played: Season
) -> None:
    await _publish(settings, played.accepted, played.rejected)
    first_head = await _run_until_caught_up(settings, key)
    before = await _counts(db)
    await _publish(settings, played.accepted[::-1], played.rejected * 2)  # resent, even out of order
    async with open_ledger(settings, key) as ledger:
        await ledger.consumer.catch_up()
        assert ledger.metrics.outcomes.labels("duplicate")._value.get() == len(played.accepted)
        assert ledger.metrics.outcomes.labels("new")._value.get() == 0
        second_head = await ledger.sign_head_now()
    assert await _counts(db) == before
    assert second_head == first_head  # the log did not grow: the same head is returned


async def test_offsets_lost_and_everything_read_again_changes_nothing(
    settings: LedgerSettings, key: LogKey, db: asyncpg.Connection[asyncpg.Record], played: Season
) -> None:
    await _publish(settings, played.accepted, played.rejected)
    await _run_until_caught_up(settings, key)
    before = await _counts(db)
    leaves = await db.fetch("SELECT * FROM log_leaves ORDER BY leaf_index")
    await db.execute("DELETE FROM ledger_offsets")
    await _run_until_caught_up(settings, key)
    assert await _counts(db) == before
    assert await db.fetch("SELECT * FROM log_leaves ORDER BY leaf_index") == leaves


async def test_a_restart_resumes_from_the_stored_offsets(
    settings: LedgerSettings, key: LogKey, db: asyncpg.Connection[asyncpg.Record], played: Season
) -> None:
    half = len(played.accepted) // 2
    await _publish(settings, played.accepted[:half])
    head = await _run_until_caught_up(settings, key)
    assert head["tree_size"] == half
    await _publish(settings, played.accepted[half:], played.rejected)
    async with open_ledger(settings, key) as ledger:
        assert ledger.store.log_size == half  # the compact range was restored from log_nodes
        await ledger.consumer.catch_up()
        assert ledger.metrics.outcomes.labels("new")._value.get() == len(played.accepted) - half
        assert ledger.metrics.outcomes.labels("skipped")._value.get() == 0
        assert ledger.store.root == root_from_leaf_hashes(_expected_leaves(played))
        final = await ledger.sign_head_now()
    assert final["tree_size"] == len(played.accepted)
    assert await db.fetchval("SELECT count(*) FROM tree_heads") == 2
    indexes = [row[0] for row in await db.fetch("SELECT leaf_index FROM log_leaves ORDER BY 1")]
    assert indexes == list(range(len(played.accepted)))


async def test_a_batch_that_fails_midway_leaves_nothing_and_is_written_again(
    settings: LedgerSettings,
    key: LogKey,
    db: asyncpg.Connection[asyncpg.Record],
    played: Season,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _publish(settings, played.accepted, played.rejected)
    real_append = ledger_store._Batch._append
    failures: list[int] = []

    async def failing_append(self: Any, rows: Any, now: Any) -> dict[str, int]:
        written = await real_append(self, rows, now)  # rows are in, the transaction is still open...
        if len(failures) < 2:
            failures.append(len(rows.leaves))
            raise OSError("connection reset while committing")  # ...and is rolled back
        return written

    monkeypatch.setattr(ledger_store._Batch, "_append", failing_append)
    async with open_ledger(settings, key) as ledger:
        with pytest.raises(OSError, match="connection reset"):
            await ledger.consumer.catch_up()  # the first batch fails...
        assert await _counts(db) == dict.fromkeys(COUNT_TABLES, 0)  # ...and left nothing behind
        assert not ledger.consumer.healthy
        with pytest.raises(OSError, match="connection reset"):
            await ledger.consumer.catch_up()  # read again from the committed offsets, it fails once more
        await ledger.consumer.catch_up()
        assert ledger.consumer.healthy
        assert ledger.metrics.batch_failures._value.get() == 2
    counts = await _counts(db)
    assert counts["log_leaves"] == len(played.accepted)
    assert counts["events"] == len(played.accepted) + len(played.rejected)
    indexes = [row[0] for row in await db.fetch("SELECT leaf_index FROM log_leaves ORDER BY 1")]
    assert indexes == list(range(len(played.accepted)))
    assert await PgTreeStore(db).root(len(played.accepted)) == root_from_leaf_hashes(_expected_leaves(played))


async def test_one_event_id_rejected_then_accepted_then_contested(
    settings: LedgerSettings, key: LogKey, db: asyncpg.Connection[asyncpg.Record]
) -> None:
    scenario = Scenario()
    played = season(scenario)
    lot_event = played.accepted_events[-1]
    await _publish(
        settings,
        accepted=played.accepted[:-1],
        rejected=[rejected_value(lot_event.raw, "key.unknown", "The event's keyid was never registered.")],
    )
    await _run_until_caught_up(settings, key)
    row = await db.fetchrow("SELECT outcome, reason_code FROM events WHERE event_id = $1", lot_event.id)
    assert row is not None
    assert tuple(row) == ("rejected", "key.unknown")

    await _publish(settings, accepted=played.accepted[-1:])  # the genuine event is accepted after all
    await _run_until_caught_up(settings, key)
    row = await db.fetchrow("SELECT outcome, reason_code, digest FROM events WHERE event_id = $1", lot_event.id)
    assert row is not None
    assert tuple(row) == ("accepted", None, lot_event.digest)
    leaf = await PgTreeStore(db).leaf(lot_event.id)
    assert leaf is not None
    assert leaf.leaf_index == len(played.accepted) - 1

    impostor = scenario.extract(ECO_ASMO, "lot-eco-9", ECO_MINE, 1_000, event_id=lot_event.id)
    impostor_outcome = _accepted_outcome(impostor)
    await _publish(
        settings,
        accepted=[accepted_value(impostor, impostor_outcome, REGISTRY_POSITION)],
        rejected=[
            rejected_value(impostor.raw, "event.id_conflict", "Event id already used."),
            rejected_value(lot_event.raw, "key.unknown", "The event's keyid was never registered."),
        ],
    )
    await _run_until_caught_up(settings, key)
    row = await db.fetchrow("SELECT outcome, digest FROM events WHERE event_id = $1", lot_event.id)
    assert row is not None
    assert tuple(row) == ("accepted", lot_event.digest)
    assert await db.fetchval("SELECT count(*) FROM log_leaves") == len(played.accepted)
    codes = await db.fetch("SELECT code, digest FROM rejections WHERE event_id = $1 ORDER BY code", lot_event.id)
    assert [(r["code"], r["digest"]) for r in codes] == [
        ("event.id_conflict", impostor.digest),
        ("key.unknown", lot_event.digest),
        ("ledger.id_conflict", impostor.digest),
    ]
    assert await db.fetchval("SELECT count(*) FROM lots WHERE lot = 'lot-eco-9'") == 0


async def test_unusable_records_are_kept_and_do_not_stop_the_ledger(
    settings: LedgerSettings, key: LogKey, db: asyncpg.Connection[asyncpg.Record], played: Season
) -> None:
    tampered = orjson.loads(played.accepted[-1])
    tampered["event"]["data"]["mass_mg"] = 1
    garbage = [b"\x00\xffnot json", orjson.dumps(tampered), b'{"event": null, "code": "x"}']
    await _publish(settings, accepted=[*played.accepted[:-1], *garbage[:2], played.accepted[-1]], rejected=garbage[2:])
    await _run_until_caught_up(settings, key)
    kept = await db.fetch("SELECT code, raw, topic, event_id FROM rejections ORDER BY topic, code")
    assert [(r["code"], bytes(r["raw"]), r["topic"]) for r in kept] == [
        ("ledger.digest_mismatch", garbage[1], settings.accepted_topic),
        ("ledger.record_malformed", garbage[0], settings.accepted_topic),
        ("ledger.record_malformed", garbage[2], settings.rejected_topic),
    ]
    assert await db.fetchval("SELECT count(*) FROM log_leaves") == len(played.accepted)


def _accepted_outcome(signed: SignedEvent) -> Accepted:
    """Decide an extraction in a fresh standard world (it is accepted)."""
    outcome = decide(world_state(Scenario()), signed)
    assert isinstance(outcome, Accepted), outcome
    return outcome


async def test_the_ledger_health_reports_the_log(settings: LedgerSettings, key: LogKey, played: Season) -> None:
    await _publish(settings, played.accepted)
    async with open_ledger(settings, key) as ledger:
        assert isinstance(ledger, Ledger)
        await ledger.consumer.catch_up()
        ok, body = ledger.health()
        assert ok
        assert body["log_size"] == len(played.accepted)
        assert body["log_keyid"] == "test-log"
        text = ledger.metrics.exposition().decode()
    assert f'goldtrace_ledger_records_consumed_total{{topic="{settings.accepted_topic}"}} {len(played.accepted)}.0' in (
        text
    )
    assert f"goldtrace_ledger_log_size {len(played.accepted)}.0" in text
    assert f'goldtrace_ledger_lag_records{{partition="0",topic="{settings.accepted_topic}"}} 0.0' in text


async def test_proofs_hold_even_when_a_stored_subtree_hash_is_missing(
    settings: LedgerSettings, key: LogKey, db: asyncpg.Connection[asyncpg.Record], played: Season
) -> None:
    await _publish(settings, played.accepted)
    await _run_until_caught_up(settings, key)
    size = len(played.accepted)
    leaves = _expected_leaves(played)
    root = root_from_leaf_hashes(leaves)
    await db.execute("DELETE FROM log_nodes WHERE level = 3")  # the store recomputes them from log_leaves
    tree = PgTreeStore(db)
    assert await tree.root(size) == root
    for index in (0, 9, size - 1):
        verify_inclusion(leaves[index], index, size, await tree.inclusion_proof(index, size), root)
    restored = await tree.compact_range()
    assert (restored.size, restored.root()) == (size, root)
    with pytest.raises(TreeSizeError):
        await tree.root(size + 1)
