"""One inbound partition's decisions, pure: registry by position, parking for hand-offs, outputs to emit.

The engine holds the partition's state (a registry advanced by position, and caches of the lots, tallies and seen
ids it was given) and turns inbound records into records to emit and state to persist. It does no I/O: the
adapter loads what a batch needs before `process`, sends `emits`, then persists `dirty` with the next offset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from events.codec import SignedEvent, decode_parsed
from events.custody.fold import decide, evolve
from events.custody.lots import Lot, lot_from_json
from events.custody.outcome import Accepted, Duplicate, Outcome, PutLot, PutTally, Rejected
from events.custody.policy import DEFAULT_POLICY, Policy
from events.custody.registry import TrustAnchor
from events.custody.state import State, initial_state
from events.errors import DecodeError
from events.model.envelope import LotExtractedEvent, LotReceivedEvent, LotShippedEvent, LotTransformedEvent
from services.common.records import utc_now
from services.custody.parking import Parking, record_time

RegistrySource = Callable[[int, int], Iterable[tuple[int, SignedEvent]]]
"""Registry events with offsets in [lo, hi), in order."""

Topic = Literal["accepted", "rejected", "inbound"]
ShipmentMark = Literal["handed_over", "refused"]


@dataclass(frozen=True, slots=True)
class Emit:
    """A record to send: topic role, key, JSON record."""

    topic: Topic
    key: str
    record: dict[str, Any]


@dataclass(slots=True)
class Dirty:
    """What changed since the last persist: lot ids, tally keys, newly seen ids, parked lots."""

    lots: set[str] = field(default_factory=set)
    tallies: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    parked: set[str] = field(default_factory=set)
    claims: dict[str, str] = field(default_factory=dict)  # lot id -> event id that created it
    marks: set[str] = field(default_factory=set)  # shipments newly marked handed over or refused

    def clear(self) -> None:
        """Forget everything (after a persist)."""
        self.marks.clear()
        self.lots.clear()
        self.tallies.clear()
        self.seen.clear()
        self.parked.clear()
        self.claims.clear()


def referenced_shipments(record: dict[str, Any]) -> set[str]:
    """Shipment ids whose marks a record needs: hand-offs and refusals, and receipts."""
    if record.get("kind") in {"handoff", "handoff_refused"}:
        return {record["shipment"]}
    event = record.get("event", {})
    data = event.get("data", {}) if isinstance(event, dict) else {}
    if event.get("type") == "lot.received" and isinstance(data, dict) and isinstance(data.get("shipment"), str):
        return {data["shipment"]}
    return set()


def referenced_lots(record: dict[str, Any]) -> set[str]:
    """Every lot id an inbound record names (to load before deciding it)."""
    if record.get("kind") == "handoff":
        return {record["lot"]}
    data = record.get("event", {}).get("data", {})
    lots = {data["lot"]} if isinstance(data.get("lot"), str) else set()
    lots.update(x for x in data.get("inputs", []) if isinstance(x, str))
    lots.update(o["lot"] for o in data.get("outputs", []) if isinstance(o, dict) and isinstance(o.get("lot"), str))
    return lots


def created_lots(signed: SignedEvent) -> list[str]:
    """Lot ids an event brings into existence (extraction, transformation outputs)."""
    event = signed.event
    if isinstance(event, LotExtractedEvent):
        return [event.data.lot]
    if isinstance(event, LotTransformedEvent):
        return [o.lot for o in event.data.outputs]
    return []


class PartitionEngine:
    """Decides one inbound partition's records in order."""

    def __init__(
        self,
        partition: int,
        anchor: TrustAnchor,
        registry_source: RegistrySource,
        partition_of: Callable[[str], int],
        policy: Policy = DEFAULT_POLICY,
        *,
        trust_gateway_signatures: bool = False,
    ) -> None:
        self.partition = partition
        self.policy = policy
        self.trust_gateway_signatures = trust_gateway_signatures
        """Take an inbound record's `verified_key` (the gateway checked the signature under it) as the Ed25519 check
        done; the kernel still checks that the key is the signer's, registered and unrevoked at the record's
        position, and is this very public key."""
        self._registry_source = registry_source
        self._partition_of = partition_of
        self._registry_fold = initial_state(anchor)  # registry events only; its `seen` holds registry ids
        self.registry_position = 0
        self.state = State(registry=self._registry_fold.registry)
        self.parking = Parking()
        self.claims: dict[str, str] = {}  # loaded global claims: lot id -> event id that created it
        self.shipment_marks: dict[str, ShipmentMark] = {}  # loaded: shipments handed over here, or refused
        self.dirty = Dirty()

    # -- positions ------------------------------------------------------------------------------------------
    def required_position(self, record: dict[str, Any]) -> int:
        """The registry position a record will be decided at (never lower than the last one used)."""
        return max(int(record.get("registry_at", 0)), self.registry_position)

    def advance_registry(self, position: int) -> None:
        """Apply every registry event below `position` (the source must have them)."""
        if position <= self.registry_position:
            return
        for _offset, signed in self._registry_source(self.registry_position, position):
            evolve(self._registry_fold, decide(self._registry_fold, signed, self.policy))
        self.registry_position = position

    # -- records --------------------------------------------------------------------------------------------
    def process(self, record: dict[str, Any]) -> list[Emit]:
        """Decide one inbound record; return what to emit."""
        if record.get("kind") == "handoff":
            return self._handoff(record)
        if record.get("kind") == "handoff_refused":
            return self._handoff_refused(record)
        if record.get("kind") == "receipt_notice":
            return self._receipt_noticed(record)
        self.advance_registry(self.required_position(record))
        emits = self._event(record)
        emits.extend(self._expire_parked(record))
        return emits

    def _event(self, record: dict[str, Any]) -> list[Emit]:
        try:
            signed = decode_parsed(record["event"])
        except DecodeError as error:
            return [_rejected(record["event"].get("id", "?"), record["event"], error.code, error.detail)]
        waiting_on = self._must_park(signed, record)
        if waiting_on is not None:
            self.parking.park(waiting_on, record)
            self.dirty.parked.add(waiting_on)
            return []
        return self._decide(signed, record)

    def _decide(self, signed: SignedEvent, record: dict[str, Any]) -> list[Emit]:
        taken = [lot for lot in created_lots(signed) if self.claims.get(lot, signed.id) != signed.id]
        if taken:
            outcome: Outcome = Rejected(
                "lot.id_reused", f"Lot id {taken[0]!r} is taken already; lot ids are never reused, choose a new one."
            )
        else:
            outcome = decide(self.state, signed, self.policy, verified_key=self._checked_key(record))
            if isinstance(outcome, Rejected):
                outcome = self._as_seen_from_here(signed, outcome, record)
        sender = _sender_before(self.state.lots.get(signed.event.subject))
        evolve(self.state, outcome)
        return self._outputs(signed, outcome, sender)

    def _checked_key(self, record: dict[str, Any]) -> str | None:
        key = record.get("verified_key") if self.trust_gateway_signatures else None
        return key if isinstance(key, str) else None

    def _as_seen_from_here(self, signed: SignedEvent, outcome: Rejected, record: dict[str, Any]) -> Rejected:
        """Say why from what this partition knows, where the kernel's view of a lot held elsewhere would mislead.

        The outcome never changes: only its reason, for lots that live in (or left for) another partition.
        """
        signer, event = signed.event.signer, signed.event
        stamp = record.get("shipment")
        if isinstance(event, LotReceivedEvent) and isinstance(stamp, dict) and stamp.get("to") != signer:
            return Rejected(
                "receipt.not_receiver",
                f"Shipment {event.data.shipment!r} is addressed to {stamp.get('to')!r}, not to {signer!r}; "
                "only the named receiver can receive it.",
            )
        for lot_id in sorted(_lots_acted_on(signed)):
            if lot_id not in self.state.lots and outcome.code == "lot.unknown" and lot_id in self.claims:
                return Rejected(
                    "custody.not_custodian",
                    f"Lot {lot_id!r} exists but is not held by {signer!r}; only its custodian can act on it.",
                )
        return outcome

    def _outputs(self, signed: SignedEvent, outcome: Outcome, sender: str | None = None) -> list[Emit]:
        if isinstance(outcome, Duplicate):
            return []
        if isinstance(outcome, Rejected):
            return [_rejected(signed.id, signed.raw, outcome.code, outcome.detail), *self._refusal_notice(signed)]
        assert isinstance(outcome, Accepted)
        self.dirty.seen.add(signed.id)
        for lot in created_lots(signed):
            self.claims[lot] = signed.id
            self.dirty.claims[lot] = signed.id
        lots: list[Lot] = []
        for change in outcome.changes:
            if isinstance(change, PutLot):
                lots.append(change.lot)
                self.dirty.lots.add(change.lot.lot)
            elif isinstance(change, PutTally):
                self.dirty.tallies.add(change.key)
        emits = [
            Emit(
                "accepted",
                signed.id,
                {
                    "event": signed.raw,
                    "digest": signed.digest.hex(),
                    "registry_position": self.registry_position,
                    "findings": [f.to_json() for f in outcome.findings],
                    "lots": [lot.to_json() for lot in lots],
                    "partition": self.partition,
                    "decided_at": utc_now(),
                },
            )
        ]
        emits.extend(self._handoffs(signed, lots))
        emits.extend(self._receipt_notice(signed, lots, sender))
        return emits

    def _receipt_notice(self, signed: SignedEvent, lots: Sequence[Lot], sender: str | None) -> list[Emit]:
        """Tell the sender's partition that the lot arrived, so the copy it kept stops saying "in transit"."""
        event = signed.event
        if not isinstance(event, LotReceivedEvent):
            return []
        lot = next(lot for lot in lots if lot.lot == event.data.lot)
        if sender is None or self._partition_of(sender) == self.partition:
            return []
        record = {"kind": "receipt_notice", "lot": lot.lot, "shipment": event.data.shipment, "state": lot.to_json()}
        return [Emit("inbound", sender, record)]

    def _handoffs(self, signed: SignedEvent, lots: Sequence[Lot]) -> list[Emit]:
        if not isinstance(signed.event, LotShippedEvent):
            return []
        receiver = signed.event.data.to
        if self._partition_of(receiver) == self.partition:
            return []
        lot = next(lot for lot in lots if lot.lot == signed.event.subject)
        assert lot.shipment is not None
        record = {
            "kind": "handoff",
            "lot": lot.lot,
            "shipment": lot.shipment.shipment,
            "to": receiver,
            "state": lot.to_json(),
            "event_id": signed.id,
        }
        return [Emit("inbound", receiver, record)]

    def _refusal_notice(self, signed: SignedEvent) -> list[Emit]:
        """Tell the receiver's partition that a refused shipment's hand-off will never come."""
        event = signed.event
        if not isinstance(event, LotShippedEvent) or self._partition_of(event.data.to) == self.partition:
            return []
        record = {
            "kind": "handoff_refused",
            "lot": event.data.lot,
            "shipment": event.data.shipment,
            "to": event.data.to,
            "event_id": signed.id,
        }
        return [Emit("inbound", event.data.to, record)]

    # -- hand-offs and parking ------------------------------------------------------------------------------
    def _must_park(self, signed: SignedEvent, record: dict[str, Any]) -> str | None:
        """The lot this event must wait for, if a hand-off for it may still come."""
        queue = self.parking.key_for(_lots_acted_on(signed))
        if queue is not None:
            return queue
        event = signed.event
        if isinstance(event, LotReceivedEvent) and not self._holds_current(event.data.lot):
            return event.data.lot if self._handoff_may_come(event, record) else None
        return None

    def _handoff_may_come(self, event: LotReceivedEvent, record: dict[str, Any]) -> bool:
        """A hand-off only comes for a shipment the gateway saw, addressed to this signer, and not refused since."""
        if "shipment" not in record:  # a record from before the gateway stamped shipments: wait, as then
            return True
        stamp = record["shipment"]
        return (
            isinstance(stamp, dict)
            and stamp.get("to") == event.signer
            and self.shipment_marks.get(event.data.shipment) != "refused"
        )

    def _receipt_noticed(self, record: dict[str, Any]) -> list[Emit]:
        """The receiver took the lot: the copy left here now says who holds it (if nothing newer is here)."""
        local = self.state.lots.get(record["lot"])
        shipment = local.shipment if local is not None else None
        if local is not None and local.status == "in_transit" and shipment and shipment.shipment == record["shipment"]:
            self.state.lots[record["lot"]] = lot_from_json(record["state"])
            self.dirty.lots.add(record["lot"])
        return []

    def _handoff_refused(self, record: dict[str, Any]) -> list[Emit]:
        """The sender's partition refused a shipment: decide the receipts that were waiting for it."""
        lot_id, shipment = record["lot"], record["shipment"]
        self.shipment_marks[shipment] = "refused"
        self.dirty.marks.add(shipment)
        released = self.parking.release(
            lot_id, lambda r: r.get("event", {}).get("data", {}).get("shipment") == shipment
        )
        if not released:
            return []
        self.dirty.parked.add(lot_id)
        emits: list[Emit] = []
        for parked in released:
            emits.extend(self.process(parked))
        return emits

    def _holds_current(self, lot_id: str) -> bool:
        """Whether this partition has the lot's current state: it is here, or on its way here.

        A copy whose holder (or, in transit, receiver) lives in another partition was left behind when the lot
        left; it tells what this partition last knew, not what the lot is now.
        """
        local = self.state.lots.get(lot_id)
        if local is None:
            return False
        owner = local.shipment.to if local.status == "in_transit" and local.shipment is not None else local.custodian
        return owner is None or self._partition_of(owner) == self.partition

    def _handoff(self, record: dict[str, Any]) -> list[Emit]:
        lot_id, shipment = record["lot"], record["shipment"]
        if self.shipment_marks.get(shipment) != "handed_over":  # a redelivered hand-off changes nothing
            self.state.lots[lot_id] = lot_from_json(record["state"])
            self.dirty.lots.add(lot_id)
            self.shipment_marks[shipment] = "handed_over"
            self.dirty.marks.add(shipment)
        waiting = self.parking.release(lot_id)
        if waiting:
            self.dirty.parked.add(lot_id)
        emits: list[Emit] = []
        for parked in waiting:
            emits.extend(self.process(parked))
        return emits

    def _expire_parked(self, record: dict[str, Any]) -> list[Emit]:
        """Decide parked events older than the receipt window, measured in this partition's event time."""
        if not self.parking:
            return []
        now = record_time(record)
        if now is None:
            return []
        emits: list[Emit] = []
        for lot in self.parking.expired(now, self.policy.receipt_window_seconds):
            self.dirty.parked.add(lot)
            for parked in self.parking.release(lot):
                emits.extend(self._decide(decode_parsed(parked["event"]), parked))
        return emits


def _sender_before(lot: Lot | None) -> str | None:
    """Who sent a lot that is in transit (before its receipt is applied)."""
    return lot.shipment.sender if lot is not None and lot.shipment is not None else None


def _lots_acted_on(signed: SignedEvent) -> set[str]:
    if isinstance(signed.event, LotTransformedEvent):
        return set(signed.event.data.inputs)
    if signed.event.type.startswith("lot.") and signed.event.type != "lot.extracted":
        return {signed.event.subject}
    return set()


def _rejected(event_id: str, event: dict[str, Any] | None, code: str, detail: str) -> Emit:
    return Emit(
        "rejected",
        event_id,
        {"event": event, "raw": None, "code": code, "detail": detail, "decided_at": utc_now(), "by": "custody"},
    )
