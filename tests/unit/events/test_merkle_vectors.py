"""Published RFC 6962 / Certificate Transparency test vectors against events.merkle.

Every expected hash comes from files under vectors/merkle/, copied from google/certificate-transparency
(cpp/merkletree/merkle_tree_test.cc) and transparency-dev/merkle (testonly/constants.go, proof/verify_test.go,
testdata/); the exact sources and commits are listed in those files.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from events.merkle import (
    EMPTY_ROOT,
    LogError,
    MemoryLog,
    Node,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors" / "merkle"
REFERENCE: dict[str, Any] = json.loads((VECTORS / "rfc6962-reference-tree.json").read_text())
LEAVES = [leaf_hash(bytes.fromhex(text)) for text in REFERENCE["leaves_hex"]]
ROOTS = {int(size): bytes.fromhex(text) for size, text in REFERENCE["roots_by_size"].items()}
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hexes(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


@pytest.fixture(scope="module")
def reference_log() -> MemoryLog:
    return MemoryLog.from_leaf_hashes(LEAVES)


def test_empty_tree_root_is_sha256_of_nothing(reference_log: MemoryLog) -> None:
    assert EMPTY_ROOT.hex() == REFERENCE["empty_root"]
    assert reference_log.root(0) == EMPTY_ROOT
    assert MemoryLog().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_by_size(reference_log: MemoryLog, size: int) -> None:
    assert reference_log.root(size) == ROOTS[size]
    assert root_from_leaf_hashes(LEAVES[:size]) == ROOTS[size]
    assert MemoryLog.from_leaf_hashes(LEAVES[:size]).root() == ROOTS[size]


def test_every_complete_subtree_hash(reference_log: MemoryLog) -> None:
    for level, row in enumerate(REFERENCE["node_hashes_by_level"]):
        nodes = [Node(level, index) for index in range(len(row))]
        assert [h.hex() if h else None for h in reference_log.subtree_hashes(nodes)] == row


@pytest.mark.parametrize("vector", REFERENCE["inclusion"], ids=lambda v: f"leaf{v['leaf']}-of-{v['snapshot']}")
def test_inclusion_path_generated_and_verified(reference_log: MemoryLog, vector: dict[str, Any]) -> None:
    index, size = vector["leaf"] - 1, vector["snapshot"]
    proof = reference_log.inclusion_proof(index, size)
    assert _hexes(proof) == vector["path"]
    verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize("vector", REFERENCE["consistency"], ids=lambda v: f"{v['snapshot1']}-to-{v['snapshot2']}")
def test_consistency_proof_generated_and_verified(reference_log: MemoryLog, vector: dict[str, Any]) -> None:
    old, new = vector["snapshot1"], vector["snapshot2"]
    proof = reference_log.consistency_proof(old, new)
    assert _hexes(proof) == vector["proof"]
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def _inclusion_probes(index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes) -> list[Any]:
    """The corruptions the CT and transparency-dev verifier tests apply to a known good inclusion proof."""
    probes: list[Any] = [
        (index - 1, size, root, leaf, proof),
        (index + 1, size, root, leaf, proof),
        (index ^ 2, size, root, leaf, proof),
        (index, size * 2, root, leaf, proof),
        (index, size // 2, root, leaf, proof),
        (index, size, root, leaf_hash(b"WrongLeaf"), proof),
        (index, size, EMPTY_ROOT, leaf, proof),
        (index, size, SOME_HASH, leaf, proof),
        (index, size, root, leaf, [*proof, b""]),
        (index, size, root, leaf, [*proof, root]),
        (index, size, root, leaf, [b"", *proof]),
        (index, size, root, leaf, [root, *proof]),
    ]
    for position in range(len(proof)):
        changed = list(proof)
        changed[position] = bytes([changed[position][0] ^ 8]) + changed[position][1:]
        probes.append((index, size, root, leaf, changed))
        replaced = list(proof)
        replaced[position] = EMPTY_ROOT
        probes.append((index, size, root, leaf, replaced))
    if proof:
        probes.append((index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append((index, size, root, leaf, [proof[0], SOME_HASH, *proof[1:]]))
    return probes


@pytest.mark.parametrize("vector", REFERENCE["inclusion"], ids=lambda v: f"leaf{v['leaf']}-of-{v['snapshot']}")
def test_corrupted_inclusion_proofs_fail(vector: dict[str, Any]) -> None:
    index, size = vector["leaf"] - 1, vector["snapshot"]
    proof = [bytes.fromhex(h) for h in vector["path"]]
    for probe_index, probe_size, root, leaf, probe_proof in _inclusion_probes(
        index, size, proof, ROOTS[size], LEAVES[index]
    ):
        with pytest.raises(LogError):
            verify_inclusion(leaf, probe_index, probe_size, probe_proof, root)


def _consistency_probes(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> list[Any]:
    """The corruptions the CT and transparency-dev verifier tests apply to a known good consistency proof."""
    probes: list[Any] = [
        (old - 1, new, old_root, new_root, proof),
        (old + 1, new, old_root, new_root, proof),
        (old ^ 2, new, old_root, new_root, proof),
        (old, new * 2, old_root, new_root, proof),
        (old, new // 2, old_root, new_root, proof),
        (old, new, leaf_hash(b"WrongRoot"), new_root, proof),
        (old, new, old_root, leaf_hash(b"WrongRoot"), proof),
        (old, new, new_root, old_root, proof),
        (old, new, old_root, new_root, []),
        (old, new, old_root, new_root, [*proof, b""]),
        (old, new, old_root, new_root, [*proof, old_root]),
        (old, new, old_root, new_root, [*proof, new_root]),
        (old, new, old_root, new_root, [*proof, proof[-1]]),
        (old, new, old_root, new_root, [b"", *proof]),
        (old, new, old_root, new_root, [old_root, *proof]),
        (old, new, old_root, new_root, [new_root, *proof]),
        (old, new, old_root, new_root, [proof[0], *proof]),
        (old, new, old_root, new_root, proof[:-1]),
    ]
    for position in range(len(proof)):
        changed = list(proof)
        changed[position] = bytes([changed[position][0] ^ 16]) + changed[position][1:]
        probes.append((old, new, old_root, new_root, changed))
        replaced = list(proof)
        replaced[position] = EMPTY_ROOT
        probes.append((old, new, old_root, new_root, replaced))
    return probes


@pytest.mark.parametrize(
    "vector",
    [v for v in REFERENCE["consistency"] if v["proof"]],
    ids=lambda v: f"{v['snapshot1']}-to-{v['snapshot2']}",
)
def test_corrupted_consistency_proofs_fail(vector: dict[str, Any]) -> None:
    old, new = vector["snapshot1"], vector["snapshot2"]
    proof = [bytes.fromhex(h) for h in vector["proof"]]
    for probe in _consistency_probes(old, new, ROOTS[old], ROOTS[new], proof):
        with pytest.raises(LogError):
            verify_consistency(*probe)


def test_trivially_consistent_sizes() -> None:
    # transparency-dev/merkle proof/verify_test.go TestVerifyConsistency: equal sizes and the empty tree need
    # an empty proof; we additionally require the empty tree's root to be the empty root.
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 1, EMPTY_ROOT, ROOTS[1], [])
    verify_consistency(1, 1, ROOTS[1], ROOTS[1], [])
    for bad in [
        (1, 1, ROOTS[1], ROOTS[2], []),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (0, 1, EMPTY_ROOT, ROOTS[1], [EMPTY_ROOT]),
        (1, 1, ROOTS[1], ROOTS[1], [EMPTY_ROOT]),
        (1, 0, ROOTS[1], EMPTY_ROOT, []),
        (2, 1, ROOTS[2], ROOTS[1], []),
        (1, 2, ROOTS[1], ROOTS[2], []),
        (0, 1, ROOTS[1], ROOTS[1], []),
    ]:
        with pytest.raises(LogError):
            verify_consistency(*bad)


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


TD_FILES = sorted((VECTORS / "transparency-dev").glob("*/*.json"))


@pytest.mark.parametrize("path", [p for p in TD_FILES if p.parent.name == "inclusion"], ids=lambda p: p.stem)
def test_transparency_dev_inclusion_file(path: Path) -> None:
    case = json.loads(path.read_text())
    args = (
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        [_b64(h) for h in case["proof"] or []],
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(LogError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", [p for p in TD_FILES if p.parent.name == "consistency"], ids=lambda p: p.stem)
def test_transparency_dev_consistency_file(path: Path) -> None:
    case = json.loads(path.read_text())
    args = (
        case["size1"],
        case["size2"],
        _b64(case["root1"]),
        _b64(case["root2"]),
        [_b64(h) for h in case["proof"] or []],
    )
    if case["wantErr"]:
        with pytest.raises(LogError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_vector_files_are_all_used() -> None:
    assert len(TD_FILES) == 21
    sources = json.loads((VECTORS / "transparency-dev" / "SOURCES.json").read_text())
    assert sorted(Path(VECTORS / s["file"]) for s in sources) == TD_FILES
