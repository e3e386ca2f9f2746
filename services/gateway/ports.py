"""What the intake needs from the outside world, as small protocols (Kafka and PostgreSQL adapters implement them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from uuid import UUID

from events.custody.registry import Registry


@dataclass(frozen=True, slots=True)
class Claim:
    """An event id the gateway wants to queue: who signed it and its digest."""

    event_id: str
    digest: bytes
    signer: str
    type: str


ClaimStatus = Literal["new", "unpublished", "duplicate", "conflict"]


class Submissions(Protocol):
    """The global claim on event ids (first digest wins)."""

    async def claim(self, claims: Sequence[Claim], publication: UUID) -> dict[str, ClaimStatus]:
        """Claim each id for the request `publication`: new, unpublished (claimed by an earlier request that never
        put it on Kafka), duplicate (same digest, queued), conflict (another digest)."""
        ...

    async def mark_published(self, publication: UUID, republished: Sequence[str]) -> None:
        """Record that the request's new claims are on Kafka, and so are these `unpublished` ones it sent again."""
        ...


@dataclass(frozen=True, slots=True)
class ShipmentSeen:
    """A shipment as submitted: its lot, sender and named receiver."""

    shipment: str
    lot: str
    sender: str
    receiver: str
    event_id: str


class Shipments(Protocol):
    """Shipments as the gateway saw them submitted (first event with an id wins)."""

    async def record(self, shipments: Sequence[ShipmentSeen]) -> None:
        """Remember shipments being queued."""
        ...

    async def lookup(self, shipment_ids: Sequence[str]) -> dict[str, ShipmentSeen]:
        """The known ones among these shipment ids."""
        ...


class Publisher(Protocol):
    """Puts records on the pipeline's topics and waits for the broker's acknowledgement (acks=all)."""

    async def registry(self, key: str, record: dict[str, Any]) -> None:
        """Append to goldtrace.registry."""
        ...

    async def inbound(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Append (key, record) pairs to goldtrace.events.inbound."""
        ...

    async def rejected(self, records: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Append (key, record) pairs to goldtrace.events.rejected."""
        ...


class RegistryView(Protocol):
    """The registry as of a position of goldtrace.registry."""

    async def current_end(self) -> int:
        """The registry topic's end offset now."""
        ...

    async def registry_at(self, position: int) -> Registry:
        """The registry with every registry event below `position` applied (waits for the feed to catch up)."""
        ...
