"""Unit tests of events.merkle: error codes, plans, compact range, stores and the in-memory log."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import pytest

from events.errors import GoldtraceError
from events.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ConsistencyProofError,
    InclusionProofError,
    IndexOutOfRangeError,
    LogError,
    MalformedHashError,
    MemoryLog,
    Node,
    TreeSizeError,
    event_leaf_hash,
    leaf_hash,
    node_hash,
    plan_consistency,
    plan_inclusion,
    plan_root,
    prove_consistency,
    prove_inclusion,
    resolve_nodes,
    root_at,
    span_nodes,
    split_point,
    verify_consistency,
    verify_inclusion,
)


def digests(count: int) -> list[bytes]:
    """Stand-ins for event digests: 32 bytes each."""
    return [hashlib.sha256(b"event-%d" % i).digest() for i in range(count)]


class LeavesOnly:
    """A store that keeps only leaf hashes, as a ledger table of events might."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)
        self.asked: list[Node] = []

    @property
    def size(self) -> int:
        return len(self.leaves)

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        return self.leaves[start:end]

    def subtree_hashes(self, nodes: Sequence[Node]) -> Sequence[bytes | None]:
        self.asked.extend(nodes)
        return [None] * len(nodes)


def test_hash_functions_follow_rfc9162_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT


@pytest.mark.parametrize(("size", "split"), [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1 << 20, 1 << 19)])
def test_split_point_is_largest_power_of_two_below(size: int, split: int) -> None:
    assert split_point(size) == split


def test_span_nodes_cover_a_range_with_aligned_perfect_subtrees() -> None:
    assert span_nodes(0, 0) == []
    assert span_nodes(0, 7) == [Node(2, 0), Node(1, 2), Node(0, 6)]
    assert span_nodes(4, 8) == [Node(2, 1)]
    assert span_nodes(6, 13) == [Node(1, 3), Node(2, 2), Node(0, 12)]
    assert Node(3, 2).start == 16
    assert Node(3, 2).end == 24


def test_event_digest_is_the_leaf_input() -> None:
    log = MemoryLog()
    event = digests(1)[0]
    assert log.append(event) == 0
    assert log.leaf_hashes(0, 1) == [hashlib.sha256(b"\x00" + event).digest()]
    assert log.root() == event_leaf_hash(event)


def test_append_returns_consecutive_indexes() -> None:
    log = MemoryLog()
    assert [log.append(d) for d in digests(5)] == [0, 1, 2, 3, 4]
    assert log.size == 5


def test_root_of_two_leaves() -> None:
    a, b = (leaf_hash(d) for d in digests(2))
    log = MemoryLog.from_leaf_hashes([a, b])
    assert log.root() == node_hash(a, b)
    assert log.root(1) == a


def test_leaves_only_store_gives_the_same_roots_and_proofs() -> None:
    leaves = [leaf_hash(d) for d in digests(37)]
    full, bare = MemoryLog.from_leaf_hashes(leaves), LeavesOnly(leaves)
    for size in range(38):
        assert root_at(bare, size) == full.root(size)
    for index in range(37):
        assert prove_inclusion(bare, index, 37) == full.inclusion_proof(index)
    for old in range(38):
        assert prove_consistency(bare, old, 37) == full.consistency_proof(old)
    assert bare.asked, "the store must be asked for subtree hashes before leaves are rehashed"


def test_plan_then_assemble_equals_direct_proofs() -> None:
    log = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in digests(21)])
    plan = plan_inclusion(13, 21)
    fetched = dict(zip(plan.nodes(), log.subtree_hashes(plan.nodes()), strict=True))
    assert plan.assemble({k: v for k, v in fetched.items() if v is not None}) == log.inclusion_proof(13)
    plan = plan_consistency(6, 21)
    assert plan.assemble(resolve_nodes(log, plan.nodes())) == log.consistency_proof(6)
    assert plan_root(21).assemble(resolve_nodes(log, plan_root(21).nodes())) == [log.root()]


def test_plan_nodes_are_few_and_distinct() -> None:
    plan = plan_inclusion(123_456, 1_000_000)
    nodes = plan.nodes()
    assert len(nodes) == len(set(nodes))
    assert len(nodes) <= 2 * 20
    assert len(plan.spans) == 20


def test_consistency_plan_is_empty_for_empty_or_equal_trees() -> None:
    assert plan_consistency(0, 9).spans == ()
    assert plan_consistency(9, 9).spans == ()


def test_compact_range_emits_every_completed_subtree() -> None:
    leaves = [leaf_hash(d) for d in digests(11)]
    compact, log = CompactRange(), MemoryLog()
    for leaf in leaves:
        completed = compact.append(leaf)
        log.append_leaf_hash(leaf)
        assert completed[0] == (Node(0, log.size - 1), leaf)
        for node, value in completed:
            assert log.subtree_hashes([node]) == [value]
        assert compact.root() == log.root()
    assert compact.size == 11
    assert [n for n, _ in CompactRange(7, compact_hashes(leaves, 7)).append(leaves[7])] == [
        Node(0, 7),
        Node(1, 3),
        Node(2, 1),
        Node(3, 0),
    ]


def compact_hashes(leaves: list[bytes], size: int) -> list[bytes]:
    log = MemoryLog.from_leaf_hashes(leaves[:size])
    return [h for h in log.subtree_hashes(span_nodes(0, size)) if h is not None]


def test_compact_range_resumes_from_stored_right_edge() -> None:
    leaves = [leaf_hash(d) for d in digests(30)]
    resumed = CompactRange(13, compact_hashes(leaves, 13))
    for leaf in leaves[13:]:
        resumed.append(leaf)
    assert resumed.root() == MemoryLog.from_leaf_hashes(leaves).root()
    assert CompactRange().root() == EMPTY_ROOT


