"""Signed tree heads: byte form, signing, verification, refusals, and a head + inclusion proof end to end."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from events.merkle import LogError, MemoryLog, event_leaf_hash, verify_inclusion
from events.treehead import (
    TREE_HEAD_CONTEXT,
    SignedTreeHead,
    TreeHead,
    TreeHeadKeyError,
    TreeHeadMalformedError,
    TreeHeadSignatureError,
    decode_tree_head,
    make_tree_head,
    sign_tree_head,
    tree_head_json,
    tree_head_signing_input,
    utc_timestamp,
    verify_tree_head,
)

# RFC 8032 section 7.1, TEST 1: a published Ed25519 key pair, so signatures here are reproducible.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
LOG_KEY = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
LOG_KEYID = "arm-log-2026"
MOMENT = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
ROOT = hashlib.sha256(b"some root").digest()


def signed_head(size: int = 42, root: bytes = ROOT) -> SignedTreeHead:
    return sign_tree_head(make_tree_head(size, root, MOMENT, LOG_KEYID), LOG_KEY)


def test_public_key_matches_rfc8032() -> None:
    assert LOG_KEY.public_key().public_bytes_raw() == RFC8032_PUBLIC


def test_signing_input_is_the_documented_byte_form() -> None:
    head = make_tree_head(42, ROOT, MOMENT, LOG_KEYID)
    expected = (
        b"goldtrace/tree-head/v1\n"
        b'{"keyid":"arm-log-2026","root_hash":"' + ROOT.hex().encode() + b'",'
        b'"timestamp":"2026-11-27T05:00:00Z","tree_size":42}'
    )
    assert tree_head_signing_input(head) == expected
    assert expected.startswith(TREE_HEAD_CONTEXT)


def test_signature_verifies_independently_of_our_code() -> None:
    """Rebuild the signed bytes with the standard library alone and check them with `cryptography` directly."""
    document = tree_head_json(signed_head())
    body = {k: v for k, v in document.items() if k != "signature"}
    message = b"goldtrace/tree-head/v1\n" + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    signature = base64.urlsafe_b64decode(document["signature"] + "==")
    LOG_KEY.public_key().verify(signature, message)
    with pytest.raises(InvalidSignature):
        LOG_KEY.public_key().verify(signature, message[len(TREE_HEAD_CONTEXT) :])


def test_sign_then_verify_returns_the_head() -> None:
    signed = signed_head()
    head = verify_tree_head(signed, LOG_KEY.public_key(), LOG_KEYID)
    assert head == make_tree_head(42, ROOT, MOMENT, LOG_KEYID)
    assert type(head) is TreeHead
    assert head.root == ROOT


def test_json_round_trip() -> None:
    document = json.loads(json.dumps(tree_head_json(signed_head())))
    assert set(document) == {"tree_size", "root_hash", "timestamp", "keyid", "signature"}
    verify_tree_head(decode_tree_head(document), LOG_KEY.public_key(), LOG_KEYID)


def test_resigning_a_signed_head_signs_only_the_head() -> None:
    signed = signed_head()
    assert sign_tree_head(signed, LOG_KEY) == signed  # Ed25519 is deterministic


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 43},
        {"tree_size": 0},
        {"root_hash": hashlib.sha256(b"other root").hexdigest()},
        {"timestamp": "2026-11-27T05:00:01Z"},
        {"timestamp": "2026-11-27T05:00:00.0Z"},
    ],
)
def test_any_changed_field_fails_the_signature(change: dict[str, Any]) -> None:
    altered = decode_tree_head({**tree_head_json(signed_head()), **change})
    with pytest.raises(TreeHeadSignatureError) as caught:
        verify_tree_head(altered, LOG_KEY.public_key(), LOG_KEYID)
    assert caught.value.code == "log.tree_head_signature_invalid"
    assert isinstance(caught.value, LogError)


def test_keyid_is_covered_by_the_signature() -> None:
    altered = decode_tree_head({**tree_head_json(signed_head()), "keyid": "other-log"})
    with pytest.raises(TreeHeadSignatureError):
        verify_tree_head(altered, LOG_KEY.public_key(), "other-log")


def test_another_key_fails_the_signature() -> None:
    with pytest.raises(TreeHeadSignatureError):
        verify_tree_head(signed_head(), Ed25519PrivateKey.generate().public_key(), LOG_KEYID)


def test_an_event_signature_is_not_a_tree_head_signature() -> None:
    """The context line separates domains: a signature over the bare JSON (as an event would be) is refused."""
    head = make_tree_head(42, ROOT, MOMENT, LOG_KEYID)
    bare = LOG_KEY.sign(tree_head_signing_input(head)[len(TREE_HEAD_CONTEXT) :])
    forged = SignedTreeHead(**head.model_dump(), signature=base64.urlsafe_b64encode(bare).rstrip(b"=").decode())
    with pytest.raises(TreeHeadSignatureError):
        verify_tree_head(forged, LOG_KEY.public_key(), LOG_KEYID)


def test_unexpected_log_key_is_refused_before_the_signature() -> None:
    with pytest.raises(TreeHeadKeyError) as caught:
        verify_tree_head(signed_head(), LOG_KEY.public_key(), "another-log-key")
    assert caught.value.code == "log.tree_head_wrong_key"
    assert "another-log-key" in caught.value.detail


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=64 * 8 - 1))
def test_any_bit_flip_in_the_signature_fails(bit: int) -> None:
    document = tree_head_json(signed_head())
    raw = bytearray(base64.urlsafe_b64decode(document["signature"] + "=="))
    raw[bit // 8] ^= 1 << (bit % 8)
    document["signature"] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(TreeHeadSignatureError):
        verify_tree_head(decode_tree_head(document), LOG_KEY.public_key(), LOG_KEYID)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"tree_size": -1}, "tree_size"),
        ({"tree_size": 2**63}, "tree_size"),
        ({"tree_size": 4.0}, "tree_size"),
        ({"tree_size": "42"}, "tree_size"),
        ({"tree_size": True}, "tree_size"),
        ({"root_hash": ROOT.hex().upper()}, "root_hash"),
        ({"root_hash": ROOT.hex()[:-2]}, "root_hash"),
        ({"timestamp": "2026-11-27T05:00:00+01:00"}, "timestamp"),
        ({"timestamp": "2026-02-30T05:00:00Z"}, "timestamp"),
        ({"keyid": "bad key id"}, "keyid"),
        ({"signature": "c2ln"}, "signature"),
        ({"extra": 1}, "extra"),
    ],
)
def test_malformed_heads_are_refused(change: dict[str, Any], where: str) -> None:
    with pytest.raises(TreeHeadMalformedError) as caught:
        decode_tree_head({**tree_head_json(signed_head()), **change})
    assert caught.value.code == "log.tree_head_malformed"
    assert where in caught.value.detail


def test_missing_field_is_refused() -> None:
    document = tree_head_json(signed_head())
    del document["signature"]
    with pytest.raises(TreeHeadMalformedError, match="signature"):
        decode_tree_head(document)


def test_root_must_be_32_bytes() -> None:
    with pytest.raises(TreeHeadMalformedError):
        make_tree_head(1, ROOT[:31], MOMENT, LOG_KEYID)


def test_timestamps_are_rfc3339_utc() -> None:
    assert utc_timestamp(MOMENT) == "2026-11-27T05:00:00Z"
    assert utc_timestamp(MOMENT.replace(microsecond=1500)) == "2026-11-27T05:00:00.001500Z"
    lima = timezone(timedelta(hours=-5))
    assert utc_timestamp(datetime(2026, 11, 27, 0, 0, tzinfo=lima)) == "2026-11-27T05:00:00Z"
    with pytest.raises(TreeHeadMalformedError):
        utc_timestamp(datetime(2026, 11, 27, 5, 0))  # naive on purpose


def test_event_inclusion_under_a_signed_head() -> None:
    """What an offline verifier does: trust the head by its signature, then the event by its inclusion proof."""
    digests = [hashlib.sha256(b"event %d" % i).digest() for i in range(1000)]
    log = MemoryLog()
    for digest in digests:
        log.append(digest)
    signed = sign_tree_head(make_tree_head(log.size, log.root(), MOMENT, LOG_KEYID), LOG_KEY)
    head = verify_tree_head(decode_tree_head(tree_head_json(signed)), LOG_KEY.public_key(), LOG_KEYID)
    proof = log.inclusion_proof(617, head.tree_size)
    verify_inclusion(event_leaf_hash(digests[617]), 617, head.tree_size, proof, head.root)
    with pytest.raises(LogError):
        verify_inclusion(event_leaf_hash(digests[618]), 617, head.tree_size, proof, head.root)
