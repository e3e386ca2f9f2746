"""Proof that the transparency log only grew by appending between two signed tree heads an auditor kept.

The answer holds both signed heads as the server stored them and the RFC 9162 consistency proof between them;
the server checks the proof itself before answering, and the auditor re-checks it against the heads they saved
(`goldtrace audit check-log`), so a server that rewrote history cannot answer with a proof that holds.
"""

from __future__ import annotations

from typing import Any

from events.merkle import LogError, verify_consistency
from events.treehead import SignedTreeHead, tree_head_json
from services.common.http import HttpError
from services.ledger.heads import latest_head
from services.ledger.tree_store import Db, PgTreeStore
from services.query.log_reads import head_of_size


async def _head(db: Db, tree_size: int) -> SignedTreeHead:
    head = await head_of_size(db, tree_size)
    if head is None:
        raise HttpError(
            404,
            "log.head_unknown",
            f"The log never signed a head of {tree_size} leaves; pass the tree_size of a head you saved "
            "(`goldtrace audit save-head`) or of the latest head (GET /v1/log/head).",
        )
    return head


async def consistency_between_heads(db: Db, first: int, second: int | None) -> dict[str, Any]:
    """Both signed heads (the newer defaults to the latest) and the consistency proof between them."""
    newer = await latest_head(db) if second is None else await _head(db, second)
    if newer is None:
        raise HttpError(404, "log.no_head", "No tree head has been signed yet: the log is empty or the ledger is down.")
    if first > newer.tree_size:
        raise HttpError(
            422,
            "log.size_out_of_range",
            f"The older head ({first} leaves) cannot be larger than the newer one ({newer.tree_size} leaves); "
            "swap `from` and `to`.",
        )
    older = await _head(db, first)
    try:
        proof = await PgTreeStore(db).consistency_proof(older.tree_size, newer.tree_size)
        verify_consistency(older.tree_size, newer.tree_size, older.root, newer.root, proof)
    except LogError as error:
        raise HttpError(
            500,
            "log.inconsistent",
            f"The server cannot prove its own log consistent between {older.tree_size} and {newer.tree_size} "
            f"leaves ({error.code}); report this to the operator: the log may have been altered.",
        ) from error
    return {
        "from": tree_head_json(older),
        "to": tree_head_json(newer),
        "consistency_proof": [step.hex() for step in proof],
    }
