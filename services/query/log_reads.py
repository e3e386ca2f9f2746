"""The transparency log as the query service reads it: signed heads, inclusion and consistency proofs."""

from __future__ import annotations

from typing import Any, Final

from events.merkle import LogError
from events.treehead import SignedTreeHead, tree_head_json
from services.common.http import HttpError
from services.ledger.heads import latest_head
from services.ledger.tree_store import Db, PgTreeStore

_HEAD_OF_SIZE_SQL: Final = """
    SELECT tree_size, root_hash, timestamp, keyid, signature FROM tree_heads WHERE tree_size = $1
"""


async def head_of_size(db: Db, tree_size: int) -> SignedTreeHead | None:
    """The signed head of exactly `tree_size` leaves, if one was signed."""
    row = await db.fetchrow(_HEAD_OF_SIZE_SQL, tree_size)
    if row is None:
        return None
    return SignedTreeHead(
        tree_size=row[0], root_hash=bytes(row[1]).hex(), timestamp=row[2], keyid=row[3], signature=row[4]
    )


async def signed_head(db: Db) -> dict[str, Any]:
    """The latest signed tree head as JSON; 404 before the first."""
    head = await latest_head(db)
    if head is None:
        raise HttpError(
            404, "log.no_head", "No tree head has been signed yet: the log is empty or the ledger has not started."
        )
    return tree_head_json(head)


async def inclusion(db: Db, event_id: str, size: int | None) -> dict[str, Any]:
    """An event's leaf and its inclusion proof in the tree of `size` leaves (default: the latest signed head's,
    or the whole log when no signed head covers the leaf yet)."""
    store = PgTreeStore(db)
    leaf = await store.leaf(event_id)
    if leaf is None:
        raise HttpError(
            404,
            "log.event_not_logged",
            f"Event {event_id!r} is not in the transparency log: it is unknown, was refused, or is not logged yet.",
        )
    head: SignedTreeHead | None
    if size is None:
        head = await latest_head(db)
        if head is None or head.tree_size <= leaf.leaf_index:
            head = None
            size = await store.size()
        else:
            size = head.tree_size
    else:
        head = await head_of_size(db, size)
    try:
        proof = await store.inclusion_proof(leaf.leaf_index, size)
    except LogError as error:
        raise HttpError(400, error.code, error.detail) from error
    return {
        "event_id": event_id,
        "leaf_index": leaf.leaf_index,
        "registry_position": leaf.registry_position,
        "event_digest": leaf.event_digest.hex(),
        "leaf_hash": leaf.leaf_hash.hex(),
        "tree_size": size,
        "inclusion_proof": [step.hex() for step in proof],
        "tree_head": None if head is None else tree_head_json(head),
    }


async def consistency(db: Db, first: int, second: int) -> dict[str, Any]:
    """The RFC 9162 consistency proof from the tree of `first` leaves to the tree of `second` leaves."""
    try:
        proof = await PgTreeStore(db).consistency_proof(first, second)
    except LogError as error:
        raise HttpError(400, error.code, error.detail) from error
    return {"first": first, "second": second, "consistency_proof": [step.hex() for step in proof]}
