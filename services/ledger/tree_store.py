"""The transparency log in PostgreSQL: roots and proofs by events.merkle's plan flow, one query per plan.

`log_nodes` holds the hash of every complete perfect subtree (level 0 = the leaf hashes), so any root, inclusion
or consistency proof is `plan.nodes()` fetched in one round trip and `plan.assemble(hashes)`. A node missing from
the table (it never should be) is recomputed from the leaf hashes in `log_leaves`, as events.merkle does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from events.merkle import (
    CompactRange,
    Node,
    ProofPlan,
    TreeSizeError,
    plan_consistency,
    plan_inclusion,
    plan_root,
    root_from_leaf_hashes,
    span_nodes,
)

Db: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"

LOG_SIZE_SQL: Final = "SELECT coalesce(max(leaf_index) + 1, 0) FROM log_leaves"
_NODES_SQL: Final = """
    SELECT n.level, n.position, n.hash
    FROM log_nodes n
    JOIN unnest($1::smallint[], $2::bigint[]) AS wanted(level, position)
      ON n.level = wanted.level AND n.position = wanted.position
"""
# The same, plus the log size in a row of level -1, so a plan is checked and fetched in one round trip.
_NODES_AND_SIZE_SQL: Final = """
    SELECT n.level, n.position, n.hash
    FROM log_nodes n
    JOIN unnest($1::smallint[], $2::bigint[]) AS wanted(level, position)
      ON n.level = wanted.level AND n.position = wanted.position
    UNION ALL
    SELECT -1::smallint, coalesce(max(leaf_index) + 1, 0), NULL FROM log_leaves
"""
_LEAVES_SQL: Final = "SELECT leaf_hash FROM log_leaves WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index"
_LEAF_SQL: Final = """
    SELECT leaf_index, event_id, event_digest, registry_position, leaf_hash FROM log_leaves WHERE event_id = $1
"""


@dataclass(frozen=True, slots=True)
class LogLeaf:
    """One leaf of the log: where it is, which event it stands for, and what it commits to."""

    leaf_index: int
    event_id: str
    event_digest: bytes
    registry_position: int
    leaf_hash: bytes


class PgTreeStore:
    """Read side of the log over one connection (or pool connection): size, leaves, roots and proofs."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def size(self) -> int:
        """Number of leaves in the log (committed ones)."""
        size: int = await self._db.fetchval(LOG_SIZE_SQL)
        return size

    async def leaf(self, event_id: str) -> LogLeaf | None:
        """The leaf of an accepted event, or None when the event is not in the log."""
        row = await self._db.fetchrow(_LEAF_SQL, event_id)
        return None if row is None else LogLeaf(*row)

    async def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """The leaf hashes of leaves [start, end)."""
        return [row[0] for row in await self._db.fetch(_LEAVES_SQL, start, end)]

    async def node_hashes(self, nodes: Sequence[Node]) -> dict[Node, bytes]:
        """The hash of each perfect subtree, in one query (recomputed from leaves where a node is missing)."""
        if not nodes:
            return {}
        rows = await self._db.fetch(_NODES_SQL, [n.level for n in nodes], [n.position for n in nodes])
        return await self._complete(nodes, {Node(row[0], row[1]): bytes(row[2]) for row in rows})

    async def execute(self, plan: ProofPlan, tree_size: int) -> list[bytes]:
        """The hashes of a plan for a tree of `tree_size` leaves; TreeSizeError if the log is smaller."""
        nodes = plan.nodes()
        rows = await self._db.fetch(_NODES_AND_SIZE_SQL, [n.level for n in nodes], [n.position for n in nodes])
        size = next(row[1] for row in rows if row[0] < 0)
        if tree_size > size:
            raise TreeSizeError(f"The log holds {size} leaves; it cannot answer for a tree of {tree_size} leaves yet.")
        found = {Node(row[0], row[1]): bytes(row[2]) for row in rows if row[0] >= 0}
        return plan.assemble(await self._complete(nodes, found))

    async def _complete(self, nodes: Sequence[Node], found: dict[Node, bytes]) -> dict[Node, bytes]:
        for node in nodes:
            if node not in found:
                found[node] = root_from_leaf_hashes(await self.leaf_hashes(node.start, node.end))
        return found

    async def root(self, tree_size: int) -> bytes:
        """The root hash of the first `tree_size` leaves."""
        return (await self.execute(plan_root(tree_size), tree_size))[0]

    async def inclusion_proof(self, index: int, tree_size: int) -> list[bytes]:
        """RFC 9162 inclusion proof of leaf `index` in the tree of the first `tree_size` leaves."""
        return await self.execute(plan_inclusion(index, tree_size), tree_size)

    async def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """RFC 9162 consistency proof from the tree of `old_size` leaves to the tree of `new_size` leaves."""
        return await self.execute(plan_consistency(old_size, new_size), new_size)

    async def compact_range(self, size: int | None = None) -> CompactRange:
        """The right edge of the log (of its first `size` leaves): what the ledger appends to after a restart."""
        size = await self.size() if size is None else size
        nodes = span_nodes(0, size)
        hashes = await self.node_hashes(nodes)
        return CompactRange(size, [hashes[node] for node in nodes])
