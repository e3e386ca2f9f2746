"""The custody processor after a failed step (PostgreSQL or Kafka away): the batch is decided again from the stored
state, so its outcomes are sent; never "seen already" by an engine that decided it in memory and then lost it.

Found by tests/integration/faults/test_infrastructure_restarts.py (PostgreSQL stopped while the pipeline runs): a
batch whose lot claims failed was re-decided by the same engine, its events counted as duplicates and never sent.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from events.codec import SignedEvent
from services.common import records
from services.common.registry_feed import RegistryFeed
from services.custody.engine import Emit, PartitionEngine
from services.custody.processor import CustodyProcessor, InboundRecord
from services.custody.store import CustodyStore, PartitionRow
from tests.unit.events.scenario import ECO_ASMO, ECO_CERT, ECO_MINE, TRADER, Scenario


class Feed:
    """A registry topic held in memory, caught up already."""

    def __init__(self, events: list[SignedEvent]) -> None:
        self.events = events

    def between(self, lo: int, hi: int) -> list[tuple[int, SignedEvent]]:
        return [(i, e) for i, e in enumerate(self.events) if lo <= i < hi]

    async def wait_for(self, position: int) -> None:
        assert position <= len(self.events)


class Store(CustodyStore):
    """A partition's stored state in memory; the next `failures` calls of `step` raise as a lost connection."""

    def __init__(self, step: str, failures: int) -> None:
        self.topic = "inbound"
        self.step, self.failures = step, failures
        self.next_offset = 0
        self.seen: dict[str, bytes] = {}
        self.claims: dict[str, str] = {}

    def _maybe_fail(self, step: str) -> None:
        if step == self.step and self.failures:
            self.failures -= 1
            raise ConnectionRefusedError(f"PostgreSQL is away ({step})")

    async def load_partition(self, engine: PartitionEngine) -> PartitionRow:
        return PartitionRow(self.next_offset, 0)

    async def load_batch(
        self, engine: PartitionEngine, lots: Any, event_ids: Any, created: Any, shipments: Any = ()
    ) -> None:
        engine.state.seen.update({i: self.seen[i] for i in event_ids if i in self.seen})
        engine.claims.update({lot: self.claims[lot] for lot in created if lot in self.claims})

    async def claim_lots(self, claims: dict[str, str]) -> dict[str, str]:
        self._maybe_fail("claim")
        taken = {lot: self.claims[lot] for lot, event in claims.items() if self.claims.get(lot, event) != event}
        self.claims.update({lot: event for lot, event in claims.items() if lot not in taken})
        return taken

    async def persist(self, engine: PartitionEngine, expected_offset: int, next_offset: int) -> None:
        self._maybe_fail("persist")
        assert expected_offset == self.next_offset
        self.seen.update({i: engine.state.seen[i] for i in engine.dirty.seen})
        self.next_offset = next_offset
        engine.dirty.clear()


@pytest.mark.parametrize("step", ["claim", "send", "persist"])
async def test_a_batch_whose_step_failed_is_sent_when_decided_again(step: str) -> None:
    scenario = Scenario()
    feed = Feed(scenario.world())
    store = Store(step, failures=1)
    sent: list[Emit] = []
    send_failures = [1] if step == "send" else []

    async def send(emits: Any) -> None:
        if send_failures:
            send_failures.pop()
            raise ConnectionRefusedError("Kafka is away")
        sent.extend(emits)

    processor = CustodyProcessor(scenario.anchor(), cast(RegistryFeed, feed), store, send, lambda participant: 0)
    lots = [scenario.extract(ECO_ASMO, f"L{i}", ECO_MINE, 10_000, certificate=ECO_CERT) for i in range(3)]
    lots.append(scenario.ship(ECO_ASMO, "L0", TRADER, 10_000, premium_usd="60.00"))
    batch = [
        InboundRecord(0, offset, records.encode(records.inbound_event_record(e.raw, len(feed.events), "now")))
        for offset, e in enumerate(lots)
    ]
    with pytest.raises(ConnectionRefusedError):
        await processor.handle(batch)  # what runtime.guarded sees; it runs the step again
    await processor.handle(batch)

    accepted = [e.record["event"]["id"] for e in sent if e.topic == "accepted"]
    assert sorted(set(accepted)) == sorted(e.id for e in lots), "every event's outcome was sent"
    assert store.next_offset == len(batch)


class PartitionedStore(Store):
    """Each partition's offset and seen ids kept apart; persisting partition `failing` fails once."""

    def __init__(self, failing: int) -> None:
        super().__init__("persist", failures=0)
        self.failing = failing
        self.offsets: dict[int, int] = {}
        self.persisting: set[int] = set()
        self.overlaps = 0

    async def load_partition(self, engine: PartitionEngine) -> PartitionRow:
        return PartitionRow(self.offsets.get(engine.partition, 0), 0)

    async def persist(self, engine: PartitionEngine, expected_offset: int, next_offset: int) -> None:
        self.persisting.add(engine.partition)
        await asyncio.sleep(0)  # let the other partition's step run meanwhile
        self.overlaps += len(self.persisting) > 1
        self.persisting.discard(engine.partition)
        if engine.partition == self.failing:
            self.failing = -1
            raise ConnectionRefusedError(f"PostgreSQL is away (persist of partition {engine.partition})")
        assert expected_offset == self.offsets.get(engine.partition, 0)
        self.seen.update({i: engine.state.seen[i] for i in engine.dirty.seen})
        self.offsets[engine.partition] = next_offset
        engine.dirty.clear()


async def test_partitions_of_a_batch_are_decided_side_by_side_and_a_failed_one_alone_is_decided_again() -> None:
    scenario = Scenario()
    feed = Feed(scenario.world())
    store = PartitionedStore(failing=1)
    sent: list[Emit] = []

    async def send(emits: Any) -> None:
        sent.extend(emits)

    processor = CustodyProcessor(scenario.anchor(), cast(RegistryFeed, feed), store, send, lambda participant: 0)
    lots = [scenario.extract(ECO_ASMO, f"L{i}", ECO_MINE, 10_000, certificate=ECO_CERT) for i in range(4)]
    batch = [
        InboundRecord(i % 2, i // 2, records.encode(records.inbound_event_record(e.raw, len(feed.events), "now")))
        for i, e in enumerate(lots)
    ]
    with pytest.raises(ConnectionRefusedError):
        await processor.handle(batch)
    assert store.offsets == {0: 2}, "partition 0 finished its step although partition 1 failed"
    assert store.overlaps, "the two partitions' steps ran side by side"
    await processor.handle(batch)

    assert store.offsets == {0: 2, 1: 2}
    accepted = [e.record["event"]["id"] for e in sent if e.topic == "accepted"]
    assert sorted(set(accepted)) == sorted(e.id for e in lots)
    assert accepted.count(lots[0].id) == 1, "partition 0 is not decided again"
