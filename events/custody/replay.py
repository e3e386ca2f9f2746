"""Replay a set of signed events through the fold, keeping every outcome and the lot graph, for verdicts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from events.codec import SignedEvent
from events.custody.fold import fold_outcomes
from events.custody.outcome import Accepted, Duplicate, Finding
from events.custody.policy import DEFAULT_POLICY, Policy
from events.custody.registry import TrustAnchor
from events.custody.state import State, initial_state
from events.model.envelope import (
    CertificateIssuedEvent,
    Event,
    LotAssayedEvent,
    LotExtractedEvent,
    LotShippedEvent,
    LotTransformedEvent,
    MineRegisteredEvent,
)

OutcomeName = Literal["accepted", "duplicate", "rejected"]


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event of the set as the fold saw it: who signed it, when, its digest, and what became of it."""

    event_id: str
    type: str
    subject: str
    signer: str
    keyid: str
    time: str
    digest: str
    outcome: OutcomeName
    code: str | None = None
    detail: str | None = None
    findings: tuple[Finding, ...] = ()
    inputs: tuple[str, ...] = ()  # the lots a transformation consumed
    refs: tuple[str, ...] = ()  # registry subjects (participants, mines, certificates) the decision read

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-able dict."""
        return {
            "id": self.event_id,
            "type": self.type,
            "subject": self.subject,
            "signer": self.signer,
            "keyid": self.keyid,
            "time": self.time,
            "digest": self.digest,
            "outcome": self.outcome,
            "code": self.code,
            "detail": self.detail,
            "findings": [finding.to_json() for finding in self.findings],
        }


@dataclass(slots=True)
class Replay:
    """The state after the fold, every event's record in log order, and which events name which lot."""

    state: State
    records: list[EventRecord] = field(default_factory=list)
    by_lot: dict[str, list[int]] = field(default_factory=dict)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_subject: dict[str, list[int]] = field(default_factory=dict)


def named_lots(event: Event) -> tuple[str, ...]:
    """The lots an event names (inputs and outputs of a transformation); none for registry events."""
    if isinstance(event, LotTransformedEvent):
        return (*event.data.inputs, *(output.lot for output in event.data.outputs))
    lot: str | None = getattr(event.data, "lot", None) if event.type.startswith("lot.") else None
    return () if lot is None else (lot,)


def registry_refs(event: Event) -> tuple[str, ...]:
    """Registry subjects besides the signer whose events decide this event (a receiver, a mine, a certificate)."""
    if isinstance(event, LotExtractedEvent):
        mine, certificate = event.data.mine, event.data.certificate
        return (mine,) if certificate is None else (mine, certificate)
    if isinstance(event, LotShippedEvent):
        return (event.data.to,)
    if isinstance(event, LotAssayedEvent):
        return (event.data.assayer,)
    if isinstance(event, CertificateIssuedEvent):
        return (event.data.holder, *event.data.mines)
    if isinstance(event, MineRegisteredEvent):
        return (event.data.operator,)
    return ()


def replay(events: Iterable[SignedEvent], anchor: TrustAnchor, policy: Policy = DEFAULT_POLICY) -> Replay:
    """Fold the events in the given order from the anchor alone, recording every outcome."""
    result = Replay(initial_state(anchor))
    for signed, outcome in fold_outcomes(result.state, events, policy):
        event = signed.event
        common = (event.id, event.type, event.subject, event.signer, event.keyid, event.time, signed.digest.hex())
        inputs = tuple(event.data.inputs) if isinstance(event, LotTransformedEvent) else ()
        refs = registry_refs(event)
        if isinstance(outcome, Accepted):
            record = EventRecord(*common, "accepted", findings=outcome.findings, inputs=inputs, refs=refs)
            if isinstance(event, LotTransformedEvent):
                for output in event.data.outputs:
                    result.parents[output.lot] = inputs
        elif isinstance(outcome, Duplicate):
            record = EventRecord(*common, "duplicate", inputs=inputs, refs=refs)
        else:
            record = EventRecord(*common, "rejected", outcome.code, outcome.detail, inputs=inputs, refs=refs)
        position = len(result.records)
        result.records.append(record)
        for lot in named_lots(event):
            result.by_lot.setdefault(lot, []).append(position)
        result.by_subject.setdefault(event.subject, []).append(position)
    return result


def upstream_lots(replay_: Replay, lot: str) -> list[str]:
    """The lot and every lot it was made from, transitively, in sorted order."""
    seen = {lot}
    stack = [lot]
    while stack:
        for parent in replay_.parents.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen)
