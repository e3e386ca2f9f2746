"""The custody rules as a pure fold: `decide` reads the state and returns an outcome, `evolve` applies it.

Checks run as numbered steps, the first failure wins:

0. exact duplicate: the same id with the same digest was accepted before -> Duplicate (no effect). This comes
   first because equal digests mean the very bytes already verified: a redelivery must not turn into a
   rejection because the key was revoked since.
1. signature: under a key of `source`, registered and not revoked at this point of the log.
2. id conflict: the id was accepted before with another digest -> rejected.
3. role: the signer holds the role the event type needs.
4. the rules of the event type (registry, custody, certificates, gold balance), then findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, Final

from events.codec import SignedEvent
from events.custody import decide_lots, decide_registry, decide_transform
from events.custody.checks.roles import check_role
from events.custody.checks.signature import check_signature, verify_signatures
from events.custody.outcome import (
    Accepted,
    Change,
    Decision,
    DueReport,
    Duplicate,
    Outcome,
    PutCertificate,
    PutKey,
    PutLot,
    PutMine,
    PutParticipant,
    PutTally,
    Rejected,
)
from events.custody.policy import DEFAULT_POLICY, Policy
from events.custody.refusal import CustodyError
from events.custody.state import State
from events.errors import SignatureError

FOLD_BATCH: Final = 256  # events whose signatures `fold` checks in one pass before deciding them

Handler = Callable[[State, Any, str, Policy], Decision]
"""A decision per event type: (state, event, signer's participant id, policy) -> (changes, findings)."""

HANDLERS: Final[dict[str, Handler]] = {
    "participant.registered": decide_registry.participant_registered,
    "participant.key_added": decide_registry.key_added,
    "participant.key_revoked": decide_registry.key_revoked,
    "mine.registered": decide_registry.mine_registered,
    "certificate.issued": decide_registry.certificate_issued,
    "certificate.suspended": decide_registry.certificate_status,
    "certificate.reinstated": decide_registry.certificate_status,
    "certificate.withdrawn": decide_registry.certificate_status,
    "lot.extracted": decide_lots.lot_extracted,
    "lot.assayed": decide_lots.lot_assayed,
    "lot.shipped": decide_lots.lot_shipped,
    "lot.received": decide_lots.lot_received,
    "lot.transformed": decide_transform.lot_transformed,
    "lot.exported": decide_lots.lot_exported,
}


def decide(
    state: State, signed: SignedEvent, policy: Policy = DEFAULT_POLICY, *, verified_key: str | None = None
) -> Outcome:
    """The outcome of one event against the state; never changes the state.

    `verified_key`: the public key `verify_signatures` found the signature to hold under (skips the Ed25519
    check when it is the key of the event's keyid; every other check still runs).
    """
    event = signed.event
    event_id, event_type = event.id, event.type  # read once: a model's attributes cost more than locals
    known = state.seen.get(event_id)
    if known == signed.digest:
        return Duplicate(event_id)
    try:
        signer = check_signature(state.registry, signed, verified_key).participant  # the key is the signer's
    except SignatureError as error:
        return Rejected(error.code, error.detail)
    if known is not None:
        return Rejected(
            "event.id_conflict",
            f"Event id {event_id!r} was already used by another event with different content; "
            "give every new event a new id.",
        )
    try:
        check_role(state.registry, event_type, signer, event.subject)
        changes, findings = HANDLERS[event_type](state, event, signer, policy)
    except CustodyError as refusal:
        return Rejected(refusal.code, refusal.detail)
    return Accepted(event_id, signed.digest, tuple(findings), tuple(changes))


def evolve(state: State, outcome: Outcome | DueReport) -> None:
    """Apply an outcome to the state in place: an accepted event's changes, or a due report's markers."""
    if isinstance(outcome, Accepted):
        state.seen[outcome.event_id] = outcome.digest
        apply_changes(state, outcome.changes)
    elif isinstance(outcome, DueReport):
        apply_changes(state, outcome.changes)


def apply_changes(state: State, changes: Iterable[Change]) -> None:
    """Write each change into its part of the state."""
    registry = state.registry
    for change in changes:
        if isinstance(change, PutLot):
            state.lots[change.lot.lot] = change.lot
        elif isinstance(change, PutTally):
            state.tallies[change.key] = change.fine_mg
        elif isinstance(change, PutKey):
            registry.keys[change.key.keyid] = change.key
        elif isinstance(change, PutParticipant):
            registry.participants[change.participant.participant] = change.participant
        elif isinstance(change, PutMine):
            registry.mines[change.mine.mine] = change.mine
        elif isinstance(change, PutCertificate):
            registry.certificates[change.certificate.certificate] = change.certificate


def fold_outcomes(
    state: State, events: Iterable[SignedEvent], policy: Policy = DEFAULT_POLICY, batch: int = FOLD_BATCH
) -> Iterator[tuple[SignedEvent, Outcome]]:
    """Decide and apply each event in log order, yielding it with its outcome; signatures checked per batch."""
    stream = iter(events)
    while chunk := list(islice(stream, batch)):
        for signed, verified_key in zip(chunk, verify_signatures(state.registry, chunk), strict=True):
            outcome = decide(state, signed, policy, verified_key=verified_key)
            evolve(state, outcome)
            yield signed, outcome


def fold(state: State, events: Iterable[SignedEvent], policy: Policy = DEFAULT_POLICY) -> list[Outcome]:
    """Decide and apply each event in log order; return every outcome."""
    return [outcome for _, outcome in fold_outcomes(state, events, policy)]
