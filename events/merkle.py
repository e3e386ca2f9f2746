"""RFC 9162 (Certificate Transparency v2) Merkle tree: hashing, inclusion and consistency proofs, a growing log.

Leaves of the goldtrace log are event digests (32 bytes: SHA-256 of the canonical signed event); the leaf
input is those 32 bytes. Hashing follows RFC 9162 section 2.1.1: leaf = SHA-256(0x00 || leaf input),
node = SHA-256(0x01 || left || right), the empty tree is SHA-256(""), and a tree of n leaves splits at the
largest power of two smaller than n.

Every hash a proof needs is the hash of a *perfect subtree* `Node(level, position)` (2**level leaves starting at
leaf position * 2**level) or a right-fold of a few of them. Perfect subtrees never change once complete, so a store
can keep them forever: `MemoryLog` keeps all of them (O(1) amortised hashes per append, O(log n) per root or
proof); a store that keeps only leaf hashes still works, more slowly. Stores that cannot answer synchronously
(a database) plan first, fetch `plan.nodes()` in one round trip, then call `plan.assemble(hashes)`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final, NamedTuple, Protocol

from events.errors import GoldtraceError

HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"


class LogError(GoldtraceError):
    """Root of transparency-log errors; each subclass has one stable code."""

    CODE: ClassVar[str] = "log.error"

    def __init__(self, detail: str) -> None:
        super().__init__(self.CODE, detail)


class MalformedHashError(LogError):
    """A leaf, root or proof hash is not 32 bytes."""

    CODE = "log.hash_malformed"


class IndexOutOfRangeError(LogError):
    """A leaf index is not inside the tree it is claimed to be in."""

    CODE = "log.index_out_of_range"


class TreeSizeError(LogError):
    """A tree size is negative, beyond the log, or an older tree is larger than the newer one."""

    CODE = "log.size_out_of_range"


class InclusionProofError(LogError):
    """An inclusion proof does not lead from the leaf to the root."""

    CODE = "log.inclusion_invalid"


class ConsistencyProofError(LogError):
    """A consistency proof does not show the older tree to be a prefix of the newer one."""

    CODE = "log.consistency_invalid"


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def event_leaf_hash(event_digest: bytes) -> bytes:
    """The leaf hash of an event in the goldtrace log (the leaf input is the 32-byte event digest)."""
    _check_hash(event_digest, "event digest")
    return leaf_hash(event_digest)


def split_point(size: int) -> int:
    """The largest power of two strictly smaller than `size` (size >= 2): where RFC 9162 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes (RFC 9162 2.1.1), computed bottom-up in O(n) hashes."""
    compact = CompactRange()
    for leaf in leaf_hashes:
        compact.append(leaf)
    return compact.root()


class Node(NamedTuple):
    """A perfect subtree: the `position`-th run of 2**level leaves, starting at leaf position * 2**level."""

    level: int
    position: int

    @property
    def start(self) -> int:
        """First leaf index covered."""
        return self.position << self.level

    @property
    def end(self) -> int:
        """One past the last leaf index covered."""
        return (self.position + 1) << self.level


def span_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees covering leaves [start, end), left to right, each as large as alignment allows."""
    width = end - start
    if width > 0 and width & (width - 1) == 0 and start % width == 0:  # already one perfect subtree
        return [Node(width.bit_length() - 1, start // width)]
    nodes: list[Node] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append(Node(level, start >> level))
        start += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Right-fold the perfect subtree hashes of an RFC 9162 subtree into its MTH."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """The leaf spans [start, end) whose MTHs form a proof (or a root), in proof order, with their nodes."""

    spans: tuple[tuple[int, int], ...]
    parts: tuple[tuple[Node, ...], ...]

    @classmethod
    def of(cls, spans: Sequence[tuple[int, int]]) -> ProofPlan:
        """A plan for these spans (each an RFC 9162 subtree), decomposed into perfect subtrees."""
        return cls(tuple(spans), tuple(tuple(span_nodes(start, end)) for start, end in spans))

    def nodes(self) -> list[Node]:
        """Every perfect subtree whose hash the proof needs, without repeats."""
        return list(dict.fromkeys(node for part in self.parts for node in part))

    def assemble(self, hashes: Mapping[Node, bytes]) -> list[bytes]:
        """The proof hashes, given the hash of every node in `nodes()`."""
        return [_fold([hashes[node] for node in part]) for part in self.parts]


def plan_root(tree_size: int) -> ProofPlan:
    """Plan for the root of the first `tree_size` leaves (empty tree allowed)."""
    _check_size(tree_size)
    return ProofPlan.of([(0, tree_size)])


def plan_inclusion(index: int, tree_size: int) -> ProofPlan:
    """Plan for PATH(index, D[0:tree_size]) of RFC 9162 2.1.3.1, leaf to root."""
    _check_size(tree_size)
    _check_index(index, tree_size)
    spans: list[tuple[int, int]] = []
    low, high = 0, tree_size
    while high - low > 1:
        middle = low + split_point(high - low)
        if index < middle:
            spans.append((middle, high))
            high = middle
        else:
            spans.append((low, middle))
            low = middle
    return ProofPlan.of(spans[::-1])


def plan_consistency(old_size: int, new_size: int) -> ProofPlan:
    """Plan for PROOF(old_size, D[0:new_size]) of RFC 9162 2.1.4.1; empty when old_size is 0 or new_size."""
    _check_sizes(old_size, new_size)
    spans: list[tuple[int, int]] = []
    if old_size == 0:
        return ProofPlan.of([])
    low, high, whole_old_tree = 0, new_size, True
    while old_size != high:
        middle = low + split_point(high - low)
        if old_size <= middle:
            spans.append((middle, high))
            high = middle
        else:
            spans.append((low, middle))
            low, whole_old_tree = middle, False
    if not whole_old_tree:
        spans.append((low, high))
    return ProofPlan.of(spans[::-1])


class TreeStore(Protocol):
    """Where a log keeps its hashes. Only leaf hashes are required; perfect-subtree hashes are optional."""

    @property
    def size(self) -> int:
        """Number of leaves in the log."""
        ...

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        """The leaf hashes of leaves [start, end)."""
        ...

    def subtree_hashes(self, nodes: Sequence[Node]) -> Sequence[bytes | None]:
        """The hash of each perfect subtree, or None where the store does not keep it."""
        ...


def resolve_nodes(store: TreeStore, nodes: Sequence[Node]) -> dict[Node, bytes]:
    """Hash of each node: from the store when it keeps it, else recomputed from the node's leaf hashes."""
    known = store.subtree_hashes(nodes)
    return {
        node: found if found is not None else root_from_leaf_hashes(store.leaf_hashes(node.start, node.end))
        for node, found in zip(nodes, known, strict=True)
    }


def _execute(store: TreeStore, plan: ProofPlan) -> list[bytes]:
    return plan.assemble(resolve_nodes(store, plan.nodes()))


def root_at(store: TreeStore, tree_size: int) -> bytes:
    """The root hash of the first `tree_size` leaves of the log."""
    _check_within(tree_size, store.size)
    return _execute(store, plan_root(tree_size))[0]


def prove_inclusion(store: TreeStore, index: int, tree_size: int) -> list[bytes]:
    """Inclusion proof (RFC 9162 2.1.3.1) of leaf `index` in the tree of the first `tree_size` leaves."""
    _check_within(tree_size, store.size)
    return _execute(store, plan_inclusion(index, tree_size))


def prove_consistency(store: TreeStore, old_size: int, new_size: int) -> list[bytes]:
    """Consistency proof (RFC 9162 2.1.4.1) between the trees of the first `old_size` and `new_size` leaves."""
    _check_within(new_size, store.size)
    return _execute(store, plan_consistency(old_size, new_size))


def verify_inclusion(leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check an inclusion proof by RFC 9162 2.1.3.2; `leaf` is the leaf hash. Raise a LogError if it fails."""
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    _check_proof(proof)
    _check_size(tree_size)
    _check_index(index, tree_size)  # step 1
    fn, sn = index, tree_size - 1  # step 2
    r = leaf  # step 3
    for p in proof:  # step 4
        if sn == 0:
            raise InclusionProofError(
                f"The proof has more hashes than the path from leaf {index} to the root of a tree of "
                f"{tree_size} leaves; it was made for another tree size or padded."
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # step 5
        raise InclusionProofError(
            f"The proof has fewer hashes than the path from leaf {index} to the root of a tree of "
            f"{tree_size} leaves; it was truncated or made for another tree size."
        )
    if not hmac.compare_digest(r, root):
        raise InclusionProofError(
            f"The proof does not lead from this leaf at index {index} to the root of the tree of {tree_size} "
            "leaves: the leaf, index, proof or root is not the one the log produced."
        )


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check a consistency proof by RFC 9162 2.1.4.2 (sizes 0 and equal sizes as below); raise a LogError."""
    _check_hash(old_root, "older root hash")
    _check_hash(new_root, "newer root hash")
    _check_proof(proof)
    _check_sizes(old_size, new_size)
    if old_size == new_size or old_size == 0:
        _check_trivial_consistency(old_size, new_size, old_root, new_root, proof)
        return
    if not proof:  # step 1
        raise ConsistencyProofError(
            f"The consistency proof from {old_size} to {new_size} leaves is empty; ask the log for it again."
        )
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)  # step 2
    fn, sn = old_size - 1, new_size - 1  # step 3
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            raise ConsistencyProofError(
                f"The consistency proof from {old_size} to {new_size} leaves has more hashes than it should; "
                "it was made for other tree sizes or padded."
            )
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # step 7
        raise ConsistencyProofError(
            f"The consistency proof from {old_size} to {new_size} leaves has fewer hashes than it should; "
            "it was truncated or made for other tree sizes."
        )
    if not (hmac.compare_digest(fr, old_root) and hmac.compare_digest(sr, new_root)):
        raise ConsistencyProofError(
            f"The tree of {old_size} leaves is not a prefix of the tree of {new_size} leaves under these roots: "
            "the log rewrote history, or a root or the proof is not the one the log produced."
        )


def _check_trivial_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Equal sizes need equal roots; the empty tree must have the empty root. Both need an empty proof."""
    if proof:
        raise ConsistencyProofError(
            f"A consistency proof from {old_size} to {new_size} leaves must be empty; this one has hashes."
        )
    if old_size == 0 and not hmac.compare_digest(old_root, EMPTY_ROOT):
        raise ConsistencyProofError("The root given for the empty tree is not SHA-256 of the empty string.")
    if old_size == new_size and not hmac.compare_digest(old_root, new_root):
        raise ConsistencyProofError(
            f"Two different roots for the same tree of {new_size} leaves: the log forked or a root was altered."
        )


class CompactRange:
    """The right edge of a growing tree: one perfect-subtree hash per set bit of its size.

    O(log n) memory, O(1) amortised hashes per append. `append` returns every perfect subtree it completes so
    a persistent store can keep them; a restarted ledger rebuilds the range from `span_nodes(0, size)`.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != size.bit_count():
            raise TreeSizeError(
                f"A compact range of {size} leaves holds {max(size, 0).bit_count()} hashes, not {len(hashes)}."
            )
        for each in hashes:
            _check_hash(each, "subtree hash")
        self._size = size
        self._hashes = list(hashes)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The hashes of `span_nodes(0, size)`, left to right."""
        return tuple(self._hashes)

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Append one leaf hash; return the perfect subtrees it completed, the leaf itself first."""
        _check_hash(leaf, "leaf hash")
        index, level, current = self._size, 0, leaf
        completed = [(Node(0, index), leaf)]
        while index & 1:
            current = node_hash(self._hashes.pop(), current)
            index, level = index >> 1, level + 1
            completed.append((Node(level, index), current))
        self._hashes.append(current)
        self._size += 1
        return completed

    def root(self) -> bytes:
        """The root hash of the tree so far (the empty root for no leaves)."""
        return _fold(self._hashes)


class MemoryLog:
    """An append-only in-memory log keeping every perfect-subtree hash: roots and proofs cost O(log n)."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Sequence[bytes]) -> MemoryLog:
        """A log holding these leaf hashes in order."""
        log = cls()
        for leaf in leaf_hashes:
            log.append_leaf_hash(leaf)
        return log

    @property
    def size(self) -> int:
        """Number of leaves in the log."""
        return self._size

    def append(self, event_digest: bytes) -> int:
        """Append an event by its 32-byte digest; return its leaf index."""
        return self.append_leaf_hash(event_leaf_hash(event_digest))

    def append_leaf_hash(self, leaf: bytes) -> int:
        """Append a leaf hash; return its leaf index."""
        _check_hash(leaf, "leaf hash")
        levels, index, level = self._levels, self._size, 0
        levels[0] += leaf
        while index & 1:
            below = levels[level]
            parent = hashlib.sha256(_NODE_PREFIX + below[-2 * HASH_SIZE :]).digest()
            index, level = index >> 1, level + 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += parent
        self._size += 1
        return self._size - 1

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """The leaf hashes of leaves [start, end)."""
        leaves = self._levels[0]
        return [bytes(leaves[i * HASH_SIZE : (i + 1) * HASH_SIZE]) for i in range(start, min(end, self._size))]

    def subtree_hashes(self, nodes: Sequence[Node]) -> list[bytes | None]:
        """The stored hash of each complete perfect subtree (None for one not complete yet)."""
        found: list[bytes | None] = []
        for level, index in nodes:
            row = self._levels[level] if level < len(self._levels) else b""
            offset = index * HASH_SIZE
            found.append(bytes(row[offset : offset + HASH_SIZE]) if 0 <= offset < len(row) else None)
        return found

    def root(self, tree_size: int | None = None) -> bytes:
        """The root hash now, or of the first `tree_size` leaves."""
        return root_at(self, self._size if tree_size is None else tree_size)

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[bytes]:
        """Inclusion proof of leaf `index` in the current tree, or in the tree of the first `tree_size` leaves."""
        return prove_inclusion(self, index, self._size if tree_size is None else tree_size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Consistency proof from the tree of `old_size` leaves to the current one (or to `new_size`)."""
        return prove_consistency(self, old_size, self._size if new_size is None else new_size)


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise MalformedHashError(f"The {what} is {len(value)} bytes; a SHA-256 hash is exactly {HASH_SIZE} bytes.")


def _check_proof(proof: Sequence[bytes]) -> None:
    for position, each in enumerate(proof):
        _check_hash(each, f"proof hash at position {position}")


def _check_size(tree_size: int) -> None:
    if tree_size < 0:
        raise TreeSizeError(f"A tree size cannot be negative ({tree_size}).")


def _check_index(index: int, tree_size: int) -> None:
    if not 0 <= index < tree_size:
        raise IndexOutOfRangeError(
            f"Leaf index {index} is not in a tree of {tree_size} leaves (valid indexes are 0 to {tree_size - 1})."
        )


def _check_sizes(old_size: int, new_size: int) -> None:
    _check_size(old_size)
    if old_size > new_size:
        raise TreeSizeError(
            f"The older tree ({old_size} leaves) cannot be larger than the newer one ({new_size} leaves)."
        )


def _check_within(tree_size: int, log_size: int) -> None:
    _check_size(tree_size)
    if tree_size > log_size:
        raise TreeSizeError(f"The log holds {log_size} leaves; it cannot answer for a tree of {tree_size} leaves yet.")