def test_compact_range_refuses_a_wrong_number_of_hashes() -> None:
    with pytest.raises(TreeSizeError) as caught:
        CompactRange(6, [EMPTY_ROOT])
    assert caught.value.code == "log.size_out_of_range"


def test_subtree_hashes_is_none_for_incomplete_subtrees() -> None:
    log = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in digests(6)])
    assert log.subtree_hashes([Node(1, 3), Node(3, 0), Node(2, 1), Node(0, 6)]) == [None, None, None, None]
    assert log.leaf_hashes(4, 99) == log.leaf_hashes(4, 6)


# One test per reason code: each raises the named error, with its stable code and a sentence.


def assert_refusal(error: LogError, cls: type[LogError], code: str) -> None:
    assert isinstance(error, GoldtraceError)
    assert type(error) is cls
    assert error.code == code
    assert error.detail.endswith((".", ")")), error.detail
    assert error.as_json() == {"error": code, "detail": error.detail}


def test_hash_malformed() -> None:
    log = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in digests(4)])
    proof = log.inclusion_proof(1)
    attempts: list[Callable[[], object]] = [
        lambda: verify_inclusion(b"short", 1, 4, proof, log.root()),
        lambda: verify_inclusion(log.leaf_hashes(1, 2)[0], 1, 4, proof, log.root()[:31]),
        lambda: verify_inclusion(log.leaf_hashes(1, 2)[0], 1, 4, [*proof[:1], b""], log.root()),
        lambda: verify_consistency(2, 4, b"", log.root(), log.consistency_proof(2)),
        lambda: log.append(b"\x00" * 33),
        lambda: log.append_leaf_hash(b"\x00" * 31),
        lambda: CompactRange().append(b""),
    ]
    for attempt in attempts:
        with pytest.raises(MalformedHashError) as caught:
            attempt()
        assert_refusal(caught.value, MalformedHashError, "log.hash_malformed")


def test_index_out_of_range() -> None:
    log = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in digests(4)])
    leaf = log.leaf_hashes(0, 1)[0]
    attempts: list[Callable[[], object]] = [
        lambda: log.inclusion_proof(4),
        lambda: log.inclusion_proof(-1),
        lambda: log.inclusion_proof(2, 2),
        lambda: verify_inclusion(leaf, 4, 4, log.inclusion_proof(0), log.root()),
        lambda: verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT),
    ]
    for attempt in attempts:
        with pytest.raises(IndexOutOfRangeError) as caught:
            attempt()
        assert_refusal(caught.value, IndexOutOfRangeError, "log.index_out_of_range")


def test_size_out_of_range() -> None:
    log = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in digests(4)])
    attempts: list[Callable[[], object]] = [
        lambda: log.root(5),
        lambda: log.root(-1),
        lambda: log.inclusion_proof(0, 5),
        lambda: log.consistency_proof(2, 5),
        lambda: log.consistency_proof(3, 2),
        lambda: log.consistency_proof(-1, 2),
        lambda: verify_consistency(3, 2, log.root(3), log.root(2), []),
        lambda: verify_inclusion(log.root(1), 0, -1, [], log.root(1)),
    ]
    for attempt in attempts:
        with pytest.raises(TreeSizeError) as caught:
            attempt()
        assert_refusal(caught.value, TreeSizeError, "log.size_out_of_range")


def test_inclusion_invalid() -> None:
    log = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in digests(5)])
    leaf, proof, root = log.leaf_hashes(2, 3)[0], log.inclusion_proof(2), log.root()
    attempts = [
        (leaf, 2, 5, [*proof, proof[0]], root),  # too long
        (leaf, 2, 5, proof[:-1], root),  # too short
        (leaf, 2, 5, proof, log.root(4)),  # wrong root
        (leaf, 3, 5, proof, root),  # wrong index
        (log.leaf_hashes(1, 2)[0], 2, 5, proof, root),  # wrong leaf
    ]
    for attempt in attempts:
        with pytest.raises(InclusionProofError) as caught:
            verify_inclusion(*attempt)
        assert_refusal(caught.value, InclusionProofError, "log.inclusion_invalid")


def test_consistency_invalid() -> None:
    log = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in digests(7)])
    proof = log.consistency_proof(3)
    old, new = log.root(3), log.root()
    attempts = [
        (3, 7, old, new, []),  # empty where one is needed
        (3, 7, old, new, [*proof, proof[0]]),  # too long
        (3, 7, old, new, proof[:-1]),  # too short
        (3, 7, log.root(4), new, proof),  # older root rewritten
        (3, 7, old, log.root(6), proof),  # newer root of another tree
        (7, 7, new, old, []),  # same size, two roots: a fork
        (7, 7, new, new, proof),  # same size needs no hashes
        (0, 7, old, new, []),  # not the empty tree's root
    ]
    for attempt in attempts:
        with pytest.raises(ConsistencyProofError) as caught:
            verify_consistency(*attempt)
        assert_refusal(caught.value, ConsistencyProofError, "log.consistency_invalid")


def test_a_forked_log_is_caught_by_consistency() -> None:
    honest = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in digests(10)])
    rewritten = MemoryLog.from_leaf_hashes([leaf_hash(d) for d in [*digests(10)[:4], b"\xff" * 32, *digests(10)[5:]]])
    with pytest.raises(ConsistencyProofError):
        verify_consistency(6, 10, honest.root(6), rewritten.root(), rewritten.consistency_proof(6))
