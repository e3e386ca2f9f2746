"""The verification page in headless Chromium (JavaScript off, as on the cheapest phone): the demo's ring, a refused
lot, an unknown lot and the language switch, each with a screenshot kept under tests/browser/artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.conftest import StoredSeason

pytestmark = pytest.mark.integration

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MAX_PAGE_BYTES = 150 * 1024


async def context(browser: Browser, viewport: dict[str, int], locale: str = "es-PE") -> BrowserContext:
    """A browser context with JavaScript disabled: the pages must work without it."""
    return await browser.new_context(viewport=viewport, locale=locale, java_script_enabled=False)  # type: ignore[arg-type]


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    """A phone-sized page in Spanish (the browser of a buyer in Puno)."""
    found = await context(browser, PHONE)
    yield await found.new_page()
    await found.close()


async def visible_text(page: Page) -> str:
    return " ".join((await page.inner_text("body")).split())


async def text_of(page: Page, selector: str) -> str:
    return " ".join((await page.locator(selector).inner_text()).split())


async def test_the_demo_ring_tells_its_story(
    browser: Browser, phone: Page, season: StoredSeason, query_url: str, artifacts: Path
) -> None:
    ring = season.lot("ring-01")
    response = await phone.goto(f"{query_url}/verify/{ring}")
    assert response is not None
    assert response.status == 200
    assert len(await response.body()) < MAX_PAGE_BYTES
    await phone.screenshot(path=artifacts / "ring-phone-es.png", full_page=True)
    assert await phone.locator("html").get_attribute("lang") == "es"
    text = await visible_text(phone)
    assert "✓ Verificado" in text
    assert "Fairmined Ecológico" in text
    mines = phone.locator("#mines li")
    assert await mines.count() == 2
    assert "CECOMIP alluvial concession, Ananea" in await mines.nth(0).inner_text()
    assert "Oro Puno moraine deposit" in await mines.nth(1).inner_text()
    assert "% del oro fino" in await mines.nth(0).inner_text()
    assert "Las mujeres produjeron el" in await text_of(phone, "#women")
    assert "divinas-en-brillo-de-oro: bateadoras" in text
    assert "Pagada a los mineros:" in await text_of(phone, "#premium")
    steps = phone.locator("#steps > li")
    assert await steps.count() >= 15
    assert await phone.locator("#steps > li.refused").count() == 0
    assert await phone.locator("#steps .mark", has_text="✓ firma verificada").count() == await steps.count()
    assert "Envió 100 g a Fairmined-licensed jeweller, Lima (demo)" in await text_of(phone, "#steps")
    assert f"goldtrace verify --lot {ring} --server {query_url}" in text

    qr = await phone.request.get(f"{query_url}/verify/{ring}/qr.svg")
    assert qr.status == 200
    assert qr.headers["content-type"] == "image/svg+xml"
    assert f"<title>{query_url}/verify/{ring}</title>" in await qr.text()
    assert await phone.locator(f'img[src="/verify/{ring}/qr.svg"]').count() == 1
    bundle = await phone.request.get(f"{query_url}{await phone.locator('#bundle').get_attribute('href')}")
    assert bundle.status == 200
    assert (await bundle.json())["format"] == "goldtrace.bundle/v1"

    desktop = await context(browser, DESKTOP)
    page = await desktop.new_page()
    await page.goto(f"{query_url}/verify/{ring}")
    await page.screenshot(path=artifacts / "ring-desktop-es.png", full_page=True)
    assert "✓ Verificado" in await visible_text(page)
    await desktop.close()


async def test_a_refused_lot_says_why_in_plain_words(
    phone: Page, season: StoredSeason, query_url: str, artifacts: Path
) -> None:
    forged = season.lot("cecomip-03")
    response = await phone.goto(f"{query_url}/verify/{forged}")
    assert response is not None
    assert response.status == 200
    await phone.screenshot(path=artifacts / "refused-phone-es.png", full_page=True)
    verdict = await text_of(phone, "#verdict")
    assert "✗ No verificado" in verdict
    assert "este oro no entró en la cadena de custodia" in verdict
    assert f"Se rechazó la extracción del lote {forged} (a nombre de " in verdict
    assert "la firma no corresponde a la clave de quien dice firmar" in verdict
    assert "signature.invalid" not in verdict
    assert await phone.locator("#mines").count() == 0


async def test_an_unknown_lot_is_a_page_saying_so(phone: Page, query_url: str, artifacts: Path) -> None:
    response = await phone.goto(f"{query_url}/verify/ring-does-not-exist")
    assert response is not None
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    await phone.screenshot(path=artifacts / "unknown-phone-es.png", full_page=True)
    assert "No hay ningún registro del lote «ring-does-not-exist»." in await visible_text(phone)


async def test_the_language_switch_changes_the_page_and_sticks(
    phone: Page, season: StoredSeason, query_url: str, artifacts: Path
) -> None:
    ring = season.lot("ring-01")
    await phone.goto(f"{query_url}/verify/{ring}")
    assert "✓ Verificado" in await visible_text(phone)
    await phone.get_by_role("link", name="English").click()
    await phone.wait_for_url("**?lang=en")
    await phone.screenshot(path=artifacts / "ring-phone-en.png", full_page=True)
    assert await phone.locator("html").get_attribute("lang") == "en"
    text = await visible_text(phone)
    assert "✓ Verified" in text
    assert "Fairmined Ecological" in text
    assert "Shipped 100 g to Fairmined-licensed jeweller, Lima (demo)" in text
    assert "Verificado" not in text
    await phone.goto(f"{query_url}/verify/{season.lot('bar-u-01')}")  # the cookie keeps English on the next page
    assert "Not certified" in await visible_text(phone)
    await phone.get_by_role("link", name="Español").click()
    await phone.wait_for_url("**?lang=es")
    assert "No certificado" in await visible_text(phone)
    assert await phone.locator("html").get_attribute("lang") == "es"
