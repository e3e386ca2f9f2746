"""One error hierarchy for the kernel: every refusal has a stable code and a sentence a person can act on.

`GoldtraceError(code, detail)` is the root. Decoding refusals are `DecodeError`s whose codes are listed in
`DECODE_CODES`. Signature and key refusals are `SignatureError`s; each kind has its own subclass with a
stable `CODE` and a default sentence, so callers raise `UnknownKeyError()` or
`UnknownKeyError("Key k:1 of coop-1 was never registered.")` and handlers can catch the kind they care about.
"""

from __future__ import annotations

from typing import ClassVar, Final


class GoldtraceError(Exception):
    """Root of every goldtrace error: `code` is stable and machine-readable, `detail` is for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def as_json(self) -> dict[str, str]:
        """The error as the HTTP body `{"error": code, "detail": sentence}`."""
        return {"error": self.code, "detail": self.detail}


class DecodeError(GoldtraceError):
    """The bytes are not a well-formed v1 event (size, encoding, JSON, schema)."""


# Every code a DecodeError may carry, with what it means.
DECODE_CODES: Final[dict[str, str]] = {
    "event.too_large": "the event's JSON is longer than 64 KiB",
    "event.invalid_utf8": "the bytes are not valid UTF-8",
    "event.malformed_json": "the text is not JSON",
    "event.lone_surrogate": "a string holds a \\uD800-\\uDFFF escape that is not part of a surrogate pair",
    "event.duplicate_key": "an object names the same member twice",
    "event.non_finite_number": "NaN or Infinity appears (not JSON, and never allowed)",
    "event.float": "a number has a fraction or exponent; events carry integers only",
    "event.integer_out_of_range": "an integer lies outside the I-JSON safe range |n| <= 2^53-1",
    "event.too_deep": "objects and arrays are nested deeper than an event ever needs",
    "event.null_value": "a member is null; optional members are omitted, never null",
    "event.not_object": "the JSON value is not an object",
    "event.schema": "the object does not match the v1 contract of its type",
    "event.unsigned": "the event has no signature",
    "batch.not_array": "a batch is not a JSON array",
    "batch.too_large": "a batch is longer than the batch byte limit",
    "batch.too_many_events": "a batch holds more events than the batch limit",
}


class SignatureError(GoldtraceError):
    """The signature does not verify, or the key behind it cannot be used."""


class SignatureKindError(SignatureError):
    """A SignatureError of one fixed kind: its code is `CODE`, its sentence defaults to `SENTENCE`."""

    CODE: ClassVar[str]
    SENTENCE: ClassVar[str]

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(self.CODE, detail or self.SENTENCE)


class MalformedKeyError(SignatureKindError):
    """The public key is not a raw 32-byte Ed25519 key in canonical base64url."""

    CODE = "key.malformed"
    SENTENCE = "The public key is not 32 bytes of base64url without padding; re-export the raw Ed25519 key."


class UnknownKeyError(SignatureKindError):
    """The event names a `keyid` that was never registered for its signer."""

    CODE = "key.unknown"
    SENTENCE = "The event's keyid was never registered; register the key with participant.key_added first."


class RevokedKeyError(SignatureKindError):
    """The key was revoked before the event was logged."""

    CODE = "key.revoked"
    SENTENCE = "The key that signed the event was revoked; sign again with a key that is still valid."


class WrongParticipantError(SignatureKindError):
    """The key is registered, but to a participant other than the event's `source`."""

    CODE = "key.wrong_participant"
    SENTENCE = "The keyid belongs to another participant than the event's source; sign with one of your own keys."


class MalformedSignatureError(SignatureKindError):
    """The `signature` is not 64 bytes in canonical base64url."""

    CODE = "signature.malformed"
    SENTENCE = "The signature is not 64 bytes of base64url without padding; sign the event again."


class BadSignatureError(SignatureKindError):
    """The Ed25519 signature does not hold over the event's canonical bytes."""

    CODE = "signature.invalid"
    SENTENCE = "The signature does not match the event: it was changed after signing or signed with another key."


SIGNATURE_ERRORS: Final[tuple[type[SignatureKindError], ...]] = (
    MalformedKeyError,
    UnknownKeyError,
    RevokedKeyError,
    WrongParticipantError,
    MalformedSignatureError,
    BadSignatureError,
)


class KeyFileError(GoldtraceError):
    """A private-key file cannot be written or read (exists already, unreadable, not an Ed25519 PEM key)."""


KEY_FILE_CODES: Final[dict[str, str]] = {
    "keyfile.exists": "the file to write a new key to exists already; keys are never overwritten",
    "keyfile.unwritable": "the key file could not be created",
    "keyfile.unreadable": "the key file could not be read",
    "keyfile.not_ed25519": "the file is not an unencrypted PKCS#8 PEM Ed25519 private key",
}
