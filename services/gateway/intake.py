"""Intake of a request's events: decode, check the signature against the registry, claim the id, queue.

Numbered steps for each event (the first failure wins, and a refused event is still kept on the rejected topic):
1. decode: the bytes are a schema-valid, signed v1 event (events.codec);
2. signature: valid under a registered, unrevoked key of its source, in the registry as of now (a registry event
   queued earlier in the same request counts);
3. claim: the id is new, or the very same event was queued before (duplicate), else the id is in conflict;
4. queue: registry events to goldtrace.registry (one at a time, in order), custody events to
   goldtrace.events.inbound keyed by their signer and stamped with the registry position they must be decided at
   and the public key their signature was found to hold under (custody need not check it again);
   a receipt is also stamped with whom its shipment was addressed to, as submitted (or null if never submitted),
   so the receiver's partition knows whether a hand-off can come.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import uuid4

from events.codec import SignedEvent
from events.custody.checks.signature import check_signature
from events.errors import DecodeError, SignatureError
from events.model.envelope import LotReceivedEvent, LotShippedEvent
from services.common import records
from services.gateway.ports import Claim, Publisher, RegistryView, Shipments, ShipmentSeen, Submissions

REGISTRY_PREFIXES = ("participant.", "mine.", "certificate.")
Status = Literal["queued", "duplicate", "rejected"]


@dataclass(frozen=True, slots=True)
class Result:
    """What the gateway answers for one event."""

    id: str | None
    status: Status
    code: str | None = None
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        """`{"id", "status", "error"?: {"code", "detail"}}`."""
        body: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.code is not None:
            body["error"] = {"code": self.code, "detail": self.detail}
        return body


@dataclass(frozen=True, slots=True)
class Pending:
    """A custody event of the request that passed steps 1 and 2, waiting for its claim."""

    index: int
    signed: SignedEvent
    position: int
    """The registry position it was checked at (custody decides it at this position or later)."""
    verified_key: str
    """The public key its signature holds under (custody may take this check as done)."""


def is_registry_event(signed: SignedEvent) -> bool:
    """Registry events (participants, keys, mines, certificates) go to the registry topic."""
    return signed.event.type.startswith(REGISTRY_PREFIXES)


class Intake:
    """Runs the numbered steps for a request's events against the ports."""

    def __init__(
        self, registry: RegistryView, submissions: Submissions, publisher: Publisher, shipments: Shipments
    ) -> None:
        self._registry = registry
        self._submissions = submissions
        self._publisher = publisher
        self._shipments = shipments

    async def submit(self, items: Sequence[SignedEvent | DecodeError], raw_items: Sequence[bytes]) -> list[Result]:
        """Take a request's decoded items (and their raw bytes, kept for refused ones); answer each in order."""
        now = records.utc_now()
        results: list[Result | None] = [None] * len(items)
        refused: list[tuple[str, dict[str, Any]]] = []
        position = await self._registry.current_end()
        pending: list[Pending] = []
        for index, item in enumerate(items):
            if isinstance(item, DecodeError):
                results[index] = self._refuse(None, raw_items[index], item.code, item.detail, now, refused)
                continue
            registry = await self._registry.registry_at(position)
            try:
                key = check_signature(registry, item)
            except SignatureError as error:
                results[index] = self._refuse(item, None, error.code, error.detail, now, refused)
                continue
            if is_registry_event(item):
                results[index] = await self._queue_registry(item, now, refused)
                position = await self._registry.current_end()
            else:
                pending.append(Pending(index, item, position, key.public_key))
        for waiting, result in zip(pending, await self._queue_custody(pending, now, refused), strict=True):
            results[waiting.index] = result
        if refused:
            await self._publisher.rejected(refused)
        return [r for r in results if r is not None]

    def _refuse(
        self,
        signed: SignedEvent | None,
        raw: bytes | None,
        code: str,
        detail: str,
        now: str,
        refused: list[tuple[str, dict[str, Any]]],
    ) -> Result:
        if signed is not None:
            key, event, text = signed.id, signed.raw, None
        else:
            assert raw is not None
            key, event, text = hashlib.sha256(raw).hexdigest(), None, raw.decode("utf-8", "replace")
        refused.append((key, records.rejected_record(event, text, code, detail, now, by="gateway")))
        return Result(signed.id if signed is not None else None, "rejected", code, detail)

    async def _queue_registry(self, signed: SignedEvent, now: str, refused: list[tuple[str, dict[str, Any]]]) -> Result:
        publication = uuid4()
        status = (await self._submissions.claim([_claim(signed)], publication))[signed.id]
        if status == "conflict":
            return self._refuse(signed, None, *id_conflict(signed), now, refused)
        if status == "duplicate":
            return Result(signed.id, "duplicate")
        await self._publisher.registry(signed.event.subject, records.registry_record(signed.raw, now))
        await self._submissions.mark_published(publication, [signed.id] if status == "unpublished" else [])
        return Result(signed.id, "queued")

    async def _queue_custody(
        self, pending: Sequence[Pending], now: str, refused: list[tuple[str, dict[str, Any]]]
    ) -> list[Result]:
        if not pending:
            return []
        publication = uuid4()
        statuses = await self._submissions.claim([_claim(p.signed) for p in pending], publication)
        queued = [p.signed for p in pending if statuses[p.signed.id] in {"new", "unpublished"}]
        await self._shipments.record([_shipment(s) for s in queued if isinstance(s.event, LotShippedEvent)])
        receipts = [s.event.data.shipment for s in queued if isinstance(s.event, LotReceivedEvent)]
        known = await self._shipments.lookup(receipts)
        outgoing: list[tuple[str, dict[str, Any]]] = []
        results: list[Result] = []
        for waiting in pending:
            signed = waiting.signed
            status = statuses[signed.id]
            if status == "conflict":
                results.append(self._refuse(signed, None, *id_conflict(signed), now, refused))
            elif status == "duplicate":
                results.append(Result(signed.id, "duplicate"))
            else:
                record = records.inbound_event_record(signed.raw, waiting.position, now, waiting.verified_key)
                if isinstance(signed.event, LotReceivedEvent):
                    seen = known.get(signed.event.data.shipment)
                    record["shipment"] = None if seen is None else {"to": seen.receiver, "lot": seen.lot}
                outgoing.append((signed.event.signer, record))
                results.append(Result(signed.id, "queued"))
        if outgoing:
            await self._publisher.inbound(outgoing)
            republished = [p.signed.id for p in pending if statuses[p.signed.id] == "unpublished"]
            await self._submissions.mark_published(publication, republished)
        return results


def _shipment(signed: SignedEvent) -> ShipmentSeen:
    assert isinstance(signed.event, LotShippedEvent)
    data = signed.event.data
    return ShipmentSeen(data.shipment, data.lot, signed.event.signer, data.to, signed.id)


def _claim(signed: SignedEvent) -> Claim:
    return Claim(signed.id, signed.digest, signed.event.signer, signed.event.type)


def id_conflict(signed: SignedEvent) -> tuple[str, str]:
    """The refusal of an id already taken by other content."""
    return (
        "event.id_conflict",
        f"Event id {signed.id!r} was already used by another event with different content; "
        "give every new event a new id.",
    )
