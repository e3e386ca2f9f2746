"""Registry state, needed by every worker: participants and their roles, keys, mines and certificates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

CertificateStatus = Literal["active", "suspended", "withdrawn"]

# Roles that may hold gold: only they can act on lots or be named as a shipment's receiver.
CUSTODY_ROLES: Final = frozenset({"asmo", "trader", "refiner", "manufacturer", "assayer"})


@dataclass(frozen=True, slots=True)
class TrustAnchor:
    """The only configured trust: the platform authority's participant id and one of its public keys."""

    participant: str
    keyid: str
    public_key: str


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """A group of miners inside an ASMO, counted by gender (aggregates only, never names)."""

    kind: str
    women: int
    men: int


@dataclass(frozen=True, slots=True)
class Participant:
    """A registered participant: its roles and, for an ASMO, its member counts and groups."""

    participant: str
    roles: frozenset[str]
    members_women: int | None = None
    members_men: int | None = None
    groups: dict[str, GroupCounts] = field(default_factory=dict)

    @property
    def holds_gold(self) -> bool:
        """Whether one of the participant's roles may take custody of gold."""
        return not self.roles.isdisjoint(CUSTODY_ROLES)

    @property
    def members(self) -> int | None:
        """Number of members (women and men), when the ASMO declared them."""
        if self.members_women is None or self.members_men is None:
            return None
        return self.members_women + self.members_men


@dataclass(frozen=True, slots=True)
class Key:
    """A participant's public key; `revoked_by` names the event that revoked it (from then on it is invalid)."""

    keyid: str
    participant: str
    public_key: str
    revoked_by: str | None = None


@dataclass(frozen=True, slots=True)
class Mine:
    """A registered mine, the ASMO operating it and its declared monthly fine-gold capacity."""

    mine: str
    operator: str
    capacity_mg_per_month: int


@dataclass(frozen=True, slots=True)
class Certificate:
    """A Fairmined certificate of a holder for some mines, its validity period (ns since epoch) and status."""

    certificate: str
    issuer: str
    holder: str
    standard: str
    mines: frozenset[str]
    valid_from: str
    valid_until: str
    valid_from_ns: int
    valid_until_ns: int
    status: CertificateStatus = "active"


@dataclass(slots=True)
class Registry:
    """Who may sign what: the authority anchor, participants, keys (by keyid), mines and certificates."""

    authority: str
    participants: dict[str, Participant] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    mines: dict[str, Mine] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)

    @classmethod
    def from_anchor(cls, anchor: TrustAnchor) -> Registry:
        """A registry that trusts only the authority's anchor key."""
        key = Key(anchor.keyid, anchor.participant, anchor.public_key)
        return cls(authority=anchor.participant, keys={anchor.keyid: key})

    def holds_role(self, participant: str, role: str) -> bool:
        """Whether a participant holds a role (the anchor participant always holds `authority`)."""
        if role == "authority" and participant == self.authority:
            return True
        found = self.participants.get(participant)
        return found is not None and role in found.roles

    def may_hold_gold(self, participant: str) -> bool:
        """Whether a participant holds a role that may take custody of gold."""
        found = self.participants.get(participant)
        return found is not None and found.holds_gold
