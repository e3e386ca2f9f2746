"""The trust anchor statement: the log key vouches for the authority's anchor key, so one public key suffices.

An offline verifier trusts only the platform's log public key. The registry's root of trust (the authority's
participant id and anchor key) reaches it inside a bundle as a statement signed by that same log key:

    b"goldtrace/trust-anchor/v1\\n" || RFC 8785 canonical JSON of
    {"authority": <participant id>, "keyid": <anchor key id>, "log_keyid": <log key id>, "public_key": <base64url>}

The context line keeps this signature from being mistaken for a tree head or an event signature.
"""

from __future__ import annotations

from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.canonical import canonical_bytes
from events.custody.registry import TrustAnchor
from events.errors import GoldtraceError, SignatureError
from events.signing import sign_bytes, verify_signature

ANCHOR_CONTEXT: Final = b"goldtrace/trust-anchor/v1\n"


class AnchorSignatureError(GoldtraceError):
    """The anchor statement does not verify under the trusted log key."""

    CODE = "anchor.signature_invalid"


def anchor_signing_input(anchor: TrustAnchor, log_keyid: str) -> bytes:
    """The exact bytes the log key signs to vouch for an anchor (see the module docstring)."""
    body = {
        "authority": anchor.participant,
        "keyid": anchor.keyid,
        "log_keyid": log_keyid,
        "public_key": anchor.public_key,
    }
    return ANCHOR_CONTEXT + canonical_bytes(body)


def sign_anchor(anchor: TrustAnchor, log_keyid: str, log_private_key: Ed25519PrivateKey) -> str:
    """The log key's signature (base64url, no padding) over the anchor statement."""
    return sign_bytes(anchor_signing_input(anchor, log_keyid), log_private_key)


def verify_anchor(anchor: TrustAnchor, log_keyid: str, signature: str, log_public_key: Ed25519PublicKey) -> None:
    """Raise AnchorSignatureError unless the log key signed this anchor statement."""
    try:
        verify_signature(anchor_signing_input(anchor, log_keyid), signature, log_public_key)
    except SignatureError as exc:
        raise AnchorSignatureError(
            AnchorSignatureError.CODE,
            f"The trust anchor ({anchor.participant!r}, key {anchor.keyid!r}) is not vouched for by the log key "
            f"{log_keyid!r}: the bundle's anchor was altered, or it comes from another platform.",
        ) from exc


def anchor_json(anchor: TrustAnchor, log_keyid: str, signature: str) -> dict[str, Any]:
    """The anchor statement as it travels in a bundle or a trust file."""
    return {
        "authority": anchor.participant,
        "keyid": anchor.keyid,
        "public_key": anchor.public_key,
        "log_keyid": log_keyid,
        "signature": signature,
    }
