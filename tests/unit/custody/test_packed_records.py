"""Inbound `events` records: the gateway packs a request's custody events per partition, custody unpacks them.

Packing must not change what custody decides: each event still lands in its signer's partition, a partition's
events keep the request's order, and custody persists its state at record boundaries only, in steps of at most
MAX_STEP_EVENTS events.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
import pytest

from services.common import records
from services.common.registry_feed import RegistryFeed
from services.custody import processor as processor_module
from services.custody.engine import Emit
from services.custody.processor import CustodyProcessor, InboundRecord
from tests.unit.custody.test_processor_retry import Feed, Store
from tests.unit.events.scenario import ECO_ASMO, ECO_CERT, ECO_MINE, Scenario


def keyed(count: int, keys: str = "abc") -> list[tuple[str, dict[str, Any]]]:
    """`count` records cycling over `keys`, each naming its position."""
    return [(keys[i % len(keys)], {"kind": "event", "n": i}) for i in range(count)]


def unpacked(packed: list[tuple[int, str | None, bytes]]) -> dict[int, list[int]]:
    """Per partition, the positions of the records it received, in order."""
    seen: dict[int, list[int]] = {}
    for partition, _, value in packed:
        seen.setdefault(partition, []).extend(m["n"] for m in records.members(orjson.loads(value)))
    return seen


def test_each_record_lands_in_its_keys_partition_in_the_batchs_order() -> None:
    batch = keyed(150)
    partition_of = {"a": 0, "b": 1, "c": 0}.__getitem__
    packed = records.pack_inbound(batch, partition_of)
    assert len(packed) == 2, "one record per partition"
    assert [key for _, key, _ in packed] == [None, "b"], "a record's key is its members' signer when they share one"
    assert unpacked(packed) == {
        0: [n for n, (key, _) in enumerate(batch) if key in "ac"],
        1: [n for n, (key, _) in enumerate(batch) if key == "b"],
    }


def test_a_small_share_of_a_partition_goes_as_single_records() -> None:
    batch = keyed(records.MIN_PACKED_RECORDS - 1, "a") + keyed(records.MIN_PACKED_RECORDS, "b")
    packed = records.pack_inbound(batch, {"a": 0, "b": 1}.__getitem__)
    assert [(partition, key) for partition, key, _ in packed] == [(0, "a")] * (records.MIN_PACKED_RECORDS - 1) + [
        (1, "b")
    ]
    assert all(orjson.loads(value)["kind"] == "event" for _, _, value in packed[:-1])


def test_custody_packs_its_hand_offs_from_two_per_partition() -> None:
    handoffs = [("trader", {"kind": "handoff", "n": 0}), ("trader", {"kind": "handoff", "n": 1})]
    notices = [("asmo", {"kind": "receipt_notice", "n": 2})]
    packed = records.pack_inbound(handoffs + notices, {"trader": 1, "asmo": 0}.__getitem__, min_packed=2)
    assert [(partition, key) for partition, key, _ in packed] == [(1, "trader"), (0, "asmo")]
    assert [m["kind"] for m in records.members(orjson.loads(packed[0][2]))] == ["handoff", "handoff"]
    assert orjson.loads(packed[1][2]) == {"kind": "receipt_notice", "n": 2}, "a lone record goes as it is"


def test_a_lone_record_is_sent_as_it_is() -> None:
    ((partition, key, value),) = records.pack_inbound(keyed(1), lambda key: 3)
    assert (partition, key) == (3, "a")
    assert orjson.loads(value) == {"kind": "event", "n": 0}


def test_a_partitions_share_is_cut_by_count_and_by_size() -> None:
    by_count = records.pack_inbound(keyed(2 * records.MAX_PACKED_RECORDS + 1, "a"), lambda key: 0)
    assert [len(records.members(orjson.loads(v))) for _, _, v in by_count] == [200, 200, 1]
    big = [("a", {"kind": "event", "n": i, "pad": "x" * 50_000}) for i in range(6)]
    by_size = records.pack_inbound(big, lambda key: 0)
    assert all(len(value) <= records.MAX_PACKED_BYTES + 64 * 1024 for _, _, value in by_size)
    assert len(by_size) == 3
    assert unpacked(by_size) == {0: list(range(6))}


def test_members_refuses_an_events_record_without_records() -> None:
    assert records.members({"kind": "event", "n": 1}) == [{"kind": "event", "n": 1}]
    with pytest.raises(ValueError, match="JSON array of records"):
        records.members({"kind": "events", "records": {"n": 1}})


async def test_custody_decides_every_member_and_persists_at_record_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(processor_module, "MAX_STEP_EVENTS", 3)
    scenario = Scenario()
    feed = Feed(scenario.world())
    store = Store("none", failures=0)
    persisted: list[int] = []
    persist = store.persist

    async def tracking_persist(engine: Any, expected_offset: int, next_offset: int) -> None:
        persisted.append(next_offset)
        await persist(engine, expected_offset, next_offset)

    store.persist = tracking_persist  # type: ignore[method-assign]
    sent: list[Emit] = []

    async def send(emits: Any) -> None:
        sent.extend(emits)

    processor = CustodyProcessor(scenario.anchor(), cast(RegistryFeed, feed), store, send, lambda participant: 0)
    lots = [scenario.extract(ECO_ASMO, f"L{i}", ECO_MINE, 10_000, certificate=ECO_CERT) for i in range(7)]
    batch_records = [("k", records.inbound_event_record(e.raw, len(feed.events), "now")) for e in lots]
    packed = records.pack_inbound(batch_records[:2], lambda key: 0, min_packed=1) + records.pack_inbound(
        batch_records[2:], lambda k: 0, min_packed=1
    )
    batch = [InboundRecord(0, offset, value) for offset, (_, _, value) in enumerate(packed)]
    await processor.handle(batch)

    accepted = [e.record["event"]["id"] for e in sent if e.topic == "accepted"]
    assert accepted == [e.id for e in lots], "every member decided, in order"
    assert persisted == [1, 2], "the 5-event record is a step of its own; offsets advance per record"
    assert store.next_offset == 2
