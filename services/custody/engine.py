"""One inbound partition's decisions, pure: registry by position, parking for hand-offs, outputs to emit.

The engine holds the partition's state (a registry advanced by position, and caches of the lots, tallies and seen
ids it was given) and turns inbound records into records to emit and state to persist. It does no I/O: the
adapter loads what a batch needs before `process`, sends `emits`, then persists `dirty` with the next offset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from events.codec import SignedEvent, decode_object
from events.custody.fold import decide, evolve
from events.custody.lots import Lot, lot_from_json
from events.custody.outcome import Accepted, Duplicate, Outcome, PutLot, PutTally, Rejected
from events.custody.policy import DEFAULT_POLICY, Policy
from events.custody.registry import TrustAnchor
from events.custody.state import State, initial_state
from events.errors import DecodeError
from events.model.envelope import LotExtractedEvent, LotShippedEvent, LotTransformedEvent
from events.model.types import parse_utc
from services.common.records import utc_now

RegistrySource = Callable[[int, int], Iterable[tuple[int, SignedEvent]]]
"""Registry events with offsets in [lo, hi), in order."""

Topic = Literal["accepted", "rejected", "inbound"]


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

    def clear(self) -> None:
        """Forget everything (after a persist)."""
        self.lots.clear()
        self.tallies.clear()
        self.seen.clear()
        self.parked.clear()
        self.claims.clear()


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
    ) -> None:
        self.partition = partition
        self.policy = policy
        self._registry_source = registry_source
        self._partition_of = partition_of
        self._registry_fold = initial_state(anchor)  # registry events only; its `seen` holds registry ids
        self.registry_position = 0
        self.state = State(registry=self._registry_fold.registry)
        self.parked: dict[str, list[dict[str, Any]]] = {}
        self.claims: dict[str, str] = {}  # loaded global claims: lot id -> event id that created it
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
        self.advance_registry(self.required_position(record))
        emits = self._event(record)
        emits.extend(self._expire_parked(record))
        return emits

    def _event(self, record: dict[str, Any]) -> list[Emit]:
        try:
            signed = decode_object(record["event"])
        except DecodeError as error:
            return [_rejected(record["event"].get("id", "?"), record["event"], error.code, error.detail)]
        waiting_on = self._must_park(signed)
        if waiting_on is not None:
            self.parked.setdefault(waiting_on, []).append(record)
            self.dirty.parked.add(waiting_on)
            return []
        return self._decide(signed)

    def _decide(self, signed: SignedEvent) -> list[Emit]:
        taken = [lot for lot in created_lots(signed) if self.claims.get(lot, signed.id) != signed.id]
        if taken:
            outcome: Outcome = Rejected(
                "lot.id_reused", f"Lot id {taken[0]!r} is taken already; lot ids are never reused, choose a new one."
            )
        else:
            outcome = decide(self.state, signed, self.policy)
        evolve(self.state, outcome)
        return self._outputs(signed, outcome)

    def _outputs(self, signed: SignedEvent, outcome: Outcome) -> list[Emit]:
        if isinstance(outcome, Duplicate):
            return []
        if isinstance(outcome, Rejected):
            return [_rejected(signed.id, signed.raw, outcome.code, outcome.detail)]
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
        return emits

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

    # -- hand-offs and parking ------------------------------------------------------------------------------
    def _must_park(self, signed: SignedEvent) -> str | None:
        """The lot this event must wait for, if a hand-off for it may still come."""
        for lot in sorted(_lots_acted_on(signed)):
            if lot in self.parked:
                return lot
        if signed.event.type == "lot.received" and not self._holds_current(signed.event.subject):
            return signed.event.subject
        return None

    def _holds_current(self, lot_id: str) -> bool:
        """Whether this partition has the lot's current state (not absent, not a copy left behind on departure)."""
        local = self.state.lots.get(lot_id)
        if local is None:
            return False
        departed = local.status == "in_transit" and local.shipment is not None
        return not (departed and local.shipment is not None and self._partition_of(local.shipment.to) != self.partition)

    def _handoff(self, record: dict[str, Any]) -> list[Emit]:
        lot_id, shipment = record["lot"], record["shipment"]
        local = self.state.lots.get(lot_id)
        stale = local is not None and local.status == "in_transit" and local.shipment is not None
        if local is None or (stale and local.shipment is not None and local.shipment.shipment != shipment):
            self.state.lots[lot_id] = lot_from_json(record["state"])
            self.dirty.lots.add(lot_id)
        waiting = self.parked.pop(lot_id, [])
        if waiting:
            self.dirty.parked.add(lot_id)
        emits: list[Emit] = []
        for parked in waiting:
            emits.extend(self.process(parked))
        return emits

    def _expire_parked(self, record: dict[str, Any]) -> list[Emit]:
        """Decide parked events older than the receipt window, measured in this partition's event time."""
        now = _event_time(record)
        if now is None or not self.parked:
            return []
        emits: list[Emit] = []
        for lot in sorted(self.parked):
            first = _event_time(self.parked[lot][0])
            if first is not None and (now - first).total_seconds() > self.policy.receipt_window_seconds:
                waiting = self.parked.pop(lot)
                self.dirty.parked.add(lot)
                for parked in waiting:
                    signed = decode_object(parked["event"])
                    emits.extend(self._decide(signed))
        return emits


def _lots_acted_on(signed: SignedEvent) -> set[str]:
    if isinstance(signed.event, LotTransformedEvent):
        return set(signed.event.data.inputs)
    if signed.event.type.startswith("lot.") and signed.event.type != "lot.extracted":
        return {signed.event.subject}
    return set()


def _event_time(record: dict[str, Any]) -> Any:
    try:
        return parse_utc(record["event"]["time"])
    except (KeyError, TypeError, ValueError):
        return None


def _rejected(event_id: str, event: dict[str, Any] | None, code: str, detail: str) -> Emit:
    return Emit(
        "rejected",
        event_id,
        {"event": event, "raw": None, "code": code, "detail": detail, "decided_at": utc_now(), "by": "custody"},
    )
