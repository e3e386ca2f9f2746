"""Ed25519 signing and signature verification of events.

Verification raises one named `SignatureError` subclass per kind of failure (see events/errors.py):
`MalformedKeyError` (key.malformed), `MalformedSignatureError` (signature.malformed) and
`BadSignatureError` (signature.invalid) here; the custody rules raise `UnknownKeyError`,
`RevokedKeyError` and `WrongParticipantError` when they look the key up.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.canonical import signing_input
from events.errors import BadSignatureError, MalformedKeyError, MalformedSignatureError

if TYPE_CHECKING:
    from events.codec import SignedEvent

# To the standard alphabet; the standard alphabet's own `+`, `/` and `=` become `!`, which strict decoding refuses.
_TO_STANDARD: Final = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING: Final = (b"", b"", b"==", b"=")
# The last letter of a text whose length is 2 or 3 modulo 4 carries 4 or 2 unused bits, which must be zero.
_CANONICAL_LAST: Final = ("", "", "AQgw", "AEIMQUYcgkosw048")
PUBLIC_KEY_BYTES: Final = 32
SIGNATURE_BYTES: Final = 64


def b64url_encode(raw: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode canonical base64url without padding; raise ValueError on anything else.

    Canonical means: only the 64 url-safe letters, no padding, and unused trailing bits zero, so that each
    byte string has exactly one text (a signature or key cannot be re-spelled into a different event).
    """
    spare = len(text) % 4
    if spare == 1:
        raise ValueError("not base64url without padding")
    try:  # non-ASCII text, or a letter outside the url-safe alphabet
        raw = binascii.a2b_base64(text.encode("ascii").translate(_TO_STANDARD) + _PADDING[spare], strict_mode=True)
    except ValueError as exc:
        raise ValueError("not base64url without padding") from exc
    if spare and text[-1] not in _CANONICAL_LAST[spare]:
        raise ValueError("not the canonical base64url spelling (unused bits are set)")
    return raw


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    """The raw public key of a private key, base64url without padding."""
    return b64url_encode(private_key.public_key().public_bytes_raw())


@lru_cache(maxsize=65536)
def load_public_key(public_key: str) -> Ed25519PublicKey:
    """Load a raw base64url Ed25519 public key (cached: decoding keys is not free); raise MalformedKeyError."""
    try:
        raw = b64url_decode(public_key)
    except ValueError as exc:
        raise MalformedKeyError() from exc
    if len(raw) != PUBLIC_KEY_BYTES:
        raise MalformedKeyError(f"The public key is {len(raw)} bytes; an Ed25519 key is 32 raw bytes in base64url.")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise MalformedKeyError() from exc


def sign_bytes(message: bytes, private_key: Ed25519PrivateKey) -> str:
    """The Ed25519 signature of `message`, base64url without padding."""
    return b64url_encode(private_key.sign(message))


def sign_event(unsigned: Mapping[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """Return the event with `signature` over its canonical bytes (any old signature is replaced)."""
    body = {k: v for k, v in unsigned.items() if k != "signature"}
    body["signature"] = sign_bytes(signing_input(body), private_key)
    return body


def verify_signature(message: bytes, signature: str, public_key: Ed25519PublicKey) -> None:
    """Check an Ed25519 signature (base64url) over `message`; raise a SignatureError if it does not hold."""
    try:
        raw = b64url_decode(signature)
    except ValueError as exc:
        raise MalformedSignatureError() from exc
    if len(raw) != SIGNATURE_BYTES:
        raise MalformedSignatureError()
    try:
        public_key.verify(raw, message)
    except InvalidSignature as exc:
        raise BadSignatureError() from exc


def verify_event(signed: SignedEvent, public_key: Ed25519PublicKey) -> None:
    """Check a decoded event's signature under `public_key`; raise a SignatureError if it does not hold."""
    signature = signed.event.signature
    if signature is None:  # decode_event refuses unsigned events; a hand-built SignedEvent may lack one
        raise MalformedSignatureError("The event has no signature; sign it with `goldtrace sign`.")
    verify_signature(signed.signing_input, signature, public_key)
