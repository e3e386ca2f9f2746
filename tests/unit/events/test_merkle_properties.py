"""Hypothesis properties of events.merkle, checked against a literal transcription of the RFC 9162 definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.merkle import (
    EMPTY_ROOT,
    CompactRange,
    LogError,
    MemoryLog,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# --- RFC 9162 section 2.1, transcribed as directly as possible (slow, recursive, obviously right) -----------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    """MTH(D_n) over leaf *hashes* (the leaf hashing step is done by the caller)."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return node_hash(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D_n)."""
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D_n, b)."""
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    """PROOF(m, D_n) for 0 < m <= n; empty for m == 0."""
    return ref_subproof(m, d, True) if m else []


def _tree(size: int, seed: bytes) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(seed + i.to_bytes(4, "big")).digest()) for i in range(size)]


def leaf_lists(max_size: int) -> st.SearchStrategy[list[bytes]]:
    """Leaf hashes of event digests; sizes spread evenly (hypothesis alone would favour tiny trees)."""
    return st.builds(_tree, st.integers(min_value=1, max_value=max_size), st.binary(min_size=4, max_size=4))


def flip(value: bytes, bit: int) -> bytes:
    """The same bytes with one bit flipped (bit taken modulo the length)."""
    bit %= len(value) * 8
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


BITS = st.integers(min_value=0, max_value=255)


@settings(max_examples=40, deadline=None)
@given(leaf_lists(80))
def test_roots_proofs_and_compact_range_equal_the_rfc_definitions(leaves: list[bytes]) -> None:
    log, compact = MemoryLog(), CompactRange()
    for leaf in leaves:
        log.append_leaf_hash(leaf)
        compact.append(leaf)
        assert compact.root() == log.root() == ref_mth(leaves[: log.size])
    n = len(leaves)
    assert root_from_leaf_hashes(leaves) == ref_mth(leaves)
    for index in range(n):
        assert log.inclusion_proof(index) == ref_path(index, leaves)
    for old in range(n + 1):
        assert log.consistency_proof(old) == ref_proof(old, leaves)


@settings(max_examples=60, deadline=None)
@given(leaf_lists(70), st.data())
def test_every_inclusion_proof_verifies_and_fails_when_any_bit_is_flipped(
    leaves: list[bytes], data: st.DataObject
) -> None:
    log = MemoryLog.from_leaf_hashes(leaves)
    size, root = log.size, log.root()
    for index in range(size):
        proof = log.inclusion_proof(index)
        leaf = leaves[index]
        verify_inclusion(leaf, index, size, proof, root)

        bit = data.draw(BITS, label="bit")
        tampered = [(flip(leaf, bit), index, proof, root), (leaf, index, proof, flip(root, bit))]
        tampered.append((leaf, index ^ (1 << data.draw(st.integers(0, 62), label="index bit")), proof, root))
        for position in range(len(proof)):
            changed = list(proof)
            changed[position] = flip(proof[position], bit)
            tampered.append((leaf, index, changed, root))
        for bad_leaf, bad_index, bad_proof, bad_root in tampered:
            with pytest.raises(LogError):
                verify_inclusion(bad_leaf, bad_index, size, bad_proof, bad_root)


@settings(max_examples=60, deadline=None)
@given(leaf_lists(70), st.data())
def test_every_consistency_proof_verifies_and_fails_when_any_bit_is_flipped(
    leaves: list[bytes], data: st.DataObject
) -> None:
    log = MemoryLog.from_leaf_hashes(leaves)
    new_size, new_root = log.size, log.root()
    for old_size in range(new_size + 1):
        old_root, proof = log.root(old_size), log.consistency_proof(old_size)
        verify_consistency(old_size, new_size, old_root, new_root, proof)

        bit = data.draw(BITS, label="bit")
        tampered = [(flip(old_root, bit), new_root, proof)]
        if old_size > 0:  # any newer root is consistent with the empty tree
            tampered.append((old_root, flip(new_root, bit), proof))
        for position in range(len(proof)):
            changed = list(proof)
            changed[position] = flip(proof[position], bit)
            tampered.append((old_root, new_root, changed))
        for bad_old, bad_new, bad_proof in tampered:
            with pytest.raises(LogError):
                verify_consistency(old_size, new_size, bad_old, bad_new, bad_proof)


def _all_flips(value: bytes) -> list[bytes]:
    return [flip(value, bit) for bit in range(len(value) * 8)]


def test_every_single_bit_flip_fails_on_a_small_tree() -> None:
    """Exhaustive over every bit of every proof hash, leaf and root of a 7-leaf tree, every index and size."""
    leaves = [leaf_hash(bytes([i]) * 32) for i in range(7)]
    log = MemoryLog.from_leaf_hashes(leaves)
    root = log.root()
    for index in range(7):
        proof = log.inclusion_proof(index)
        for bad_leaf in _all_flips(leaves[index]):
            with pytest.raises(LogError):
                verify_inclusion(bad_leaf, index, 7, proof, root)
        for bad_root in _all_flips(root):
            with pytest.raises(LogError):
                verify_inclusion(leaves[index], index, 7, proof, bad_root)
        for position, element in enumerate(proof):
            for bad in _all_flips(element):
                with pytest.raises(LogError):
                    verify_inclusion(leaves[index], index, 7, [*proof[:position], bad, *proof[position + 1 :]], root)
        for other in range(-1, 70):
            if other != index:
                with pytest.raises(LogError):
                    verify_inclusion(leaves[index], other, 7, proof, root)
    for old in range(1, 8):
        proof, old_root = log.consistency_proof(old), log.root(old)
        for position, element in enumerate(proof):
            for bad in _all_flips(element):
                with pytest.raises(LogError):
                    verify_consistency(old, 7, old_root, root, [*proof[:position], bad, *proof[position + 1 :]])
        for bad in _all_flips(old_root):
            with pytest.raises(LogError):
                verify_consistency(old, 7, bad, root, proof)
        for bad in _all_flips(root):
            with pytest.raises(LogError):
                verify_consistency(old, 7, old_root, bad, proof)


def test_empty_log() -> None:
    log = MemoryLog()
    assert log.root() == EMPTY_ROOT == ref_mth([])
    assert log.consistency_proof(0) == []
