"""The provenance bundle (format `goldtrace.bundle/v1`): one JSON file that proves a lot's provenance offline.

    {
      "format": "goldtrace.bundle/v1",
      "lot": "<lot id>",
      "anchor": {"authority", "keyid", "public_key", "log_keyid", "signature"},   # events/anchor.py
      "tree_head": {"tree_size", "root_hash", "timestamp", "keyid", "signature"},  # events/treehead.py
      "entries": [{"leaf_index", "registry_position", "event", "inclusion_proof"}]  # by leaf_index, ascending
    }

The entries are the accepted events of the lot's verdict (`events.verdict.lot_verdict(...).events`): its
upstream custody events and the registry events they depend on. Each entry's leaf
(`events.log_entry.event_log_leaf_hash(digest, registry_position)`) is at `leaf_index` of the log whose signed
head is `tree_head`, as `inclusion_proof` (RFC 9162) shows. `log_order` gives the order the processor decided
them in; `events.bundle_verify.verify_bundle` checks a bundle step by step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Final, Literal, Protocol, TypeVar

import orjson
from pydantic import Field, WithJsonSchema

from events.custody.registry import TrustAnchor
from events.log_entry import MAX_REGISTRY_POSITION
from events.model.envelope import Signature
from events.model.types import Id, PublicKeyB64, Sha256Hex, Strict
from events.treehead import MAX_TREE_SIZE, SignedTreeHead

BUNDLE_FORMAT: Final = "goldtrace.bundle/v1"
MAX_BUNDLE_BYTES: Final = 32 * 1024 * 1024
MAX_BUNDLE_ENTRIES: Final = 20_000
MAX_PROOF_HASHES: Final = 64  # a proof of a tree of at most 2^63 - 1 leaves has at most 63 hashes
REGISTRY_PREFIXES: Final = ("participant.", "mine.", "certificate.")
EVENT_SCHEMA_ID: Final = "urn:goldtrace:contract:v1:event"

LogPosition = tuple[int, int, int]


class AnchorStatement(Strict):
    """The registry's root of trust as the log key vouches for it (events/anchor.py `anchor_json`)."""

    authority: Id
    keyid: Id
    public_key: PublicKeyB64
    log_keyid: Id
    signature: Signature

    @property
    def trust_anchor(self) -> TrustAnchor:
        """The trust anchor the statement names (trust it only once `events.anchor.verify_anchor` passed)."""
        return TrustAnchor(self.authority, self.keyid, self.public_key)


# The signed event exactly as logged. The published schema refers to the v1 event contract by its `$id`
# (events/contracts_gen.py puts `{"$ref": EVENT_SCHEMA_ID}` here; pydantic resolves only its own references).
LoggedEvent = Annotated[
    dict[str, Any],
    WithJsonSchema({"type": "object", "description": "The signed v1 event exactly as logged."}),
]


class BundleEntry(Strict):
    """One accepted event with its place in the log and the proof that it is there."""

    leaf_index: Annotated[int, Field(ge=0, le=MAX_TREE_SIZE - 1)]
    registry_position: Annotated[int, Field(ge=0, le=MAX_REGISTRY_POSITION)]
    event: LoggedEvent
    inclusion_proof: Annotated[list[Sha256Hex], Field(max_length=MAX_PROOF_HASHES)]

    @property
    def event_type(self) -> str:
        """The event's `type` (empty when the event has none: it then fails decoding anyway)."""
        found = self.event.get("type")
        return found if isinstance(found, str) else ""

    @property
    def event_id(self) -> str:
        """The event's `id` as written (empty when it has none)."""
        found = self.event.get("id")
        return found if isinstance(found, str) else ""


class Bundle(Strict):
    """A provenance bundle: the lot, the trust anchor statement, one signed tree head and the logged events."""

    format: Literal["goldtrace.bundle/v1"]
    lot: Id
    anchor: AnchorStatement
    tree_head: SignedTreeHead
    entries: Annotated[list[BundleEntry], Field(max_length=MAX_BUNDLE_ENTRIES)]


class Logged(Protocol):
    """Anything placed in the log: its leaf index, the registry position it was decided at and its event type."""

    @property
    def leaf_index(self) -> int:
        """The leaf index in the transparency log."""

    @property
    def registry_position(self) -> int:
        """The registry offset of a registry event; the position a custody event was decided at."""

    @property
    def event_type(self) -> str:
        """The event type, e.g. `lot.shipped`."""


_LoggedT = TypeVar("_LoggedT", bound=Logged)


def is_registry_type(event_type: str) -> bool:
    """Whether events of this type go to the registry topic (participants, mines, certificates)."""
    return event_type.startswith(REGISTRY_PREFIXES)


def log_position(event_type: str, registry_position: int, leaf_index: int) -> LogPosition:
    """The sort key of the decision order: registry offset r -> (r + 1, 0, .), custody at n -> (n, 1, leaf)."""
    if is_registry_type(event_type):
        return (registry_position + 1, 0, leaf_index)
    return (registry_position, 1, leaf_index)


def log_order(entries: Iterable[_LoggedT]) -> list[_LoggedT]:
    """The entries in the order the processor decided them (services/README.md, "Why two inbound topics")."""
    return sorted(entries, key=lambda e: log_position(e.event_type, e.registry_position, e.leaf_index))


def anchor_statement(anchor: TrustAnchor, log_keyid: str, signature: str) -> AnchorStatement:
    """The anchor statement of a trust anchor and the log key's signature over it (events/anchor.py)."""
    return AnchorStatement(
        authority=anchor.participant,
        keyid=anchor.keyid,
        public_key=anchor.public_key,
        log_keyid=log_keyid,
        signature=signature,
    )


def bundle_entry(
    leaf_index: int, registry_position: int, event: dict[str, Any], inclusion_proof: Sequence[bytes | str]
) -> BundleEntry:
    """One entry: the logged event (keys written in canonical order) and its proof (raw hashes or hex)."""
    proof = [step.hex() if isinstance(step, bytes) else step for step in inclusion_proof]
    canonical: dict[str, Any] = orjson.loads(orjson.dumps(event, option=orjson.OPT_SORT_KEYS))
    return BundleEntry(
        leaf_index=leaf_index, registry_position=registry_position, event=canonical, inclusion_proof=proof
    )


def assemble_bundle(
    lot: str, anchor: AnchorStatement, tree_head: SignedTreeHead, entries: Iterable[BundleEntry]
) -> Bundle:
    """A bundle of these entries, sorted by leaf index (validated: limits and field forms)."""
    ordered = sorted(entries, key=lambda entry: entry.leaf_index)
    return Bundle(format=BUNDLE_FORMAT, lot=lot, anchor=anchor, tree_head=tree_head, entries=ordered)


def bundle_document(bundle: Bundle) -> dict[str, Any]:
    """The bundle as a JSON-able object, members in the documented order."""
    return bundle.model_dump()


def bundle_json(bundle: Bundle) -> bytes:
    """The bundle as compact UTF-8 JSON bytes, the form served and saved."""
    return orjson.dumps(bundle_document(bundle))
