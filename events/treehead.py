"""Signed tree heads: the platform's Ed25519 signature over the size and root of the transparency log.

Byte form signed (version 1), documented here because independent verifiers must rebuild it exactly:

    b"goldtrace/tree-head/v1\\n" || RFC 8785 canonical JSON of
    {"keyid": <log key id>, "root_hash": <64 lowercase hex>, "timestamp": <RFC 3339 UTC>, "tree_size": <int>}

The context line keeps a tree-head signature from ever being mistaken for an event signature made with the
same key (an event's signing input always starts with "{"). The JSON form of a signed tree head is that
object plus `"signature"`: the Ed25519 signature, base64url without padding.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Final, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import Field, ValidationError

from events.canonical import canonical_bytes
from events.errors import SignatureError
from events.merkle import HASH_SIZE, LogError
from events.model.envelope import Signature
from events.model.types import Id, Sha256Hex, Strict, Timestamp
from events.signing import sign_bytes, verify_signature

TREE_HEAD_CONTEXT: Final = b"goldtrace/tree-head/v1\n"
MAX_TREE_SIZE: Final = 2**63 - 1


class TreeHeadMalformedError(LogError):
    """A tree head is not well formed (fields, types, timestamp)."""

    CODE = "log.tree_head_malformed"


class TreeHeadKeyError(LogError):
    """A tree head names a log key other than the one the verifier trusts."""

    CODE = "log.tree_head_wrong_key"


class TreeHeadSignatureError(LogError):
    """A tree head's signature does not verify under the log's public key."""

    CODE = "log.tree_head_signature_invalid"


class TreeHead(Strict):
    """The state of the log at one moment: how many leaves it has and their Merkle root."""

    tree_size: Annotated[int, Field(ge=0, le=MAX_TREE_SIZE)]
    root_hash: Sha256Hex
    timestamp: Timestamp
    keyid: Id

    @property
    def root(self) -> bytes:
        """The root hash as 32 raw bytes."""
        return bytes.fromhex(self.root_hash)

    def head_only(self) -> TreeHead:
        """The unsigned head (drops a signature if this is a SignedTreeHead)."""
        return TreeHead(tree_size=self.tree_size, root_hash=self.root_hash, timestamp=self.timestamp, keyid=self.keyid)


class SignedTreeHead(TreeHead):
    """A tree head with the log's Ed25519 signature (base64url, no padding) over `tree_head_signing_input`."""

    signature: Signature


_HeadT = TypeVar("_HeadT", bound=TreeHead)


def utc_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC text for an aware datetime, e.g. `2026-11-27T05:00:00Z` (microseconds when present)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TreeHeadMalformedError("The tree head time has no time zone; pass an aware datetime (UTC).")
    utc = moment.astimezone(UTC)
    fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def make_tree_head(tree_size: int, root: bytes, moment: datetime, keyid: str) -> TreeHead:
    """Build a tree head from a size, a 32-byte root, the time it was taken and the log key id."""
    if len(root) != HASH_SIZE:
        raise TreeHeadMalformedError(f"The root hash is {len(root)} bytes; a SHA-256 root is {HASH_SIZE} bytes.")
    fields = {"tree_size": tree_size, "root_hash": root.hex(), "timestamp": utc_timestamp(moment), "keyid": keyid}
    return _validated(TreeHead, fields)


def tree_head_signing_input(head: TreeHead) -> bytes:
    """The exact bytes the log signs for a tree head (see the module docstring)."""
    body = {"keyid": head.keyid, "root_hash": head.root_hash, "timestamp": head.timestamp, "tree_size": head.tree_size}
    return TREE_HEAD_CONTEXT + canonical_bytes(body)


def sign_tree_head(head: TreeHead, private_key: Ed25519PrivateKey) -> SignedTreeHead:
    """Sign a tree head with the log's Ed25519 key."""
    head = head.head_only()
    signature = sign_bytes(tree_head_signing_input(head), private_key)
    return SignedTreeHead(**head.model_dump(), signature=signature)


def verify_tree_head(signed: SignedTreeHead, public_key: Ed25519PublicKey, keyid: str) -> TreeHead:
    """Check that the head names the trusted log key `keyid` and that its signature holds; return the head."""
    if signed.keyid != keyid:
        raise TreeHeadKeyError(
            f"The tree head was signed with log key {signed.keyid!r}, but the trusted log key is {keyid!r}; "
            "fetch the head from the right log or update the trusted key."
        )
    head = signed.head_only()
    try:
        verify_signature(tree_head_signing_input(head), signed.signature, public_key)
    except SignatureError as exc:
        raise TreeHeadSignatureError(
            "The tree head signature does not verify under the log's public key: the head was altered "
            "after signing or signed by another key."
        ) from exc
    return head


def decode_tree_head(document: Mapping[str, Any]) -> SignedTreeHead:
    """Validate a parsed JSON object as a signed tree head; raise TreeHeadMalformedError with the reason."""
    return _validated(SignedTreeHead, document)


def tree_head_json(signed: SignedTreeHead) -> dict[str, Any]:
    """The JSON object form of a signed tree head."""
    return signed.model_dump()


def _validated(model: type[_HeadT], document: Mapping[str, Any]) -> _HeadT:
    try:
        return model.model_validate(dict(document))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the object"
        raise TreeHeadMalformedError(f"The tree head is not valid at {where}: {first['msg']}.") from exc
