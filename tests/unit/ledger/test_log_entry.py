"""The log leaf of services/README.md: the documented bytes, its bounds, and that it binds digest and position."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.log_entry import (
    LEAF_CONTEXT,
    MAX_REGISTRY_POSITION,
    RegistryPositionError,
    event_log_leaf_hash,
    leaf_input,
)
from events.merkle import MalformedHashError, leaf_hash

DIGEST = bytes(range(32))
digests = st.binary(min_size=32, max_size=32)
positions = st.integers(min_value=0, max_value=MAX_REGISTRY_POSITION)


def test_leaf_input_is_the_documented_hash() -> None:
    expected = hashlib.sha256(b"goldtrace/leaf/v1\n" + DIGEST + b"\x00\x00\x00\x00\x00\x00\x01\x02").digest()
    assert LEAF_CONTEXT == b"goldtrace/leaf/v1\n"
    assert leaf_input(DIGEST, 258) == expected


def test_leaf_hash_is_rfc9162_over_the_leaf_input() -> None:
    manual = hashlib.sha256(b"\x00" + leaf_input(DIGEST, 7)).digest()
    assert event_log_leaf_hash(DIGEST, 7) == manual == leaf_hash(leaf_input(DIGEST, 7))


@pytest.mark.parametrize("position", [0, 1, 2**32, MAX_REGISTRY_POSITION])
def test_positions_in_range_are_accepted(position: int) -> None:
    assert len(leaf_input(DIGEST, position)) == 32


@pytest.mark.parametrize("position", [-1, MAX_REGISTRY_POSITION + 1, 2**64])
def test_positions_out_of_range_are_refused(position: int) -> None:
    with pytest.raises(RegistryPositionError) as refused:
        leaf_input(DIGEST, position)
    assert refused.value.code == "log.registry_position_out_of_range"
    assert str(position) in refused.value.detail


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_digest_must_be_32_bytes(size: int) -> None:
    with pytest.raises(MalformedHashError) as refused:
        leaf_input(b"\x01" * size, 0)
    assert refused.value.code == "log.hash_malformed"


@settings(max_examples=60)
@given(digests, positions, digests, positions)
def test_different_entries_have_different_leaves(d1: bytes, p1: int, d2: bytes, p2: int) -> None:
    assert (leaf_input(d1, p1) == leaf_input(d2, p2)) == ((d1, p1) == (d2, p2))
