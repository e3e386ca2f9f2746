"""Buyers' API: a lot's state, its provenance verdict and its offline-verifiable bundle."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path
from fastapi.responses import Response

from events.model.types import ID_PATTERN
from services.common.http import HttpError
from services.common.openapi import error_responses
from services.query.api_models import BundleOut, LotProvenance, LotState
from services.query.bundle_reads import lot_bundle
from services.query.deps import Now, Pool, Settings
from services.query.provenance_reads import lot_provenance
from services.query.upstream_reads import lot_row

router = APIRouter(prefix="/v1/lots", tags=["lots"])

LotId = Annotated[
    str,
    Path(
        pattern=ID_PATTERN,
        max_length=128,
        description="The lot id (1-128 of A-Z a-z 0-9 . _ : -), as on the label or QR code",
        examples=["BAR-1"],
    ),
]
JSON = "application/json"


def json_response(document: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer serialised once with orjson (the documents are plain JSON values)."""
    return Response(orjson.dumps(document), media_type=JSON, headers=headers)


def _not_found(lot: str) -> HttpError:
    return HttpError(
        404, "lot.not_found", f"No event about lot {lot!r} was ever logged here; check the id on the label."
    )


@router.get(
    "/{lot}",
    summary="A lot's current state, as the custody processor last decided it",
    response_model=LotState,
    responses=error_responses(404, 422),
)
async def get_lot(lot: LotId, pool: Pool) -> Response:
    """The `lots` row of the lot."""
    async with pool.acquire() as db:
        row = await lot_row(db, lot)
    if row is None:
        raise _not_found(lot)
    return json_response(row)


@router.get(
    "/{lot}/provenance",
    summary="A lot's verdict with its upstream graph back to the mines: every event, its signer, digest, "
    "outcome and findings, refusals, and the names of the participants, mines and certificates",
    response_model=LotProvenance,
    responses=error_responses(404, 422),
)
async def get_provenance(lot: LotId, pool: Pool, settings: Settings, now: Now) -> Response:
    """The kernel's verdict over the stored events of the lot's history (200 even when not verified)."""
    document = await lot_provenance(pool, settings, lot, now)
    if document is None:
        raise _not_found(lot)
    return json_response(document)


@router.get(
    "/{lot}/bundle",
    summary="The lot's provenance bundle: its upstream events and registry events, one signed tree head and an "
    "inclusion proof per event; check it offline with `goldtrace verify`",
    response_model=BundleOut,
    responses={
        **error_responses(404, 409, 422, 503),
        200: {"description": "The bundle, as an attachment", "content": {JSON: {}}},
    },
)
async def get_bundle(lot: LotId, pool: Pool, settings: Settings, now: Now) -> Response:
    """The bundle of the lot, as a file to save (Content-Disposition: attachment)."""
    body = await lot_bundle(pool, settings, lot, now)
    if body is None:
        raise _not_found(lot)
    disposition = f'attachment; filename="goldtrace-bundle-{lot}.json"'
    return Response(body, media_type=JSON, headers={"Content-Disposition": disposition})
