"""The dashboard's pages rendered from data (no server): both languages, charts as inline SVG, escaping, catalogue."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from services.query.audit.report import Report
from services.query.dashboard_filters import parse_filters
from services.query.dashboard_reads import Organization
from services.query.web.audit_messages import AUDIT_MESSAGES
from services.query.web.audit_pages import (
    Session,
    cents,
    render_findings,
    render_login,
    render_missing_organization,
    render_organization,
    report_charts,
)
from services.query.web.i18n import LANGUAGES, Language
from services.query.web.render import Links
from tests.unit.audit.test_report import report_of, season

SESSION = Session(Links(page="/audit", switch="?lang=en"), who="arm")
HOSTILE = '<img src=x onerror="alert(1)">'


def finding(**changes: Any) -> dict[str, Any]:
    base = {
        "finding_id": 7,
        "code": "pallaqueras.above_monthly_limit",
        "severity": "alert",
        "organization": "cruz-pata",
        "mine": "cruz-pata-chaquiminas",
        "lot": "cruz-pata-03-abc123",
        "time": "2026-09-18T07:30:00Z",
        "detail": "Pallaqueras group 'pallaqueras-la-rinconada' of 'cruz-pata' has now contributed ...",
        "figures": {"month": "2026-09", "group": "pallaqueras-la-rinconada", "fine_mg": 840_650,
                    "limit_mg": 792_000, "members": 12},
        "event_ids": ["ev-1"],
        "events": [{"event_id": "ev-1", "type": "lot.extracted", "signer": "cruz-pata",
                    "time": "2026-09-18T07:30:00Z", "outcome": "accepted"}],
        "recorded_at": "2026-09-18T07:30:01Z",
    }  # fmt: skip
    return base | changes


def no_script(page: str) -> None:
    assert "<script" not in page.lower()
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", page)  # no event handler attribute in any tag


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(AUDIT_MESSAGES))
def test_every_dashboard_text_has_both_languages_with_the_same_fields(key: str) -> None:
    texts = AUDIT_MESSAGES[key]
    assert set(texts) == set(LANGUAGES)
    assert fields(texts["es"]) == fields(texts["en"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_sign_in_page_posts_the_token_and_says_why_one_was_refused(lang: Language) -> None:
    page = render_login(lang, Session(Links("/audit", "?lang=x")), "auth.auditor_only", HOSTILE)
    no_script(page)
    assert '<form method="post" action="/audit/login"' in page
    assert 'type="password"' in page
    assert 'id="refusal"' in page
    assert "&lt;img" in page  # the holder's name is escaped
    assert f'<html lang="{lang}">' in page
    assert 'id="logout"' not in page  # nobody is signed in
    assert 'id="refusal"' not in render_login(lang, Session(Links("/audit", "?lang=x")))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_findings_page_lists_findings_in_plain_words_with_their_figures(lang: Language) -> None:
    filters = parse_filters({"severity": "alert", "lot": HOSTILE})
    clock = finding(code="shipment.not_received", severity="warning", figures={"waited_s": 31 * 86_400})
    orgs = [Organization("cruz-pata", "Cruz Pata Chaquiminas", True, 2), Organization("x", HOSTILE, False, 1)]
    page = render_findings(lang, SESSION, filters, [finding(), clock], "123~7", orgs)
    no_script(page)
    assert page.count('<li class="finding') == 2
    assert ("grupo de pallaqueras" if lang == "es" else "pallaqueras group") in page
    assert ("840,7\u00a0g" if lang == "es" else "840.7\u00a0g") in page  # fine gold of the month, in grams
    assert ("31 días" if lang == "es" else "31 days") in page
    assert ("reloj de auditoría" if lang == "es" else "audit clock") in page  # the clock's finding says so
    assert 'href="/audit/organizations/cruz-pata"' in page
    assert 'href="/verify/cruz-pata-03-abc123"' in page
    assert 'href="?severity=alert&amp;cursor=123~7"' in page  # the next page keeps the filters
    assert '<option value="alert" selected>' in page
    assert "&lt;img" in page  # the ignored filter and the hostile name, escaped
    assert 'id="logout"' in page


async def test_the_organization_page_draws_its_three_charts_from_the_report() -> None:
    report = await report_of(season())
    charts = report_charts(report)
    assert [bar.over for bar in charts.production.bars] == [True, False]  # March above capacity
    assert len(charts.premium.bars) == 2
    assert [row["below_rate"] for row in charts.premium_rows] == [False, True]
    assert [bar.label for bar in charts.gender.bars] == ["production_share_bp", "premium_share_bp"]
    links = {"gender": "/v1/audit/organizations/cecomip/report?format=csv&table=gender"}
    page = render_organization("es", SESSION, report, [finding()], "/audit?organization=cecomip", links)
    no_script(page)
    assert page.count('<svg class="chart"') == 4  # production, premium, gender, groups
    assert '<g class="row over">' in page
    assert '<g class="row short">' in page  # the sale without its premium
    assert 'class="seg women"' in page
    assert '<g class="row womens">' in page  # the bateadoras, a women's group
    assert "Producción frente a capacidad" in page
    assert 'href="/v1/audit/organizations/cecomip/report?format=csv&amp;table=gender" download' in page
    english = render_organization("en", SESSION, report, [], "/audit?organization=cecomip", links)
    assert "Production against capacity" in english
    assert "Women&#39;s groups: production / premium" in english


async def test_an_empty_report_still_renders() -> None:
    reads = season()
    reads.extraction_facts, reads.sale_facts, reads.origin_facts = [], [], []
    report: Report = await report_of(reads)
    page = render_organization("en", SESSION, report, [], "/audit", {})
    assert "Nothing to show in this period." in page
    no_script(page)


def test_money_strings_become_cents_and_an_unknown_organization_has_its_page() -> None:
    assert [cents("1234.5"), cents("-0.07"), cents(None), cents("")] == [123_450, -7, 0, 0]
    page = render_missing_organization("en", SESSION, HOSTILE)
    assert "No organization with the id &lt;img" in page
