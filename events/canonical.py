"""RFC 8785 (JSON Canonicalization Scheme) bytes of events, and event digests."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON object."""
    return rfc8785.dumps(document)


def signing_input(event: Mapping[str, Any]) -> bytes:
    """The bytes a signer signs: the canonical form of the event without its `signature`."""
    return canonical_bytes({k: v for k, v in event.items() if k != "signature"})


def event_digest(signed_event: Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical bytes of the signed event (signature included)."""
    return hashlib.sha256(canonical_bytes(signed_event)).digest()
