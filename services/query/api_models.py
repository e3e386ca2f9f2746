"""Response models of the buyer's API and the log API: the OpenAPI contract of what the routes answer.

Routes serialise their documents directly (orjson, no second validation on the hot path); the integration tests
validate every answer against these models, so the published contract and the answers cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from events.bundle import AnchorStatement, BundleEntry
from events.treehead import SignedTreeHead


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LotState(_Out):
    """A lot's current state as the custody processor last decided it (the `lots` projection)."""

    lot: str
    custodian: str | None = Field(description="Who holds the lot (who consumed it, once consumed); null in transit")
    status: Literal["held", "in_transit", "consumed"] | str
    lot_class: str = Field(description="fairmined-ecological, fairmined or uncertified")
    mass_mg: int
    fineness: str = Field(description="Parts per thousand, a decimal string")
    fine_mg: int | None
    state: dict[str, Any] = Field(description="The processor's full lot state (events.custody Lot.to_json)")
    last_event_id: str
    last_leaf_index: int
    updated_at: str


class ReasonOut(_Out):
    """Why a lot is not verified: a stable code and a sentence."""

    code: str
    detail: str


class FindingOut(_Out):
    """Something the auditor should look at, raised by an accepted event (or due by now)."""

    code: str
    severity: str
    event_ids: list[str]
    detail: str
    figures: dict[str, int | str]


class EventOut(_Out):
    """One event of the lot's history: who signed it, when, its digest, what the kernel decided, its log leaf."""

    id: str
    type: str
    subject: str
    signer: str
    keyid: str
    time: str
    digest: str = Field(description="SHA-256 of the canonical signed event, hex")
    outcome: Literal["accepted", "duplicate", "rejected"]
    code: str | None = Field(description="Reason code when the kernel refuses it on replay")
    detail: str | None
    findings: list[FindingOut]
    registry_position: int
    leaf_index: int
    data: dict[str, Any] = Field(description="The event's payload as signed")


class ShareOut(_Out):
    """Fine gold of the lot attributed to one origin."""

    name: str
    fine_mg: int
    share_bp: int = Field(description="Basis points of the lot's fine gold")


class ProvenanceOut(_Out):
    """Class, origins, women's share and premium of a lot, from the kernel's replay."""

    lot_class: str
    status: str
    custodian: str | None
    mass_mg: int
    fineness: str
    fine_mg: int
    mines: list[ShareOut]
    organizations: list[ShareOut]
    contributors: list[ShareOut]
    women_share_bp: int
    premium_paid_usd_cents: int
    premium_due_usd_cents: int


class RefusalOut(_Out):
    """A refused event naming a lot of the history (by subject), or claiming to make the lot itself (by outputs)."""

    event_id: str | None
    type: str
    signer: str
    subject: str
    outputs: list[str] = Field(description="The lots a refused lot.transformed claimed to make; empty for other types")
    code: str
    detail: str
    time: str | None = Field(
        description="The event's own `time` (RFC 3339 UTC, as signed); null when the refused bytes were not a "
        "readable event"
    )
    decided_at: str = Field(description="When the pipeline refused the event (RFC 3339 UTC)")


class EdgeOut(_Out):
    """A lot made by a transformation from one input lot."""

    lot: str
    input_lot: str
    event_id: str
    process: str


class GraphOut(_Out):
    """The lots of the history and the transformations between them."""

    lots: list[str]
    edges: list[EdgeOut]


class NamesOut(_Out):
    """Display names from the registry events: participants (signers of the refusals too), mines, certificates."""

    participants: dict[str, dict[str, Any]]
    mines: dict[str, dict[str, Any]]
    certificates: dict[str, dict[str, Any]]


class LotProvenance(_Out):
    """A lot's verdict with its upstream graph (services/query/provenance_reads.py `lot_provenance`)."""

    lot: str
    verified: bool
    checked_at: str
    reasons: list[ReasonOut]
    state: LotState | None
    provenance: ProvenanceOut | None
    events: list[EventOut]
    findings: list[FindingOut]
    refusals: list[RefusalOut]
    names: NamesOut
    graph: GraphOut


class BundleOut(_Out):
    """A provenance bundle (format goldtrace.bundle/v1, events/bundle.py): verify it with `goldtrace verify`."""

    format: Literal["goldtrace.bundle/v1"]
    lot: str
    anchor: AnchorStatement
    tree_head: SignedTreeHead
    entries: list[BundleEntry]


class InclusionOut(_Out):
    """RFC 9162 inclusion proof of an event's leaf in the tree of `tree_size` leaves."""

    event_id: str
    leaf_index: int
    registry_position: int
    event_digest: str = Field(description="SHA-256 of the canonical signed event, hex")
    leaf_hash: str = Field(description="events.log_entry.event_log_leaf_hash(digest, registry_position), hex")
    tree_size: int
    inclusion_proof: list[str] = Field(description="Hashes from the leaf up, hex")
    tree_head: SignedTreeHead | None = Field(description="The signed head of `tree_size`, when one was signed")


class ConsistencyOut(_Out):
    """RFC 9162 consistency proof between two tree sizes."""

    first: int
    second: int
    consistency_proof: list[str] = Field(description="Hashes, hex")


class LogKeyOut(_Out):
    """The transparency log's public key: the one key an offline verifier trusts."""

    algorithm: Literal["Ed25519"]
    keyid: str
    public_key: str = Field(description="Raw 32-byte Ed25519 key, base64url without padding")
    anchor: AnchorStatement | None = Field(description="The trust anchor statement the log key signed")
