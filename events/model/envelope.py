"""The CloudEvents 1.0 envelope of every v1 event, one class per event type, discriminated by `type`."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field, StringConstraints, TypeAdapter, model_validator
from pydantic import Strict as StrictType
from pydantic.dataclasses import dataclass

from events.model.custody import (
    LotAssayed,
    LotExported,
    LotExtracted,
    LotReceived,
    LotShipped,
    LotTransformed,
)
from events.model.registry import (
    CertificateIssued,
    CertificateStatusChanged,
    MineRegistered,
    ParticipantKeyAdded,
    ParticipantKeyRevoked,
    ParticipantRegistered,
)
from events.model.types import CONTRACT, ID_PATTERN, Id, Timestamp

MAX_EVENT_BYTES: Final = 64 * 1024
SOURCE_PREFIX: Final = "/participants/"
_SIGNER_AT: Final = len(SOURCE_PREFIX)

Source = Annotated[str, StrictType(), StringConstraints(pattern="^/participants/" + ID_PATTERN[1:], max_length=142)]
# 64 bytes in canonical base64url: the 86th character carries 2 bits and 4 zero bits, so only A, Q, g, w end it.
Signature = Annotated[str, StrictType(), StringConstraints(pattern=r"^[A-Za-z0-9_-]{85}[AQgw]$")]


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class Envelope:
    """Attributes shared by every event; `signature` is absent only before signing."""

    specversion: Literal["1.0"]
    id: Id
    source: Source
    subject: Id
    time: Timestamp
    datacontenttype: Literal["application/json"]
    keyid: Id
    signature: Signature | None = None

    @property
    def signer(self) -> str:
        """The participant id named by `source`."""
        return self.source[_SIGNER_AT:]


def _subject_is(expected: str, subject: str, what: str) -> None:
    if subject != expected:
        raise ValueError(f"subject must be the {what} the event is about ({expected!r})")


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class ParticipantRegisteredEvent(Envelope):
    """A signed `participant.registered` event."""

    type: Literal["participant.registered"]
    data: ParticipantRegistered

    @model_validator(mode="after")
    def _subject(self) -> ParticipantRegisteredEvent:
        _subject_is(self.data.participant, self.subject, "participant")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class ParticipantKeyAddedEvent(Envelope):
    """A signed `participant.key_added` event."""

    type: Literal["participant.key_added"]
    data: ParticipantKeyAdded

    @model_validator(mode="after")
    def _subject(self) -> ParticipantKeyAddedEvent:
        _subject_is(self.data.participant, self.subject, "participant")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class ParticipantKeyRevokedEvent(Envelope):
    """A signed `participant.key_revoked` event."""

    type: Literal["participant.key_revoked"]
    data: ParticipantKeyRevoked

    @model_validator(mode="after")
    def _subject(self) -> ParticipantKeyRevokedEvent:
        _subject_is(self.data.participant, self.subject, "participant")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class MineRegisteredEvent(Envelope):
    """A signed `mine.registered` event."""

    type: Literal["mine.registered"]
    data: MineRegistered

    @model_validator(mode="after")
    def _subject(self) -> MineRegisteredEvent:
        _subject_is(self.data.mine, self.subject, "mine")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class CertificateIssuedEvent(Envelope):
    """A signed `certificate.issued` event."""

    type: Literal["certificate.issued"]
    data: CertificateIssued

    @model_validator(mode="after")
    def _subject(self) -> CertificateIssuedEvent:
        _subject_is(self.data.certificate, self.subject, "certificate")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class CertificateStatusEvent(Envelope):
    """A signed `certificate.suspended`, `certificate.reinstated` or `certificate.withdrawn` event."""

    type: Literal["certificate.suspended", "certificate.reinstated", "certificate.withdrawn"]
    data: CertificateStatusChanged

    @model_validator(mode="after")
    def _subject(self) -> CertificateStatusEvent:
        _subject_is(self.data.certificate, self.subject, "certificate")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotExtractedEvent(Envelope):
    """A signed `lot.extracted` event."""

    type: Literal["lot.extracted"]
    data: LotExtracted

    @model_validator(mode="after")
    def _subject(self) -> LotExtractedEvent:
        _subject_is(self.data.lot, self.subject, "lot")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotAssayedEvent(Envelope):
    """A signed `lot.assayed` event."""

    type: Literal["lot.assayed"]
    data: LotAssayed

    @model_validator(mode="after")
    def _subject(self) -> LotAssayedEvent:
        _subject_is(self.data.lot, self.subject, "lot")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotShippedEvent(Envelope):
    """A signed `lot.shipped` event."""

    type: Literal["lot.shipped"]
    data: LotShipped

    @model_validator(mode="after")
    def _subject(self) -> LotShippedEvent:
        _subject_is(self.data.lot, self.subject, "lot")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotReceivedEvent(Envelope):
    """A signed `lot.received` event."""

    type: Literal["lot.received"]
    data: LotReceived

    @model_validator(mode="after")
    def _subject(self) -> LotReceivedEvent:
        _subject_is(self.data.lot, self.subject, "lot")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotTransformedEvent(Envelope):
    """A signed `lot.transformed` event; its subject is its first input lot."""

    type: Literal["lot.transformed"]
    data: LotTransformed

    @model_validator(mode="after")
    def _subject(self) -> LotTransformedEvent:
        _subject_is(self.data.inputs[0], self.subject, "first input lot")
        return self


@dataclass(frozen=True, slots=True, kw_only=True, config=CONTRACT)
class LotExportedEvent(Envelope):
    """A signed `lot.exported` event."""

    type: Literal["lot.exported"]
    data: LotExported

    @model_validator(mode="after")
    def _subject(self) -> LotExportedEvent:
        _subject_is(self.data.lot, self.subject, "lot")
        return self


Event = Annotated[
    ParticipantRegisteredEvent
    | ParticipantKeyAddedEvent
    | ParticipantKeyRevokedEvent
    | MineRegisteredEvent
    | CertificateIssuedEvent
    | CertificateStatusEvent
    | LotExtractedEvent
    | LotAssayedEvent
    | LotShippedEvent
    | LotReceivedEvent
    | LotTransformedEvent
    | LotExportedEvent,
    Field(discriminator="type"),
]

EVENT_ADAPTER: Final[TypeAdapter[Event]] = TypeAdapter(Event)

EVENT_TYPES: Final[tuple[str, ...]] = (
    "participant.registered",
    "participant.key_added",
    "participant.key_revoked",
    "mine.registered",
    "certificate.issued",
    "certificate.suspended",
    "certificate.reinstated",
    "certificate.withdrawn",
    "lot.extracted",
    "lot.assayed",
    "lot.shipped",
    "lot.received",
    "lot.transformed",
    "lot.exported",
)
