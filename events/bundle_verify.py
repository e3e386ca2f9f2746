"""Verify a provenance bundle offline, trusting only the platform's log public key. Pure: no I/O.

Numbered steps; the first three stop at their failure, step 4 reports every entry that fails:

1. parse: size limits, JSON, duplicate members, format, schema, entries sorted by leaf index (bundle_parse.py);
2. the tree head's signature under the log key (events/treehead.py);
3. the anchor statement under the same log key (events/anchor.py): it names the registry's trust anchor;
4. per entry: the event decodes, its digest and registry position give its leaf (events/log_entry.py), and the
   inclusion proof leads from that leaf at its index to the signed root (events/merkle.py);
5. replay the events in log order (`events.bundle.log_order`) from the anchor through the processor's fold
   (signatures, keys valid at each event's registry position, every custody rule) and take the lot's verdict
   (`events.verdict.lot_verdict`); every entry must be accepted and part of the lot's provenance;
6. the lot is verified only when every step passed and the verdict is verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from events.anchor import AnchorSignatureError, verify_anchor
from events.bundle import Bundle, BundleEntry, log_order
from events.bundle_parse import BundleError, parse_bundle
from events.codec import SignedEvent, decode_object
from events.custody.replay import replay
from events.errors import DecodeError
from events.log_entry import event_log_leaf_hash
from events.merkle import IndexOutOfRangeError, LogError, verify_inclusion
from events.treehead import verify_tree_head
from events.verdict import LotVerdict, lot_verdict, refusal_reason

STEPS: Final = ("parse", "tree head", "anchor", "inclusion", "replay", "verdict")
MAX_ENTRIES_NAMED: Final = 3


@dataclass(frozen=True, slots=True)
class BundleFailure:
    """One reason a bundle does not verify: code, sentence, the step (1-6) and the entry it concerns, if any."""

    code: str
    detail: str
    step: int
    entry: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The failure as a JSON-able dict."""
        return {"code": self.code, "detail": self.detail, "step": self.step, "entry": self.entry}


@dataclass(frozen=True, slots=True)
class BundleVerdict:
    """The outcome of verifying a bundle: verified or not, why not, and the lot's verdict when step 5 ran."""

    verified: bool
    lot: str | None
    failures: tuple[BundleFailure, ...]
    verdict: LotVerdict | None
    tree_size: int | None
    entries: int
    signatures_checked: int  # signatures that verified: the tree head, the anchor and every accepted event
    steps_passed: int  # steps 1-6 passed in order before the first failure

    def to_json(self) -> dict[str, Any]:
        """The verdict as a JSON-able dict (the machine form of `goldtrace verify --json`)."""
        return {
            "verified": self.verified,
            "lot": self.lot,
            "failures": [failure.to_json() for failure in self.failures],
            "tree_size": self.tree_size,
            "entries": self.entries,
            "signatures_checked": self.signatures_checked,
            "steps_passed": self.steps_passed,
            "verdict": None if self.verdict is None else self.verdict.to_json(),
        }


def verify_bundle(
    document: bytes,
    log_public_key: Ed25519PublicKey,
    log_keyid: str | None = None,
    now: datetime | None = None,
    lot: str | None = None,
) -> BundleVerdict:
    """Verify bundle bytes against the log key (and its key id, when known), in the module's numbered steps.

    `now` adds clock-dependent findings; `lot` is the lot the caller asked about (the bundle's `lot` member is
    not signed, so a caller who knows which lot it wants says so).
    """
    bundle: Bundle | None = None
    step = 1
    try:
        bundle = parse_bundle(document)
        if lot is not None and bundle.lot != lot:
            raise BundleError(
                "bundle.lot_mismatch",
                f"The bundle proves lot {bundle.lot!r}, not the lot {lot!r} that was asked for: "
                "it is another lot's bundle.",
            )
        step = 2
        verify_tree_head(bundle.tree_head, log_public_key, log_keyid or bundle.tree_head.keyid)
        step = 3
        check_anchor(bundle, log_public_key)
    except (BundleError, LogError, AnchorSignatureError) as error:
        return _verdict(bundle, [BundleFailure(error.code, error.detail, step)], signatures=step - 1)
    signed, failures = check_entries(bundle)
    if failures:
        return _verdict(bundle, failures, signatures=2)
    verdict, failures, accepted = check_replay(bundle, signed, now)
    return _verdict(bundle, failures, signatures=2 + accepted, verdict=verdict)


def check_anchor(bundle: Bundle, log_public_key: Ed25519PublicKey) -> None:
    """Step 3: the anchor statement names the tree head's log key, and that key signed it."""
    statement = bundle.anchor
    if statement.log_keyid != bundle.tree_head.keyid:
        raise BundleError(
            "bundle.anchor_wrong_log_key",
            f"The anchor statement is vouched for by log key {statement.log_keyid!r}, but the tree head was "
            f"signed with {bundle.tree_head.keyid!r}: the bundle mixes two logs, or one of them was changed.",
        )
    verify_anchor(statement.trust_anchor, statement.log_keyid, statement.signature, log_public_key)


