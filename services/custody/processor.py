"""Batches of inbound records, partition by partition: load, decide (engine), claim lots, emit, persist.

Every effect is idempotent by event id and a partition's state is committed together with its next offset, so a
crash at any point -- even `kill -9` -- neither loses nor repeats an effect (services/README.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from events.custody.policy import DEFAULT_POLICY, Policy
from events.custody.registry import TrustAnchor
from services.common import records
from services.common.registry_feed import RegistryFeed
from services.custody.engine import Emit, PartitionEngine, referenced_lots, referenced_shipments
from services.custody.store import CustodyStore, StaleWorkerError

log = logging.getLogger(__name__)
MAX_STEP_EVENTS: Final = 2000  # events decided and persisted together (the gateway packs up to 200 per record)

Send = Callable[[Sequence[Emit]], Awaitable[None]]
"""Sends records to their topics and returns once the broker acknowledged all of them."""


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """One message of the inbound topic."""

    partition: int
    offset: int
    value: bytes


@dataclass(slots=True)
class Loaded:
    """A partition's engine and the next offset it has decided up to."""

    engine: PartitionEngine
    next_offset: int


class CustodyProcessor:
    """Decides inbound batches with one engine per partition this worker holds."""

    def __init__(
        self,
        anchor: TrustAnchor,
        feed: RegistryFeed,
        store: CustodyStore,
        send: Send,
        partition_of: Callable[[str], int],
        policy: Policy = DEFAULT_POLICY,
        *,
        trust_gateway_signatures: bool = False,
    ) -> None:
        self._anchor = anchor
        self._trust_gateway_signatures = trust_gateway_signatures
        self._feed = feed
        self._store = store
        self._send = send
        self._partition_of = partition_of
        self._policy = policy
        self._loaded: dict[int, Loaded] = {}
        self.decided = 0

    def drop(self, partition: int) -> None:
        """Forget a partition (revoked, or found stale); it is reloaded from PostgreSQL when it comes back."""
        self._loaded.pop(partition, None)

    async def handle(self, batch: Sequence[InboundRecord]) -> None:
        """Decide a batch (any mix of partitions), each partition's records in offset order.

        Partitions share nothing but the connections, so they are decided side by side: one partition's round trips
        to PostgreSQL and Kafka no longer wait for another's. Every partition's step runs to its end before a failure
        is raised, so a retry of the batch never overlaps a step still running.
        """
        by_partition: dict[int, list[InboundRecord]] = defaultdict(list)
        for record in batch:
            by_partition[record.partition].append(record)
        steps = [
            self._handle_partition(partition, sorted(records_, key=lambda r: r.offset))
            for partition, records_ in sorted(by_partition.items())
        ]
        failures = [r for r in await asyncio.gather(*steps, return_exceptions=True) if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    async def _handle_partition(self, partition: int, batch: list[InboundRecord]) -> None:
        while True:
            loaded = await self._load(partition)
            fresh = [r for r in batch if r.offset >= loaded.next_offset]
            if not fresh:
                return
            if fresh[0].offset > loaded.next_offset:
                raise RuntimeError(
                    f"partition {partition}: offset {fresh[0].offset} arrived but {loaded.next_offset} was expected; "
                    "refusing to skip records"
                )
            try:
                await self._decide(loaded, fresh)
                return
            except (StaleWorkerError, _LostClaimError) as why:
                log.warning("partition %d: %s; reloading and deciding again", partition, why)
                self.drop(partition)
            except BaseException:
                # The engine decided the batch in memory, but its outcomes may not have been sent nor its state
                # persisted (PostgreSQL or Kafka away). Deciding again with that engine would find the events seen
                # already and send nothing: they would be lost. Reload from PostgreSQL, as after a crash.
                self.drop(partition)
                raise

    async def _load(self, partition: int) -> Loaded:
        loaded = self._loaded.get(partition)
        if loaded is None:
            engine = PartitionEngine(
                partition,
                self._anchor,
                self._feed.between,
                self._partition_of,
                self._policy,
                trust_gateway_signatures=self._trust_gateway_signatures,
            )
            row = await self._store.load_partition(engine)
            await self._feed.wait_for(row.registry_position)
            engine.advance_registry(row.registry_position)
            loaded = self._loaded[partition] = Loaded(engine, row.next_offset)
        return loaded

    async def _decide(self, loaded: Loaded, batch: list[InboundRecord]) -> None:
        """Decide a partition's records in steps of at most MAX_STEP_EVENTS events (an `events` record is many)."""
        step: list[tuple[int, list[dict[str, Any]]]] = []
        events = 0
        for record in batch:
            values = records.members(records.decode(record.value))
            if step and events + len(values) > MAX_STEP_EVENTS:
                await self._step(loaded, step)
                step, events = [], 0
            step.append((record.offset, values))
            events += len(values)
        await self._step(loaded, step)

    async def _step(self, loaded: Loaded, batch: list[tuple[int, list[dict[str, Any]]]]) -> None:
        """Decide records (offset, the records it stands for) and persist the state up to the last one's offset."""
        engine = loaded.engine
        values = [value for _, members in batch for value in members]
        await self._prepare(engine, values)
        emits: list[Emit] = []
        for value in values:
            emits.extend(engine.process(value))
        lost = await self._store.claim_lots(engine.dirty.claims)
        if lost:
            raise _LostClaimError(f"lot ids taken by other partitions meanwhile: {sorted(lost)}")
        await self._send(emits)
        next_offset = batch[-1][0] + 1
        await self._store.persist(engine, loaded.next_offset, next_offset)
        loaded.next_offset = next_offset
        self.decided += len(batch)
        log.info(
            "partition %d: decided offsets %d..%d (%d records), sent %d records",
            engine.partition,
            batch[0][0],
            next_offset - 1,
            len(values),
            len(emits),
        )

    async def _prepare(self, engine: PartitionEngine, values: list[dict[str, Any]]) -> None:
        """Load what the batch names and wait for the registry positions it needs."""
        lots: set[str] = set()
        event_ids: set[str] = set()
        created: set[str] = set()
        shipments: set[str] = set()
        pending = list(values)
        for value in values:
            if value.get("kind") in {"handoff", "handoff_refused"}:
                pending.extend(engine.parking.records.get(str(value["lot"]), []))
        position = engine.registry_position
        for value in pending:
            lots |= referenced_lots(value)
            shipments |= referenced_shipments(value)
            if value.get("kind") == "event":
                event = value["event"]
                assert isinstance(event, dict)
                event_ids.add(str(event.get("id")))
                created |= _created(event)
                position = max(position, int(value.get("registry_at", 0)))
        # Claims of every lot named (not only created): a lot held in another partition still exists.
        await self._store.load_batch(engine, lots, event_ids, created | lots, shipments)
        await self._feed.wait_for(position)


class _LostClaimError(Exception):
    """Another partition claimed a lot id this batch creates, after we loaded the claims."""


def _created(event: dict[str, Any]) -> set[str]:
    data = event.get("data")
    if not isinstance(data, dict):
        return set()
    if event.get("type") == "lot.extracted" and isinstance(data.get("lot"), str):
        return {data["lot"]}
    if event.get("type") == "lot.transformed":
        return {o["lot"] for o in data.get("outputs", []) if isinstance(o, dict) and isinstance(o.get("lot"), str)}
    return set()
