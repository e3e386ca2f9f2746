"""Signing a planned season: each event with its signer's key, as the exact bytes a gateway accepts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.canonical import canonical_bytes
from events.codec import SignedEvent, decode_event
from events.signing import sign_event
from services.demo.builder import PlannedEvent


@dataclass(frozen=True)
class SignedPlanned:
    """A planned event with its signed, decoded form (`signed.raw` is the JSON object to submit)."""

    planned: PlannedEvent
    signed: SignedEvent

    @property
    def id(self) -> str:
        """The event id."""
        return self.planned.id

    @property
    def body(self) -> bytes:
        """The signed event as RFC 8785 JSON bytes."""
        return canonical_bytes(self.signed.raw)


def sign_planned(planned: PlannedEvent, keys: Mapping[str, Ed25519PrivateKey]) -> SignedPlanned:
    """Sign one planned event with the key of its `sign_with` participant."""
    try:
        key = keys[planned.sign_with]
    except KeyError:
        raise ValueError(f"no private key for {planned.sign_with!r}") from None
    return SignedPlanned(planned, decode_event(canonical_bytes(sign_event(planned.unsigned, key))))


def sign_all(events: Sequence[PlannedEvent], keys: Mapping[str, Ed25519PrivateKey]) -> list[SignedPlanned]:
    """Sign every planned event, in order."""
    return [sign_planned(event, keys) for event in events]