def check_entries(bundle: Bundle) -> tuple[list[SignedEvent], list[BundleFailure]]:
    """Step 4: decode every entry's event and check its inclusion proof against the signed root."""
    head = bundle.tree_head
    root = head.root
    signed: list[SignedEvent] = []
    failures: list[BundleFailure] = []
    for number, entry in enumerate(bundle.entries):
        where = entry_name(number, entry)
        try:
            event = decode_object(entry.event)
        except DecodeError as error:
            detail = f"{where}: the event is not a well-formed signed v1 event: {error.code}: {error.detail}"
            failures.append(BundleFailure("bundle.event_malformed", detail, 4, number))
            continue
        signed.append(event)
        leaf = event_log_leaf_hash(event.digest, entry.registry_position)
        proof = [bytes.fromhex(step) for step in entry.inclusion_proof]
        try:
            verify_inclusion(leaf, entry.leaf_index, head.tree_size, proof, root)
        except IndexOutOfRangeError:
            detail = (
                f"{where}: leaf index {entry.leaf_index} lies outside the signed tree of {head.tree_size} leaves; "
                "the index or the tree head was changed."
            )
            failures.append(BundleFailure("bundle.leaf_out_of_range", detail, 4, number))
        except LogError:
            detail = (
                f"{where}: its inclusion proof does not lead to the signed root: the event, its registry position "
                f"({entry.registry_position}), its leaf index ({entry.leaf_index}) or the proof was changed."
            )
            failures.append(BundleFailure("bundle.inclusion_invalid", detail, 4, number))
    return signed, failures


def check_replay(
    bundle: Bundle, signed: list[SignedEvent], now: datetime | None
) -> tuple[LotVerdict, list[BundleFailure], int]:
    """Steps 5 and 6: replay in log order from the anchor; the lot's verdict, what spoils it, events accepted."""
    numbered = dict(zip((id(event) for event in signed), range(len(signed)), strict=True))
    ordered = log_order(_Placed(entry, event) for entry, event in zip(bundle.entries, signed, strict=True))
    replayed = replay([placed.signed for placed in ordered], bundle.anchor.trust_anchor)
    verdict = lot_verdict(replayed, bundle.lot, now=now)
    failures: list[BundleFailure] = []
    judged = {record.event_id for record in verdict.events}
    unrelated: list[int] = []
    for placed, record in zip(ordered, replayed.records, strict=True):
        number = numbered[id(placed.signed)]
        if record.event_id not in judged:
            unrelated.append(number)
        elif record.outcome != "accepted" and refusal_reason(record) not in verdict.reasons:
            why = record.outcome if record.code is None else f"{record.outcome}: {record.code}: {record.detail}"
            detail = (
                f"{entry_name(number, placed.entry)} was logged, but the replay does not accept it ({why}); "
                "the log and the rules disagree."
            )
            failures.append(BundleFailure("bundle.entry_refused", detail, 5, number))
    if unrelated:
        failures.insert(0, _unrelated(bundle, sorted(unrelated)))
    failures += [BundleFailure(reason.code, reason.detail, 6) for reason in verdict.reasons]
    accepted = sum(record.outcome == "accepted" for record in replayed.records)
    return verdict, failures, accepted


def _unrelated(bundle: Bundle, numbers: list[int]) -> BundleFailure:
    """One failure for the entries the lot's provenance does not need (the first few named)."""
    named = ", ".join(entry_name(n, bundle.entries[n]) for n in numbers[:MAX_ENTRIES_NAMED])
    more = len(numbers) - MAX_ENTRIES_NAMED
    which = named + (f" and {more} more" if more > 0 else "")
    detail = (
        f"{len(numbers)} of {len(bundle.entries)} entries are not part of lot {bundle.lot!r}'s provenance: {which}. "
        "The bundle names another lot than its entries prove, or entries were added."
    )
    return BundleFailure("bundle.entry_unrelated", detail, 5, numbers[0])


@dataclass(frozen=True, slots=True)
class _Placed:
    """An entry with its decoded event, in the shape `log_order` sorts."""

    entry: BundleEntry
    signed: SignedEvent

    @property
    def leaf_index(self) -> int:
        """The entry's leaf index."""
        return self.entry.leaf_index

    @property
    def registry_position(self) -> int:
        """The entry's registry position."""
        return self.entry.registry_position

    @property
    def event_type(self) -> str:
        """The decoded event's type."""
        return self.signed.event.type


def entry_name(number: int, entry: BundleEntry) -> str:
    """How a sentence names an entry: `entry 7 (event 'evt-x', lot.shipped)`."""
    return f"entry {number} (event {entry.event_id!r}, {entry.event_type or 'no type'})"


def _verdict(
    bundle: Bundle | None, failures: list[BundleFailure], signatures: int, verdict: LotVerdict | None = None
) -> BundleVerdict:
    return BundleVerdict(
        verified=not failures and verdict is not None and verdict.verified,
        lot=None if bundle is None else bundle.lot,
        failures=tuple(failures),
        verdict=verdict,
        tree_size=None if bundle is None else bundle.tree_head.tree_size,
        entries=0 if bundle is None else len(bundle.entries),
        signatures_checked=signatures,
        steps_passed=min((failure.step for failure in failures), default=len(STEPS) + 1) - 1,
    )
