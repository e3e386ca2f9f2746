"""Transparency-log figures at scale: appends/s, and root / proof times at 1,000,000 leaves.

Run: .venv/bin/python bench/merkle.py [--leaves N] [--queries Q]
Prints figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from collections.abc import Callable, Sequence

import psutil

from events.merkle import (
    CompactRange,
    MemoryLog,
    Node,
    prove_inclusion,
    verify_consistency,
    verify_inclusion,
)


class LeavesOnly:
    """A store keeping only leaf hashes: what proofs cost without perfect-subtree hashes."""

    def __init__(self, log: MemoryLog) -> None:
        self._log = log

    @property
    def size(self) -> int:
        return self._log.size

    def leaf_hashes(self, start: int, end: int) -> Sequence[bytes]:
        return self._log.leaf_hashes(start, end)

    def subtree_hashes(self, nodes: Sequence[Node]) -> Sequence[bytes | None]:
        return [None] * len(nodes)


def per_call(action: Callable[[int], object], count: int) -> float:
    """Mean seconds per call of action(i) over `count` calls."""
    started = time.perf_counter()
    for i in range(count):
        action(i)
    return (time.perf_counter() - started) / count


def main() -> None:
    """Build a log of N event digests and print what it costs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    n, q = args.leaves, args.queries
    rng = random.Random(9162)
    digests = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)]
    rss_before = psutil.Process().memory_info().rss

    log = MemoryLog()
    started = time.perf_counter()
    for digest in digests:
        log.append(digest)
    append_seconds = time.perf_counter() - started
    rss_after = psutil.Process().memory_info().rss

    leaf_hashes = log.leaf_hashes(0, n)
    compact = CompactRange()
    started = time.perf_counter()
    for leaf in leaf_hashes:
        compact.append(leaf)
    compact_seconds = time.perf_counter() - started
    assert compact.root() == log.root()

    print(f"leaves                          {n:>12,}")
    print(f"MemoryLog.append (digest)       {n / append_seconds:>12,.0f} appends/s   ({append_seconds:.2f} s total)")
    print(f"CompactRange.append (leaf hash) {n / compact_seconds:>12,.0f} appends/s")
    print(f"MemoryLog memory                {(rss_after - rss_before) / 2**20:>12,.0f} MiB (all perfect subtrees)")

    sizes = [rng.randint(1, n) for _ in range(q)]
    indexes = [rng.randrange(size) for size in sizes]
    olds = [rng.randint(0, size) for size in sizes]
    root_s = per_call(lambda i: log.root(sizes[i]), q)
    inclusion_s = per_call(lambda i: log.inclusion_proof(indexes[i], sizes[i]), q)
    consistency_s = per_call(lambda i: log.consistency_proof(olds[i], sizes[i]), q)
    print(f"root at a random size           {root_s * 1e6:>12,.1f} us")
    print(f"inclusion proof, random leaf    {inclusion_s * 1e6:>12,.1f} us")
    print(f"consistency proof, random sizes {consistency_s * 1e6:>12,.1f} us")

    cases = [(indexes[i], sizes[i], log.inclusion_proof(indexes[i], sizes[i]), log.root(sizes[i])) for i in range(q)]
    verify_s = per_call(
        lambda i: verify_inclusion(leaf_hashes[cases[i][0]], cases[i][0], cases[i][1], cases[i][2], cases[i][3]), q
    )
    pairs = [
        (olds[i], sizes[i], log.root(olds[i]), log.root(sizes[i]), log.consistency_proof(olds[i], sizes[i]))
        for i in range(q)
    ]
    consistency_verify_s = per_call(lambda i: verify_consistency(*pairs[i]), q)
    print(f"verify inclusion                {verify_s * 1e6:>12,.1f} us")
    print(f"verify consistency              {consistency_verify_s * 1e6:>12,.1f} us")

    bare = LeavesOnly(log)
    started = time.perf_counter()
    prove_inclusion(bare, n // 3, n)
    bare_s = time.perf_counter() - started
    print(f"inclusion proof, leaves only    {bare_s * 1e3:>12,.1f} ms (no stored subtrees: rehashes ~n leaves)")


if __name__ == "__main__":
    main()
