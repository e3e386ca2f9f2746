"""Public HTML pages: /verify/{lot} and its QR code, in Spanish and English (services/query/web/README.md).

Every answer under /verify is a page, never JSON: an unknown lot is a 404 page, a text that is no lot id a 422
page, any other path under /verify a 404 page. The page language comes from `?lang=`, the cookie the switch sets,
Accept-Language, then Spanish.
"""

from __future__ import annotations

import re
from typing import Any, Final

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from events.model.types import ID_PATTERN
from services.common.http import HttpError
from services.common.settings import PipelineSettings
from services.query.deps import Now, Pool, Settings
from services.query.provenance_reads import lot_provenance
from services.query.web.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_COOKIE_MAX_AGE_S,
    Language,
    choose_language,
    is_language,
    other_language,
)
from services.query.web.qr import qr_svg
from services.query.web.render import Links, NotFoundWhy, render_lot_page, render_not_found

router = APIRouter(tags=["pages"])

LOT_ID: Final = re.compile(ID_PATTERN)
# No script may run, nothing may be framed or posted; styles are inline, images (the QR code) come from here.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
SVG: Final = "image/svg+xml"
HTML_REFUSAL: Final[dict[str, Any]] = {
    "description": "Not a lot id (an HTML page)",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def public_base(request: Request, settings: PipelineSettings) -> str:
    """The public base URL of the service: GOLDTRACE_PUBLIC_URL when set, else the request's own."""
    return settings.public_url or str(request.base_url).rstrip("/")


def page_url(base: str, lot: str) -> str:
    """The absolute URL of a lot's page (what its QR code encodes)."""
    return f"{base}/verify/{lot}"


def _language(request: Request) -> Language:
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )


def _html(request: Request, body: str, lang: Language, status: int = 200) -> HTMLResponse:
    """A page with its headers; a `?lang=` choice is kept in a cookie, so the next page opens in it."""
    headers = {
        **SECURITY_HEADERS,
        "Content-Language": lang,
        "Vary": "Accept-Language, Cookie",
        "Cache-Control": "no-cache",
    }
    response = HTMLResponse(body, status_code=status, headers=headers)
    if is_language(request.query_params.get("lang")):
        response.set_cookie(
            LANGUAGE_COOKIE, lang, max_age=LANGUAGE_COOKIE_MAX_AGE_S, path="/", httponly=True, samesite="lax"
        )
    return response


def _links(request: Request, settings: PipelineSettings, lot: str, lang: Language) -> Links:
    base = public_base(request, settings)
    return Links(
        page=page_url(base, lot),
        switch=f"?lang={other_language(lang)}",
        qr=f"/verify/{lot}/qr.svg",
        bundle=f"/v1/lots/{lot}/bundle",
        server=base,
    )


def _not_found(
    request: Request, settings: PipelineSettings, lot: str, why: NotFoundWhy, status: int | None = None
) -> HTMLResponse:
    lang = _language(request)
    links = Links(page=public_base(request, settings), switch=f"?lang={other_language(lang)}")
    status = status or (422 if why == "malformed" else 404)
    return _html(request, render_not_found(lot, lang, links, why), lang, status)


@router.get(
    "/verify/{lot}",
    response_class=HTMLResponse,
    summary="The lot's verification page (HTML, Spanish or English)",
    responses={404: {"description": "No record of the lot (an HTML page)"}, 422: HTML_REFUSAL},
)
async def verify_page(lot: str, request: Request, pool: Pool, settings: Settings, now: Now) -> HTMLResponse:
    """Tell the lot's story in plain words: verified or not and why, origins, women's share, premium, each step."""
    if not LOT_ID.fullmatch(lot):
        return _not_found(request, settings, lot, "malformed")
    try:
        provenance = await lot_provenance(pool, settings, lot, now)
    except HttpError as error:  # a history too large to judge here, say: a page, not JSON
        return _not_found(request, settings, lot, "error", error.status)
    if provenance is None:
        return _not_found(request, settings, lot, "unknown")
    lang = _language(request)
    return _html(request, render_lot_page(provenance, lang, _links(request, settings, lot, lang)), lang)


@router.get(
    "/verify/{lot}/qr.svg",
    response_class=Response,
    summary="A QR code (SVG) that opens the lot's verification page",
    responses={200: {"content": {SVG: {}}}, 422: HTML_REFUSAL},
)
async def verify_qr(lot: str, request: Request, settings: Settings) -> Response:
    """The QR code of the page's absolute URL (any well-formed lot id: the page itself says if the lot is unknown)."""
    if not LOT_ID.fullmatch(lot):
        return _not_found(request, settings, lot, "malformed")
    svg = qr_svg(page_url(public_base(request, settings), lot))
    return Response(svg, media_type=SVG, headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"})


@router.get("/verify", include_in_schema=False)
@router.get("/verify/{rest:path}", include_in_schema=False)
async def verify_elsewhere(request: Request, settings: Settings, rest: str = "") -> HTMLResponse:
    """Any other path under /verify: a page saying what a verification address looks like."""
    return _not_found(request, settings, rest, "page")
