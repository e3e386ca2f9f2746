"""The transparency log API over a real season: the signed head, inclusion and consistency proofs checked with
events/merkle.py against roots computed from the stored leaves, the log key, and heads signed on demand."""

from __future__ import annotations

from dataclasses import replace

import asyncpg
import httpx
import pytest

from events.anchor import verify_anchor
from events.custody.registry import TrustAnchor
from events.log_entry import event_log_leaf_hash
from events.merkle import root_from_leaf_hashes, verify_consistency, verify_inclusion
from events.signing import load_public_key
from events.treehead import decode_tree_head, verify_tree_head
from services.common.http import HttpError
from services.query.api_models import ConsistencyOut, InclusionOut, LogKeyOut
from services.query.app import create_app as query_app
from services.query.bundle_reads import covering_head
from services.sandbox.processes import free_port
from tests.integration.query.conftest import Played

pytestmark = pytest.mark.integration


async def _leaves(played: Played) -> list[bytes]:
    db = await asyncpg.connect(played.settings.database_url)
    try:
        return [bytes(row[0]) for row in await db.fetch("SELECT leaf_hash FROM log_leaves ORDER BY leaf_index")]
    finally:
        await db.close()


async def test_the_head_is_signed_by_the_log_key_over_the_stored_leaves(played: Played) -> None:
    answer = await played.query.get("/v1/log/head")
    assert answer.status_code == 200, answer.text
    log_key = load_public_key(played.settings.log_public_key)
    head = verify_tree_head(decode_tree_head(answer.json()), log_key, played.settings.log_keyid)
    leaves = await _leaves(played)
    assert head.tree_size == len(leaves) == len(played.season.accepted)
    assert head.root == root_from_leaf_hashes(leaves)


async def test_every_event_has_an_inclusion_proof_in_the_signed_head(played: Played) -> None:
    head = decode_tree_head((await played.query.get("/v1/log/head")).json())
    for event in played.season.accepted[:: max(1, len(played.season.accepted) // 7)]:
        answer = await played.query.get("/v1/log/inclusion", params={"event": event.id})
        assert answer.status_code == 200, answer.text
        found = InclusionOut.model_validate(answer.json())
        assert found.event_digest == event.digest.hex()
        assert found.tree_head == head
        leaf = event_log_leaf_hash(event.digest, found.registry_position)
        assert found.leaf_hash == leaf.hex()
        proof = [bytes.fromhex(step) for step in found.inclusion_proof]
        verify_inclusion(leaf, found.leaf_index, head.tree_size, proof, head.root)


async def test_an_inclusion_proof_in_an_older_tree(played: Played) -> None:
    leaves = await _leaves(played)
    event = played.season.accepted[3]
    answer = await played.query.get("/v1/log/inclusion", params={"event": event.id, "size": 9})
    found = InclusionOut.model_validate(answer.json())
    assert found.tree_size == 9
    proof = [bytes.fromhex(step) for step in found.inclusion_proof]
    verify_inclusion(bytes.fromhex(found.leaf_hash), found.leaf_index, 9, proof, root_from_leaf_hashes(leaves[:9]))


async def test_inclusion_refusals_are_clear(played: Played) -> None:
    size = len(played.season.accepted)
    event = played.season.accepted[-1].id
    cases: list[tuple[dict[str, str | int], int, str]] = [
        ({"event": event, "size": size + 1}, 400, "log.size_out_of_range"),
        ({"event": event, "size": 2}, 400, "log.index_out_of_range"),
        ({"event": "no-such-event"}, 404, "log.event_not_logged"),
        ({"event": played.season.refused.id}, 404, "log.event_not_logged"),
        ({"event": "bad id"}, 422, "request.invalid"),
        ({"event": event, "size": 0}, 422, "request.invalid"),
        ({}, 422, "request.invalid"),
    ]
    for params, status, code in cases:
        answer = await played.query.get("/v1/log/inclusion", params=params)
        assert (answer.status_code, answer.json()["error"]) == (status, code), params
        assert answer.json()["detail"].endswith("."), answer.json()


async def test_consistency_proofs_between_tree_sizes(played: Played) -> None:
    leaves = await _leaves(played)
    size = len(leaves)
    for first, second in [(1, size), (7, 13), (8, 16), (size - 1, size), (size, size), (0, size)]:
        answer = await played.query.get("/v1/log/consistency", params={"from": first, "to": second})
        assert answer.status_code == 200, answer.text
        found = ConsistencyOut.model_validate(answer.json())
        assert (found.first, found.second) == (first, second)
        proof = [bytes.fromhex(step) for step in found.consistency_proof]
        old_root, new_root = root_from_leaf_hashes(leaves[:first]), root_from_leaf_hashes(leaves[:second])
        verify_consistency(first, second, old_root, new_root, proof)


async def test_consistency_refusals_are_clear(played: Played) -> None:
    size = len(played.season.accepted)
    cases: list[tuple[dict[str, int], int, str]] = [
        ({"from": 5, "to": 3}, 400, "log.size_out_of_range"),
        ({"from": 1, "to": size + 1}, 400, "log.size_out_of_range"),
        ({"from": -1, "to": 3}, 422, "request.invalid"),
        ({"from": 1, "to": 2**63}, 422, "request.invalid"),
        ({"to": 3}, 422, "request.invalid"),
    ]
    for params, status, code in cases:
        answer = await played.query.get("/v1/log/consistency", params=params)
        assert (answer.status_code, answer.json()["error"]) == (status, code), params


async def test_the_log_key_and_the_anchor_it_vouches_for(played: Played) -> None:
    answer = await played.query.get("/v1/log/key")
    assert answer.status_code == 200, answer.text
    key = LogKeyOut.model_validate(answer.json())
    assert (key.keyid, key.public_key) == (played.settings.log_keyid, played.settings.log_public_key)
    assert key.anchor is not None
    anchor = TrustAnchor(key.anchor.authority, key.anchor.keyid, key.anchor.public_key)
    assert anchor == played.settings.anchor
    verify_anchor(anchor, key.anchor.log_keyid, key.anchor.signature, load_public_key(key.public_key))


async def test_a_bundle_gets_a_head_signed_on_demand_or_a_503(played: Played) -> None:
    size = len(played.season.accepted)
    db = await asyncpg.connect(played.settings.database_url)
    try:
        await db.execute("DELETE FROM tree_heads")
        head = await covering_head(db, played.settings, size)  # asks the ledger, reads the head back
        assert head.tree_size == size
        elsewhere = replace(played.settings, stack=replace(played.settings.stack, ledger_port=free_port()))
        with pytest.raises(HttpError) as refused:
            await covering_head(db, elsewhere, size + 1)
        assert (refused.value.status, refused.value.code) == (503, "log.head_pending")
        assert refused.value.headers["Retry-After"] == "5"
    finally:
        await db.close()
    assert (await played.query.get("/v1/lots/BAR-1/bundle")).status_code == 200


async def test_a_service_without_a_log_key_says_so(played: Played) -> None:
    app = query_app(replace(played.settings, log_public_key="", anchor_signature=""))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://query")
    async with app.router.lifespan_context(app), client:
        answer = await client.get("/v1/log/key")
        assert (answer.status_code, answer.json()["error"]) == (404, "log.key_unconfigured")
        assert "goldtrace up" in answer.json()["detail"]
        missing = await client.get("/v1/lots/BAR-1/bundle")
        assert (missing.status_code, missing.json()["error"]) == (503, "bundle.anchor_unsigned")
        assert missing.headers["retry-after"] == "5"
