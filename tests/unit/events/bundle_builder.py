"""Build a real transparency log and provenance bundles from signed events, as the ledger and query API do.

Events are given in the order the processor decided them. A registry event takes the next registry offset as
its registry position; a custody event is decided at the registry's end offset at that moment. Every event is
appended to an RFC 9162 log (optionally between filler leaves of other lots), a tree head is signed with the
log key, and a lot's bundle carries exactly the accepted events of its verdict, each with its inclusion proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.anchor import sign_anchor
from events.bundle import (
    AnchorStatement,
    Bundle,
    BundleEntry,
    anchor_statement,
    assemble_bundle,
    bundle_entry,
    bundle_json,
    is_registry_type,
    log_order,
)
from events.codec import SignedEvent
from events.custody import TrustAnchor
from events.custody.replay import replay
from events.log_entry import event_log_leaf_hash
from events.merkle import MemoryLog
from events.treehead import SignedTreeHead, make_tree_head, sign_tree_head
from events.verdict import lot_verdict
from tests.unit.events.scenario import seeded_key

LOG_KEYID = "log:1"
HEAD_TIME = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Placed:
    """A logged event: its leaf index, the registry position it was decided at, the event."""

    leaf_index: int
    registry_position: int
    signed: SignedEvent

    @property
    def event_type(self) -> str:
        """The event type."""
        return self.signed.event.type


@dataclass
class BuiltLog:
    """A log of events, its signing key and trust anchor, ready to make bundles."""

    anchor: TrustAnchor
    log_key: Ed25519PrivateKey = field(default_factory=lambda: seeded_key("log"))
    log_keyid: str = LOG_KEYID
    log: MemoryLog = field(default_factory=MemoryLog)
    placed: list[Placed] = field(default_factory=list)
    registry_end: int = 0

    @property
    def log_public_key(self) -> Ed25519PublicKey:
        """The log's public key, the only thing a verifier trusts."""
        return self.log_key.public_key()

    def append(self, events: Sequence[SignedEvent], filler_every: int = 0) -> None:
        """Log events in decision order; with `filler_every` n, n filler leaves (other lots) before each."""
        for signed in events:
            self.pad(self.log.size + filler_every)
            self.append_one(signed)

    def append_one(self, signed: SignedEvent, decided_at: int | None = None) -> Placed:
        """Log one event: a registry event at the next offset; a custody event decided at `decided_at`
        (default: the registry's end offset now)."""
        if is_registry_type(signed.event.type):
            position = self.registry_end
            self.registry_end += 1
        else:
            position = self.registry_end if decided_at is None else decided_at
        index = self.log.append_leaf_hash(event_log_leaf_hash(signed.digest, position))
        placed = Placed(index, position, signed)
        self.placed.append(placed)
        return placed

    def pad(self, size: int) -> None:
        """Filler leaves until the log holds `size` leaves."""
        while self.log.size < size:
            self.log.append_leaf_hash(hashlib.sha256(b"filler %d" % self.log.size).digest())

    def tree_head(self, tree_size: int | None = None) -> SignedTreeHead:
        """A signed head of the log now (or of its first `tree_size` leaves)."""
        size = self.log.size if tree_size is None else tree_size
        head = make_tree_head(size, self.log.root(size), HEAD_TIME, self.log_keyid)
        return sign_tree_head(head, self.log_key)

    def anchor_statement(self) -> AnchorStatement:
        """The anchor statement signed by the log key."""
        signature = sign_anchor(self.anchor, self.log_keyid, self.log_key)
        return anchor_statement(self.anchor, self.log_keyid, signature)

    def entries_of(self, lot: str) -> list[Placed]:
        """The logged events a bundle of the lot carries: the accepted events of its verdict (server side)."""
        ordered = log_order(self.placed)
        replayed = replay([placed.signed for placed in ordered], self.anchor)
        chosen = {record.event_id for record in lot_verdict(replayed, lot).events if record.outcome == "accepted"}
        return [placed for placed in self.placed if placed.signed.id in chosen]

    def entry(self, placed: Placed, tree_size: int | None = None) -> BundleEntry:
        """The bundle entry of a logged event with its inclusion proof in the head of `tree_size`."""
        size = self.log.size if tree_size is None else tree_size
        proof = self.log.inclusion_proof(placed.leaf_index, size)
        return bundle_entry(placed.leaf_index, placed.registry_position, placed.signed.raw, proof)

    def bundle(self, lot: str) -> Bundle:
        """The bundle of a lot against the current tree head."""
        entries = [self.entry(placed) for placed in self.entries_of(lot)]
        return assemble_bundle(lot, self.anchor_statement(), self.tree_head(), entries)

    def bundle_bytes(self, lot: str) -> bytes:
        """The bundle of a lot as served."""
        return bundle_json(self.bundle(lot))


def built_log(anchor: TrustAnchor, events: Sequence[SignedEvent], filler_every: int = 0) -> BuiltLog:
    """A log of these events (in decision order)."""
    log = BuiltLog(anchor)
    log.append(events, filler_every)
    return log
