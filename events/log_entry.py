"""The leaf of an accepted event in the goldtrace transparency log (services/README.md, "The transparency log").

A leaf commits to the event's digest and to the registry position the event was decided against, so an offline
verifier knows which registry prefix to check the event against:

    leaf input = SHA-256(b"goldtrace/leaf/v1\\n" || event digest (32 bytes) || registry position (8 bytes, big-endian))

and the RFC 9162 leaf hash is `events.merkle.leaf_hash(leaf input)` = SHA-256(0x00 || leaf input).
"""

from __future__ import annotations

import hashlib
from typing import Final

from events.merkle import HASH_SIZE, LogError, MalformedHashError, leaf_hash

LEAF_CONTEXT: Final = b"goldtrace/leaf/v1\n"
MAX_REGISTRY_POSITION: Final = 2**63 - 1  # a Kafka offset is a signed 64-bit integer


class RegistryPositionError(LogError):
    """A registry position is negative or does not fit the leaf's 8-byte field."""

    CODE = "log.registry_position_out_of_range"


def leaf_input(event_digest: bytes, registry_position: int) -> bytes:
    """The 32-byte leaf input of an accepted event: its digest bound to the registry position it was decided at."""
    if len(event_digest) != HASH_SIZE:
        raise MalformedHashError(
            f"The event digest is {len(event_digest)} bytes; a SHA-256 digest is exactly {HASH_SIZE} bytes."
        )
    if not 0 <= registry_position <= MAX_REGISTRY_POSITION:
        raise RegistryPositionError(
            f"Registry position {registry_position} is not an offset of the registry topic "
            f"(0 to {MAX_REGISTRY_POSITION})."
        )
    return hashlib.sha256(LEAF_CONTEXT + event_digest + registry_position.to_bytes(8, "big")).digest()


def event_log_leaf_hash(event_digest: bytes, registry_position: int) -> bytes:
    """The RFC 9162 leaf hash of an accepted event in the goldtrace log."""
    return leaf_hash(leaf_input(event_digest, registry_position))
