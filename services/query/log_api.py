"""The transparency log: the latest signed tree head, inclusion and consistency proofs, the log's public key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from events.anchor import anchor_json
from events.model.types import ID_PATTERN
from events.treehead import MAX_TREE_SIZE, SignedTreeHead
from services.common.http import HttpError
from services.common.openapi import error_responses
from services.query.api_models import ConsistencyOut, InclusionOut, LogKeyOut
from services.query.deps import Pool, Settings
from services.query.log_reads import consistency, inclusion, signed_head
from services.query.lots_api import json_response

router = APIRouter(prefix="/v1/log", tags=["log"])


@router.get(
    "/head",
    summary="The latest signed tree head of the transparency log",
    response_model=SignedTreeHead,
    responses=error_responses(404),
)
async def get_head(pool: Pool) -> Response:
    """The largest tree the ledger has signed."""
    async with pool.acquire() as db:
        return json_response(await signed_head(db))


@router.get(
    "/inclusion",
    summary="An event's leaf and its RFC 9162 inclusion proof (in the tree of `size` leaves; default: the "
    "latest signed head covering it)",
    response_model=InclusionOut,
    responses=error_responses(400, 404, 422),
)
async def get_inclusion(
    pool: Pool,
    event: Annotated[str, Query(pattern=ID_PATTERN, max_length=128, description="The event id", examples=["ev-1"])],
    size: Annotated[
        int | None, Query(ge=1, le=MAX_TREE_SIZE, description="Tree size (default: the latest signed head's)")
    ] = None,
) -> Response:
    """400 when the size is beyond the log or does not hold the leaf, 404 when the event is not logged."""
    async with pool.acquire() as db:
        return json_response(await inclusion(db, event, size))


@router.get(
    "/consistency",
    summary="RFC 9162 consistency proof from the tree of `from` leaves to the tree of `to` leaves",
    response_model=ConsistencyOut,
    responses=error_responses(400, 422),
)
async def get_consistency(
    pool: Pool,
    first: Annotated[int, Query(alias="from", ge=0, le=MAX_TREE_SIZE, description="The older tree size", examples=[1])],
    second: Annotated[int, Query(alias="to", ge=0, le=MAX_TREE_SIZE, description="The newer tree size", examples=[2])],
) -> Response:
    """400 when `from` > `to` or `to` is beyond the log."""
    async with pool.acquire() as db:
        return json_response(await consistency(db, first, second))


@router.get(
    "/key",
    summary="The log's public key (the one key an offline verifier trusts), its key id and the trust anchor "
    "statement it signed",
    response_model=LogKeyOut,
    responses=error_responses(404),
)
async def get_key(settings: Settings) -> Response:
    """Stable URL of the platform's log key (`goldtrace status` prints it)."""
    if not settings.log_public_key:
        raise HttpError(
            404,
            "log.key_unconfigured",
            "This query service knows no log public key (its trust.json has none); the operator must run "
            "`goldtrace up` once to make the platform keys.",
        )
    anchor = None
    if settings.anchor_signature:
        anchor = anchor_json(settings.anchor, settings.log_keyid, settings.anchor_signature)
    return json_response(
        {"algorithm": "Ed25519", "keyid": settings.log_keyid, "public_key": settings.log_public_key, "anchor": anchor}
    )
