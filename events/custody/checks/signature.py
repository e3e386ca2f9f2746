"""Step 1: the signature holds under a registered, unrevoked key of the event's `source`."""

from __future__ import annotations

from events.codec import SignedEvent
from events.custody.registry import Key, Registry
from events.errors import RevokedKeyError, UnknownKeyError, WrongParticipantError
from events.signing import load_public_key, verify_event


def signing_key(registry: Registry, signer: str, keyid: str) -> Key:
    """The key that must have signed: registered, belonging to the signer, and not revoked at this point of the log."""
    key = registry.keys.get(keyid)
    if key is None:
        raise UnknownKeyError(
            f"Key {keyid!r} is not registered; ask the authority to register it for {signer!r} "
            "(participant.registered or participant.key_added) before signing with it."
        )
    if key.participant != signer:
        raise WrongParticipantError(
            f"Key {keyid!r} belongs to {key.participant!r}, not to the event's source {signer!r}; "
            "sign with one of your own keys."
        )
    if key.revoked_by is not None:
        raise RevokedKeyError(
            f"Key {keyid!r} of {signer!r} was revoked by event {key.revoked_by!r} before this event was logged; "
            "sign again with a key that is still valid."
        )
    return key


def check_signature(registry: Registry, signed: SignedEvent) -> Key:
    """Verify the event's Ed25519 signature under its signer's key; raise a SignatureError if it does not hold."""
    event = signed.event
    key = signing_key(registry, event.signer, event.keyid)
    verify_event(signed, load_public_key(key.public_key))
    return key
