"""Ed25519 keys, signing and signature verification of events."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.canonical import signing_input
from events.errors import SignatureError


def b64url_encode(raw: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    """The raw public key of a private key, base64url without padding."""
    return b64url_encode(private_key.public_key().public_bytes_raw())


@lru_cache(maxsize=65536)
def load_public_key(public_key: str) -> Ed25519PublicKey:
    """Load a raw base64url Ed25519 public key (cached: decoding keys is not free)."""
    try:
        return Ed25519PublicKey.from_public_bytes(b64url_decode(public_key))
    except (ValueError, binascii.Error) as exc:
        raise SignatureError(
            "key.malformed", "The public key is not 32 bytes of base64url; re-export the raw Ed25519 key."
        ) from exc


def sign_event(unsigned: Mapping[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """Return the event with `signature` over its canonical bytes (any old signature is replaced)."""
    body = {k: v for k, v in unsigned.items() if k != "signature"}
    body["signature"] = b64url_encode(private_key.sign(signing_input(body)))
    return body


def verify_signature(message: bytes, signature: str, public_key: Ed25519PublicKey) -> None:
    """Check an Ed25519 signature (base64url) over `message`; raise SignatureError if it does not hold."""
    try:
        public_key.verify(b64url_decode(signature), message)
    except (InvalidSignature, ValueError, binascii.Error) as exc:
        raise SignatureError(
            "signature.invalid",
            "The signature does not match the event: it was changed after signing or signed with another key.",
        ) from exc
