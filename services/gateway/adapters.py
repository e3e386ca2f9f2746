"""Kafka, PostgreSQL and registry-feed adapters behind the intake's ports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer

from events.custody.registry import Registry
from services.common import records
from services.common.producing import send_batched
from services.common.registry_feed import RegistryFeed
from services.common.settings import Topics
from services.gateway.ports import Claim, ClaimStatus, ShipmentSeen

# Every claim is read by its key, so the cost does not grow with the claims and publications on record. A claim
# another request holds is updated to itself: that locks it and returns its latest committed version, so a request
# racing another with the same id sees that claim (and its digest) instead of a row its snapshot predates.
_CLAIM = """
WITH claimed AS (
    INSERT INTO submissions AS s (event_id, digest, signer, type, publication)
    SELECT *, $5::uuid FROM unnest($1::text[], $2::bytea[], $3::text[], $4::text[])
    ON CONFLICT (event_id) DO UPDATE SET published = s.published
    RETURNING s.event_id, s.digest, s.published, s.publication
)
SELECT event_id, inserted, digest AS stored_digest,
       CASE WHEN inserted THEN false
            ELSE published OR (SELECT true FROM publications p WHERE p.publication = c.publication) IS NOT NULL
       END AS published
FROM (SELECT *, publication IS NOT DISTINCT FROM $5::uuid AS inserted FROM claimed) c
"""
_MARK_PUBLISHED = """
WITH request AS (
    INSERT INTO publications (publication) VALUES ($1) ON CONFLICT (publication) DO NOTHING
)
UPDATE submissions SET published = true WHERE event_id = ANY($2::text[])
"""


class PostgresSubmissions:
    """The id claims in the `submissions` table (one round trip per request batch)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim(self, claims: Sequence[Claim], publication: UUID) -> dict[str, ClaimStatus]:
        """Claim every id at once; the same id twice in one batch is a duplicate (or a conflict) of the first."""
        first: dict[str, Claim] = {}
        for claim in claims:
            first.setdefault(claim.event_id, claim)
        unique = list(first.values())
        rows = await self._pool.fetch(
            _CLAIM,
            [c.event_id for c in unique],
            [c.digest for c in unique],
            [c.signer for c in unique],
            [c.type for c in unique],
            publication,
        )
        statuses: dict[str, ClaimStatus] = {}
        for row in rows:
            claim = first[row["event_id"]]
            if row["inserted"]:
                statuses[claim.event_id] = "new"
            elif row["stored_digest"] != claim.digest:
                statuses[claim.event_id] = "conflict"
            else:
                statuses[claim.event_id] = "duplicate" if row["published"] else "unpublished"
        return statuses

    async def mark_published(self, publication: UUID, republished: Sequence[str]) -> None:
        """The request's new claims are on Kafka (one row), and so are these claims of earlier requests."""
        await self._pool.execute(_MARK_PUBLISHED, publication, list(republished))


class PostgresShipments:
    """Shipments in the `submitted_shipments` table."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, shipments: Sequence[ShipmentSeen]) -> None:
        """Insert the shipments not known yet (the first event with a shipment id wins)."""
        if not shipments:
            return
        await self._pool.execute(
            """INSERT INTO submitted_shipments (shipment, lot, sender, receiver, event_id)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
               ON CONFLICT (shipment) DO NOTHING""",
            [s.shipment for s in shipments],
            [s.lot for s in shipments],
            [s.sender for s in shipments],
            [s.receiver for s in shipments],
            [s.event_id for s in shipments],
        )

    async def lookup(self, shipment_ids: Sequence[str]) -> dict[str, ShipmentSeen]:
        """The known shipments among these ids."""
        if not shipment_ids:
            return {}
        rows = await self._pool.fetch(
            "SELECT * FROM submitted_shipments WHERE shipment = ANY($1::text[])", list(set(shipment_ids))
        )
        return {
            r["shipment"]: ShipmentSeen(r["shipment"], r["lot"], r["sender"], r["receiver"], r["event_id"])
            for r in rows
        }


class KafkaPublisher:
    """An idempotent producer (acks=all); each call returns once the broker acknowledged every record."""

    def __init__(self, producer: AIOKafkaProducer, topics: Topics, partition_of: Callable[[str], int]) -> None:
        self._producer = producer
        self._topics = topics
        self._partition_of = partition_of

    async def registry(self, key: str, record: dict[str, Any]) -> None:
        """Append one registry event."""
        await self._producer.send_and_wait(self._topics.registry, records.encode(record), key=key.encode())

    async def inbound(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Append custody events keyed by signer, packed into one record per partition (records.pack_inbound).

        Custody pays a fixed cost per inbound record (faust's per-message machinery), so a request's events for one
        partition travel together; each still lands in its signer's partition, in the request's order.
        """
        routed: dict[tuple[str, int], list[tuple[bytes | None, bytes]]] = {}
        for partition, key, value in records.pack_inbound(batch, self._partition_of):
            routed.setdefault((self._topics.inbound, partition), []).append(
                (None if key is None else key.encode(), value)
            )
        await send_batched(self._producer, routed)

    async def rejected(self, batch: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Append refused events."""
        await self._send_all(self._topics.rejected, batch)

    async def _send_all(self, topic: str, batch: Sequence[tuple[str, dict[str, Any]]]) -> None:
        futures = [await self._producer.send(topic, records.encode(record), key=key.encode()) for key, record in batch]
        await asyncio.gather(*futures)


class FeedRegistryView:
    """The registry as the gateway's feed has it, waiting for the feed to reach a position."""

    def __init__(self, feed: RegistryFeed, wait_seconds: float = 10.0) -> None:
        self._feed = feed
        self._wait_seconds = wait_seconds

    async def current_end(self) -> int:
        """The registry topic's end offset now."""
        return await self._feed.end_offset()

    async def registry_at(self, position: int) -> Registry:
        """The feed's registry once it has applied everything below `position`."""
        if self._feed.position < position:  # usually caught up already: no timer per event then
            async with asyncio.timeout(self._wait_seconds):
                await self._feed.wait_for(position)
        return self._feed.state.registry
