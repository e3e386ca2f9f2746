"""Assemble a lot's provenance bundle (events/bundle.py) from PostgreSQL: entries, one tree head, proofs.

Entries are the accepted events of the kernel's verdict (services/query/provenance_reads.py), each with its leaf
and an inclusion proof against ONE signed tree head covering every entry. The head is the latest in
`tree_heads`; when it does not cover the newest entry yet (events logged in the last few seconds), the query asks
the ledger to sign one now (`POST /v1/tree-heads` on the ledger's port) and reads it back from the database;
if the ledger cannot be reached, the answer is 503 with Retry-After (the ledger signs heads every few seconds on
its own). All proofs come from one query: the union of the perfect subtrees their plans need.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Final

import asyncpg
import httpx

from events.bundle import AnchorStatement, anchor_statement, assemble_bundle, bundle_entry, bundle_json
from events.merkle import plan_inclusion
from events.treehead import SignedTreeHead
from services.common.http import HttpError
from services.common.settings import PipelineSettings
from services.ledger.heads import latest_head
from services.ledger.tree_store import Db, PgTreeStore
from services.query.provenance_reads import check_lot

LEDGER_TIMEOUT_S: Final = 3.0
RETRY_AFTER_S: Final = "5"
_ANY_ADDRESS: Final = ("", "0.0.0.0", "::")  # noqa: S104 (compared with, not bound to)

log = logging.getLogger(__name__)


async def lot_bundle(pool: asyncpg.Pool, settings: PipelineSettings, lot: str, now: datetime) -> bytes | None:
    """The bundle of a lot, judged at `now`, as JSON bytes; None when nothing is stored about the lot."""
    checked = await check_lot(pool, settings.anchor, lot, now)
    if checked is None:
        return None
    events = checked.upstream.events
    logged = [events[r.event_id] for r in checked.verdict.events if r.outcome == "accepted"]
    if checked.verdict.provenance is None or not logged:
        raise HttpError(
            409,
            "lot.no_bundle",
            f"Lot {lot!r} was never accepted (see its provenance for the refusals), so there is nothing to prove.",
        )
    anchor = _anchor(settings)
    async with pool.acquire() as db:
        head = await covering_head(db, settings, 1 + max(event.leaf_index for event in logged))
        proofs = await inclusion_proofs(db, [event.leaf_index for event in logged], head.tree_size)
    entries = [
        bundle_entry(event.leaf_index, event.registry_position, event.body, proofs[event.leaf_index])
        for event in logged
    ]
    return bundle_json(assemble_bundle(lot, anchor, head, entries))


def _anchor(settings: PipelineSettings) -> AnchorStatement:
    if not settings.anchor_signature:
        raise HttpError(
            503,
            "bundle.anchor_unsigned",
            "The platform's trust anchor is not signed by the log key (no anchor_signature in trust.json); "
            "the operator must run `goldtrace up` once to sign it.",
            {"Retry-After": RETRY_AFTER_S},
        )
    return anchor_statement(settings.anchor, settings.log_keyid, settings.anchor_signature)


# Plans depend only on (leaf, tree size): a lot's bundle asked again under the same head plans nothing.
_inclusion_plan = functools.lru_cache(maxsize=8192)(plan_inclusion)


async def inclusion_proofs(db: Db, leaves: list[int], tree_size: int) -> dict[int, list[bytes]]:
    """RFC 9162 inclusion proofs of these leaves in the tree of `tree_size` leaves, in one query."""
    plans = {leaf: _inclusion_plan(leaf, tree_size) for leaf in leaves}
    nodes = list(dict.fromkeys(node for plan in plans.values() for node in plan.nodes()))
    hashes = await PgTreeStore(db).node_hashes(nodes)
    return {leaf: plan.assemble(hashes) for leaf, plan in plans.items()}


async def covering_head(db: Db, settings: PipelineSettings, size: int) -> SignedTreeHead:
    """The latest signed head if it covers `size` leaves; else one the ledger signs now; else 503."""
    head = await latest_head(db)
    if head is not None and head.tree_size >= size:
        return head
    await ask_ledger_to_sign(settings)
    head = await latest_head(db)  # read back from our own database: never trust a head another log answered
    if head is not None and head.tree_size >= size:
        return head
    raise HttpError(
        503,
        "log.head_pending",
        f"No signed tree head covers the newest events of this lot yet (the log needs {size} leaves); "
        f"the ledger signs one within seconds, retry after {RETRY_AFTER_S} s.",
        {"Retry-After": RETRY_AFTER_S},
    )


async def ask_ledger_to_sign(settings: PipelineSettings) -> None:
    """POST /v1/tree-heads to the ledger on this host; a failure is logged, never raised (the caller re-reads)."""
    host = settings.stack.http_host
    host = "127.0.0.1" if host in _ANY_ADDRESS else host
    url = f"http://{host}:{settings.stack.ledger_port}/v1/tree-heads"
    try:
        async with httpx.AsyncClient(timeout=LEDGER_TIMEOUT_S) as http:
            answer = await http.post(url)
        if answer.status_code != 200:
            log.warning("The ledger at %s did not sign a head: %s %s", url, answer.status_code, answer.text[:200])
    except httpx.HTTPError as error:
        log.warning("The ledger at %s could not be asked for a tree head: %s", url, error)
