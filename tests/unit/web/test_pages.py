"""The /verify routes over ASGI, with the provenance read replaced by documents built from the kernel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.common.http import HttpError, install_common
from services.common.openapi import documentation_settings
from services.common.settings import PipelineSettings
from services.query import pages_api
from services.query.app import wall_clock
from services.query.web.i18n import LANGUAGE_COOKIE
from tests.unit.web.documents import DemoSeason, document


@pytest.fixture
async def http(season: DemoSeason, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    """The pages router alone, its provenance read answering from the demo season."""

    async def provenance(pool: Any, settings: PipelineSettings, lot: str, now: datetime) -> dict[str, Any] | None:
        if lot == "too-big":
            raise HttpError(413, "provenance.too_large", "The history is too large.")
        known = {e.event.subject for e in season.events} | {
            output["lot"]
            for e in season.events
            if e.event.type == "lot.transformed"
            for output in e.raw["data"]["outputs"]
        }
        return document(season.events, season.anchor, lot) if lot in known else None

    monkeypatch.setattr(pages_api, "lot_provenance", provenance)
    app = FastAPI()

    async def health() -> dict[str, str]:
        return {}

    install_common(app, CollectorRegistry(), health)
    app.include_router(pages_api.router)
    app.state.settings = documentation_settings()
    app.state.pool = None
    app.state.clock = wall_clock
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gold.test") as client:
        yield client


def is_page(response: httpx.Response) -> bool:
    return response.headers["content-type"].startswith("text/html") and response.text.startswith("<!doctype html>")


async def test_the_page_speaks_spanish_by_default_and_english_when_the_browser_asks(
    http: httpx.AsyncClient, season: DemoSeason
) -> None:
    spanish = await http.get(f"/verify/{season.ring}")
    assert spanish.status_code == 200
    assert is_page(spanish)
    assert "✓ Verificado" in spanish.text
    assert spanish.headers["content-language"] == "es"
    assert "script-src" not in spanish.headers["content-security-policy"]  # default-src 'none': no script at all
    assert "default-src 'none'" in spanish.headers["content-security-policy"]
    assert f"http://gold.test/verify/{season.ring}" in spanish.text
    english = await http.get(f"/verify/{season.ring}", headers={"Accept-Language": "en-US,en;q=0.9,es;q=0.5"})
    assert "✓ Verified" in english.text
    assert english.headers["content-language"] == "en"
    assert LANGUAGE_COOKIE not in english.cookies


async def test_the_switch_sets_a_cookie_that_later_pages_follow(http: httpx.AsyncClient, season: DemoSeason) -> None:
    switched = await http.get(f"/verify/{season.ring}?lang=en", headers={"Accept-Language": "es"})
    assert "✓ Verified" in switched.text
    assert 'href="?lang=es"' in switched.text
    assert switched.cookies[LANGUAGE_COOKIE] == "en"
    later = await http.get(f"/verify/{season.lot('bar-u-01')}", headers={"Accept-Language": "es"})
    assert "✓ Verified" in later.text
    ignored = await http.get(f"/verify/{season.ring}?lang=" + "x" * 5000)
    assert ignored.status_code == 200
    assert "✓ Verified" in ignored.text  # an unknown language is ignored, the cookie still holds


async def test_unknown_malformed_and_other_paths_answer_with_pages_not_json(http: httpx.AsyncClient) -> None:
    unknown = await http.get("/verify/ring-99")
    assert unknown.status_code == 404
    assert is_page(unknown)
    assert "No hay ningún registro del lote «ring-99»." in unknown.text
    malformed = await http.get("/verify/%3Cscript%3Ealert(1)", headers={"Accept-Language": "en"})
    assert malformed.status_code == 422
    assert is_page(malformed)
    assert "“&lt;script&gt;alert(1)” is not a lot code" in malformed.text
    for path in ("/verify", "/verify/", "/verify/a/b/c", "/verify/a/qr.png"):
        other = await http.get(path)
        assert other.status_code == 404, path
        assert is_page(other), path
    too_big = await http.get("/verify/too-big")
    assert too_big.status_code == 413
    assert is_page(too_big)
    assert "/v1/lots/too-big/bundle" in too_big.text


async def test_the_qr_code_is_an_svg_of_the_page_address(http: httpx.AsyncClient, season: DemoSeason) -> None:
    qr = await http.get(f"/verify/{season.ring}/qr.svg")
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/svg+xml"
    assert qr.text.startswith("<svg")
    assert f"<title>http://gold.test/verify/{season.ring}</title>" in qr.text
    assert len(qr.content) < 8_000
    bad = await http.get("/verify/a%20b/qr.svg")
    assert bad.status_code == 422
    assert is_page(bad)


async def test_a_public_url_setting_wins_over_the_request_address(http: httpx.AsyncClient, season: DemoSeason) -> None:
    app = http._transport.app  # type: ignore[attr-defined]
    app.state.settings = replace(app.state.settings, public_url="https://oro.example.pe")
    qr = await http.get(f"/verify/{season.ring}/qr.svg")
    assert f"<title>https://oro.example.pe/verify/{season.ring}</title>" in qr.text
    page = await http.get(f"/verify/{season.ring}")
    assert f"goldtrace verify --lot {season.ring} --server https://oro.example.pe" in page.text
