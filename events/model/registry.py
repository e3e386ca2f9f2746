"""Payloads of registry events: participants, keys, mines and certificates."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic import Strict as StrictType
from pydantic.dataclasses import dataclass

from events.model.types import (
    CONTRACT,
    MAX_LIST,
    Count,
    CountryCode,
    Id,
    MassMg,
    PublicKeyB64,
    Text,
    Timestamp,
    utc_instant_ns,
)

Role = Literal["authority", "certifier", "asmo", "trader", "refiner", "manufacturer", "assayer"]
Standard = Literal["fairmined", "fairmined-ecological"]
GroupKind = Literal["pallaqueras", "bateadoras", "members", "other"]


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class KeyEntry:
    """A participant's Ed25519 public key (raw 32 bytes, base64url without padding)."""

    keyid: Id
    public_key: PublicKeyB64


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class Members:
    """Head counts of an organization's members; aggregates only, never names."""

    women: Count
    men: Count


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class Group:
    """A group of miners inside an ASMO (for example a pallaqueras association), counted by gender."""

    group: Id
    kind: GroupKind
    women: Count
    men: Count


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class ParticipantRegistered:
    """`participant.registered`: the authority admits a participant with its roles and keys."""

    participant: Id
    name: Text
    roles: Annotated[list[Role], StrictType(), Field(min_length=1, max_length=7)]
    country: CountryCode
    keys: Annotated[list[KeyEntry], StrictType(), Field(min_length=1, max_length=16)]
    members: Members | None = None
    groups: Annotated[list[Group], StrictType(), Field(max_length=MAX_LIST)] | None = None

    @model_validator(mode="after")
    def _distinct(self) -> ParticipantRegistered:
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("roles must not repeat")
        if len({k.keyid for k in self.keys}) != len(self.keys):
            raise ValueError("key ids must not repeat")
        if self.groups is not None and len({g.group for g in self.groups}) != len(self.groups):
            raise ValueError("group ids must not repeat")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class ParticipantKeyAdded:
    """`participant.key_added`: the authority adds a key to a participant."""

    participant: Id
    keyid: Id
    public_key: PublicKeyB64


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class ParticipantKeyRevoked:
    """`participant.key_revoked`: a key stops being valid from this event on."""

    participant: Id
    keyid: Id
    reason: Text


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class MineRegistered:
    """`mine.registered`: a mine operated by an ASMO, with its declared monthly fine-gold capacity."""

    mine: Id
    operator: Id
    name: Text
    region: Text
    capacity_mg_per_month: MassMg


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class CertificateIssued:
    """`certificate.issued`: a certifier certifies mines of a holder under a Fairmined standard."""

    certificate: Id
    holder: Id
    standard: Standard
    mines: Annotated[list[Id], StrictType(), Field(min_length=1, max_length=MAX_LIST)]
    valid_from: Timestamp
    valid_until: Timestamp

    @model_validator(mode="after")
    def _period(self) -> CertificateIssued:
        if utc_instant_ns(self.valid_until) <= utc_instant_ns(self.valid_from):
            raise ValueError("valid_until must be after valid_from")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class CertificateStatusChanged:
    """`certificate.suspended`, `certificate.reinstated`, `certificate.withdrawn`."""

    certificate: Id
    reason: Text
