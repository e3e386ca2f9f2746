"""The audit dashboard in headless Chromium (JavaScript off) over the demo season: sign in with an auditor token,
the findings (at least three kinds, the audit clock's included), filters, CECOMIP's report with its charts and its
women's groups' shares, the same report's table as CSV, the language switch, signing out, and the refusals.
Screenshots go to tests/browser/artifacts/."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from events.custody.policy import DEFAULT_POLICY
from services.demo import cast
from services.ledger.audit_clock import AuditClock
from services.query.audit import token_store
from tests.browser.conftest import StoredSeason

pytestmark = pytest.mark.integration

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MAX_PAGE_BYTES = 150 * 1024
EVENT_FINDINGS = {
    "premium.below_rate",
    "receipt.weight_mismatch",
    "mine.over_capacity",
    "pallaqueras.above_monthly_limit",
}
CLOCK_FINDINGS = {"shipment.not_received", "lot.held_past_certificate"}


@pytest.fixture(scope="module")
async def tokens(season: StoredSeason) -> dict[str, str]:
    """An auditor token for ARM and a participant token for CECOMIP; the audit clock has run once."""
    pool = await asyncpg.create_pool(season.pipeline.database_url, min_size=1, max_size=1)
    try:
        await AuditClock(pool, DEFAULT_POLICY).tick()  # the ledger's own clock ticks every 30 s: do not wait for it
        async with pool.acquire() as db:
            auditor = await token_store.issue_token(db, cast.AUTHORITY, "auditor", "browser test")
            participant = await token_store.issue_token(db, cast.CECOMIP, "participant", "browser test")
    finally:
        await pool.close()
    return {"auditor": auditor.text, "participant": participant.text}


async def new_page(browser: Browser, viewport: dict[str, int], locale: str = "es-PE") -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=viewport, locale=locale, java_script_enabled=False)  # type: ignore[arg-type]
    return context, await context.new_page()


@pytest.fixture
async def desktop(browser: Browser) -> AsyncIterator[tuple[BrowserContext, Page]]:
    """A desktop-sized page in Spanish, JavaScript off."""
    context, page = await new_page(browser, DESKTOP)
    yield context, page
    await context.close()


async def follow(page: Page, selector: str) -> None:
    """Click what navigates, and wait until the new page has loaded (a click waits only until it starts loading,
    and counting elements does not wait for them)."""
    await page.click(selector)
    await page.wait_for_load_state("load")


async def sign_in(page: Page, query_url: str, token: str) -> None:
    await page.goto(f"{query_url}/audit")
    await page.fill("#token", token)
    await follow(page, "#sign-in")


async def test_an_auditor_signs_in_and_sees_the_seasons_findings(
    desktop: tuple[BrowserContext, Page], query_url: str, tokens: dict[str, str], artifacts: Path
) -> None:
    context, page = desktop
    response = await page.goto(f"{query_url}/audit")
    assert response is not None
    assert response.status == 200
    assert await page.locator("form[action='/audit/login']").count() == 1
    await page.screenshot(path=artifacts / "audit-sign-in-es.png", full_page=True)

    await sign_in(page, query_url, tokens["auditor"])
    assert page.url.startswith(f"{query_url}/audit"), page.url
    assert await page.locator("#token").count() == 0, await page.inner_text("main")
    cookie = next(c for c in await context.cookies() if c["name"] == "goldtrace_token")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    codes = set(await page.locator("#findings code.code").all_inner_texts())
    assert codes >= EVENT_FINDINGS | CLOCK_FINDINGS, codes
    assert len(codes) >= 3
    assert "Sesión de arm (auditor)" in await page.inner_text("nav.audit-nav")
    await page.screenshot(path=artifacts / "audit-findings-es.png", full_page=True)

    await page.select_option("select[name='kind']", "pallaqueras.above_monthly_limit")
    await follow(page, "#filters button[type='submit']")
    assert "kind=pallaqueras.above_monthly_limit" in page.url
    shown = await page.locator("#findings li.finding").count()
    assert shown == 1
    assert "cruz-pata" in await page.inner_text("#findings")


async def test_cecomips_report_has_its_charts_womens_groups_and_its_csv(
    desktop: tuple[BrowserContext, Page], query_url: str, tokens: dict[str, str], artifacts: Path
) -> None:
    context, page = desktop
    await sign_in(page, query_url, tokens["auditor"])
    await follow(page, f"a[href='/audit/organizations/{cast.CECOMIP}']")
    assert page.url.startswith(f"{query_url}/audit/organizations/{cast.CECOMIP}")
    html = await page.content()
    assert len(html.encode()) < MAX_PAGE_BYTES
    assert await page.locator("svg.chart").count() == 4
    assert await page.locator("#chart-production svg g.row").count() >= 1
    assert await page.locator("#chart-premium svg g.row").count() == 2  # CECOMIP's two certified first sales
    assert await page.locator("#chart-gender rect.seg.women").count() == 2  # production and premium
    assert await page.locator("#groups g.row.womens").count() == 1  # the bateadoras
    women_groups = await page.inner_text("#women-groups")
    assert "%" in women_groups
    assert "sin dato" not in women_groups
    await page.screenshot(path=artifacts / "audit-cecomip-es.png", full_page=True)

    href = await page.locator("#csv a[href*='table=gender']").get_attribute("href")
    assert href is not None
    assert "table=gender" in href
    answer = await context.request.get(f"{query_url}{href}")  # the browser's cookie authenticates the download
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO((await answer.body()).decode())))
    assert rows[0][:3] == ["dimension", "name", "kind"]
    groups = {row[1]: row for row in rows[1:] if row[0] == "group"}
    assert groups[cast.BATEADORAS][2] == "bateadoras"
    assert int(groups[cast.BATEADORAS][6]) > 0  # the bateadoras' share of CECOMIP's fine gold, in basis points

    await page.get_by_role("link", name="English").click()
    await page.wait_for_load_state("load")
    assert "Production against capacity" in await page.inner_text("#chart-production")
    await page.screenshot(path=artifacts / "audit-cecomip-en.png", full_page=True)


async def test_signing_out_and_the_refusals(
    browser: Browser, query_url: str, tokens: dict[str, str], artifacts: Path
) -> None:
    context, page = await new_page(browser, PHONE)
    try:
        await sign_in(page, query_url, tokens["participant"])
        assert "solo para auditores" in await page.inner_text("#refusal")
        await sign_in(page, query_url, "gt_000000000000_" + "x" * 43)
        assert "no existe aquí" in await page.inner_text("#refusal")
        assert not [c for c in await context.cookies() if c["name"] == "goldtrace_token"]

        await sign_in(page, query_url, tokens["auditor"])
        await page.screenshot(path=artifacts / "audit-findings-phone-es.png", full_page=True)
        await follow(page, "#logout")
        assert await page.locator("#token").count() == 1
        assert not [c for c in await context.cookies() if c["name"] == "goldtrace_token"]

        forged = await context.request.post(
            f"{query_url}/audit/login",
            form={"token": tokens["auditor"]},
            headers={"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert forged.status == 400  # a form posted from another site signs nobody in
        assert "set-cookie" not in forged.headers
    finally:
        await context.close()
