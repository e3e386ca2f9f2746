"""Step 1: the signature holds under a registered, unrevoked key of the event's `source`."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature

from events.codec import SignedEvent
from events.custody.registry import Key, Registry
from events.errors import RevokedKeyError, SignatureError, UnknownKeyError, WrongParticipantError
from events.model.envelope import ParticipantKeyAddedEvent, ParticipantRegisteredEvent
from events.signing import b64url_decode, load_public_key, verify_event


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


def check_signature(registry: Registry, signed: SignedEvent, verified_key: str | None = None) -> Key:
    """Verify the event's Ed25519 signature under its signer's key; raise a SignatureError if it does not hold.

    `verified_key` is the public key `verify_signatures` already checked the signature under, if any: the
    Ed25519 check is then skipped when it is the key this position of the log names.
    """
    event = signed.event
    key = signing_key(registry, event.signer, event.keyid)
    if verified_key != key.public_key:
        verify_event(signed, load_public_key(key.public_key))
    return key


def verify_signatures(registry: Registry, batch: Sequence[SignedEvent]) -> list[str | None]:
    """Ed25519-check a batch before deciding it: per event, the public key its signature holds under, or None.

    Key ids are never reused, so a signature that holds under a key id's public key holds at every position of
    the log; whether the key is registered and unrevoked *at the event's position* is still `decide`'s check
    (it skips only the Ed25519 step, and only when the key the log names is this very public key). Keys the
    batch itself registers are tried too. None (unknown key, bad signature) leaves the whole check to `decide`,
    which names the failure. Checking a batch in one pass keeps the Ed25519 code hot in the CPU's caches.
    """
    declared = keys_declared(batch)
    keys = registry.keys
    verified: list[str | None] = []
    for signed in batch:
        event = signed.event
        key = keys.get(event.keyid) or declared.get(event.keyid)
        public_key = None
        if key is not None and key.participant == event.signer:
            try:  # verify_event's steps, inlined: this loop runs once per event
                load_public_key(key.public_key).verify(b64url_decode(event.signature or ""), signed.signing_input)
            except (SignatureError, InvalidSignature, ValueError):
                pass
            else:
                public_key = key.public_key
        verified.append(public_key)
    return verified


def keys_declared(batch: Sequence[SignedEvent]) -> dict[str, Key]:
    """Keys that registry events of a batch register (whether or not they will be accepted)."""
    declared: dict[str, Key] = {}
    for signed in batch:
        event = signed.event
        # `type(...) is`: isinstance on a pydantic model class is slower, and these classes have no subclasses.
        if type(event) is ParticipantRegisteredEvent:
            for entry in event.data.keys:
                declared[entry.keyid] = Key(entry.keyid, event.data.participant, entry.public_key)
        elif type(event) is ParticipantKeyAddedEvent:
            declared[event.data.keyid] = Key(event.data.keyid, event.data.participant, event.data.public_key)
    return declared
