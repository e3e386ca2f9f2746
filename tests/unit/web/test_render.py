"""The verification page as a pure function of the provenance document and a language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from events.codec import SignedEvent
from services.demo import cast
from services.query.web.formats import NBSP, Formats
from services.query.web.render import Links, render_lot_page, render_not_found
from tests.unit.events.scenario import (
    BATEADORAS,
    COOPERATIVES,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    TRADER,
    Scenario,
    shipment_of,
)
from tests.unit.web.documents import DemoSeason, document, kernel_document

MAX_PAGE_BYTES = 150 * 1024


def links(lot: str) -> Links:
    return Links(
        page=f"https://gold.example/verify/{lot}",
        switch="?lang=en",
        qr=f"/verify/{lot}/qr.svg",
        bundle=f"/v1/lots/{lot}/bundle",
        server="https://gold.example",
    )


def page(doc: dict[str, Any], lang: str = "es") -> str:
    html = render_lot_page(doc, lang, links(doc["lot"]))  # type: ignore[arg-type]
    return html.replace(NBSP, " ")


def text_of(html: str) -> str:
    """The visible text, tags dropped and white space folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_no_javascript(html: str) -> None:
    parser = Tags()
    parser.feed(html)
    assert parser.tags, "not HTML"
    for tag, attrs in parser.tags:
        assert tag not in ("script", "iframe", "object", "embed"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)


def test_the_demo_ring_tells_its_story_in_spanish(season: DemoSeason) -> None:
    doc = document(season.events, season.anchor, season.ring)
    found, fmt = doc["provenance"], Formats("es")
    html = page(doc)
    text = text_of(html)
    assert '<html lang="es">' in html
    assert "✓ Verificado" in text
    assert "Fairmined Ecológico" in text
    assert "6 g, ley 750: 4,5 g de oro fino" in text
    for mine in found["mines"]:
        name, region = doc["names"]["mines"][mine["name"]]["name"], doc["names"]["mines"][mine["name"]]["region"]
        share = f"{fmt.percent(mine['share_bp'])} del oro fino ({fmt.grams(mine['fine_mg'])})".replace(NBSP, " ")
        assert f"{name} , {region} {share}" in text
    assert any(s["name"] == cast.CECOMIP for s in found["organizations"])
    assert "Central de Cooperativas Mineras de Puno (CECOMIP)" in text
    assert f"Las mujeres produjeron el {fmt.percent(found['women_share_bp'])} del oro fino".replace(NBSP, " ") in text
    assert f"{cast.BATEADORAS}: bateadoras (mujeres que lavan grava aurífera en bateas)" in text
    paid, due = fmt.usd(found["premium_paid_usd_cents"]), fmt.usd(found["premium_due_usd_cents"])
    assert f"Pagada a los mineros: {paid}, de {due}".replace(NBSP, " ") in text
    assert "Gold refinery, Lima (demo) · Envió 100 g a Fairmined-licensed jeweller, Lima (demo)" in text
    assert "Fabricación: bar-100g-01-" in text
    custody = [e for e in doc["events"] if e["type"].startswith("lot.")]
    steps = html.split('id="steps"')[1].split("</ol>")[0]
    assert steps.count("<li") == steps.count("✓ firma verificada") == len(custody) > 10
    assert f'src="/verify/{season.ring}/qr.svg"' in html
    assert f'href="/v1/lots/{season.ring}/bundle"' in html
    assert f"goldtrace verify --lot {season.ring} --server https://gold.example" in text
    assert 'href="?lang=en"' in html
    assert "English" in text


def test_the_demo_ring_in_english(season: DemoSeason) -> None:
    doc = document(season.events, season.anchor, season.ring)
    html = page(doc, "en")
    text = text_of(html)
    assert '<html lang="en">' in html
    assert "✓ Verified" in text
    assert "Fairmined Ecological" in text
    assert f"Women produced {Formats('en').percent(doc['provenance']['women_share_bp'])} of the fine gold" in text
    assert "Paid to the miners: USD " in text
    assert "Gold refinery, Lima (demo) · Shipped 100 g to Fairmined-licensed jeweller, Lima (demo)" in text
    assert "Received 1,249.1 g (weighed on arrival)" in text
    assert "⚑ a certified first sale states a premium below the Fairmined rate" in text
    assert "Verificado" not in text
    assert "Envió" not in text


@pytest.mark.parametrize("lang", ["es", "en"])
def test_pages_carry_no_javascript_and_stay_under_150_kb(season: DemoSeason, lang: str) -> None:
    for lot in (season.ring, season.lot("bar-u-01"), season.lot("cecomip-03")):
        html = render_lot_page(document(season.events, season.anchor, lot), lang, links(lot))  # type: ignore[arg-type]
        assert_no_javascript(html)
        assert len(html.encode()) < MAX_PAGE_BYTES
    not_found = render_not_found("nope", lang, links("nope"))  # type: ignore[arg-type]
    assert_no_javascript(not_found)


def test_a_lot_whose_extraction_was_refused_says_why_in_plain_words(season: DemoSeason) -> None:
    forged = season.lot("cecomip-03")
    html = page(document(season.events, season.anchor, forged))
    es = text_of(html)
    assert "✗ No verificado" in es
    assert "este oro no entró en la cadena de custodia" in es
    assert (
        f"Se rechazó la extracción del lote {forged} (a nombre de Central de Cooperativas Mineras de Puno (CECOMIP)"
        in es
    )
    assert "la firma no corresponde a la clave de quien dice firmar" in es
    assert "signature.invalid" not in es
    assert "verdict.refused" not in es
    assert 'id="mines"' not in html
    assert 'id="bundle"' not in html
    lapsed = season.lot("cruz-pata-02")
    en = text_of(page(document(season.events, season.anchor, lapsed), "en"))
    assert f"The extraction of lot {lapsed} (Cruz Pata Chaquiminas," in en
    assert "the certificate was not valid on that date (it had lapsed or not yet begun)" in en


def test_refused_attempts_on_a_verified_lot_are_shown_apart(season: DemoSeason) -> None:
    text = text_of(page(document(season.events, season.anchor, season.lot("bar-u-01")), "en"))
    assert "✓ Verified" in text
    assert "Not certified" in text
    assert "No premium applies: the gold is not certified." in text
    assert "Refused attempts" in text
    assert "was refused because that lot had already been melted or made into others" in text
    assert "was refused because it declared more fine gold out than went in" in text
    assert "a mine produced more fine gold in a month than its declared capacity" in text


def chain(scenario: Scenario) -> list[SignedEvent]:
    """Two certified lots sold to the trader, who melts them into one doré."""
    events = scenario.world()
    for lot, asmo, mine, cert, mass in (
        ("eco-1", ECO_ASMO, ECO_MINE, ECO_CERT, 500_000),
        ("fm-1", FM_ASMO, FM_MINE, FM_CERT, 300_000),
    ):
        contributions = [(BATEADORAS, 3_000), (COOPERATIVES, 7_000)] if asmo == ECO_ASMO else None
        events.append(scenario.extract(asmo, lot, mine, mass, certificate=cert, contributions=contributions))
        ship = scenario.ship(asmo, lot, TRADER, mass, premium_usd="100000.00")
        events += [ship, scenario.receive(TRADER, lot, shipment_of(ship), mass)]
    return events


def test_a_refused_step_inside_the_history_makes_the_lot_unverified() -> None:
    scenario = Scenario()
    events = chain(scenario)
    events.append(scenario.ship(ECO_ASMO, "eco-1", FM_ASMO, 500_000))  # CECOMIP no longer holds eco-1
    html = page(kernel_document(events, scenario.anchor(), "eco-1"), "en")
    text = text_of(html)
    assert "✗ Not verified" in text
    assert "A step of its history (or of the register of those who took part) was refused by the rules." in text
    assert "The shipment of lot eco-1 (Cecomip," in text
    assert "because the signer did not hold the lot" in text
    assert '<li class="refused">' in html
    assert "✗ refused: the signer did not hold the lot" in text
    assert_no_javascript(html)


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_names_are_escaped_never_run() -> None:
    scenario = Scenario()
    events = chain(scenario)
    doc = document(events, scenario.anchor(), "eco-1")
    doc["names"]["participants"][ECO_ASMO] = {"name": HOSTILE}
    doc["names"]["mines"][ECO_MINE] = {"name": HOSTILE, "region": HOSTILE}
    for record in doc["events"]:
        if record["type"] == "participant.registered" and record["data"]["participant"] == TRADER:
            record["data"]["name"] = HOSTILE
    doc["names"]["participants"].pop(TRADER)
    html = page(doc, "en")
    assert_no_javascript(html)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("&lt;script&gt;") >= 4  # organization, mine, region, the trader in the steps
    not_found = render_not_found(HOSTILE, "es", links("x"), "malformed")
    assert_no_javascript(not_found)
    assert "&lt;script&gt;" in not_found


def test_a_long_history_is_cut_to_its_latest_steps_and_the_page_stays_small() -> None:
    scenario = Scenario()
    events = scenario.world()
    lots = [f"eco-{n:03d}" for n in range(220)]
    for lot in lots:
        events.append(scenario.extract(ECO_ASMO, lot, ECO_MINE, 10_000, certificate=ECO_CERT))
        ship = scenario.ship(ECO_ASMO, lot, TRADER, 10_000, premium_usd="1000.00")
        events += [ship, scenario.receive(TRADER, lot, shipment_of(ship), 10_000)]
    events.append(scenario.transform(TRADER, lots, [("dore-big", 2_150_000, "850")]))
    doc = document(events, scenario.anchor(), "dore-big")
    assert len(doc["events"]) > 600
    for lang in ("es", "en"):
        html = page(doc, lang)
        assert len(html.encode()) < MAX_PAGE_BYTES, len(html.encode())
        assert_no_javascript(html)
    text = text_of(html)
    assert "The latest steps are shown; the 511 earlier ones are in the proof bundle." in text
    assert (
        "Melting: eco-000, eco-001, eco-002, eco-003, eco-004, eco-005, and 214 more lots → dore-big (2,150 g)" in text
    )


def test_the_unknown_lot_page_says_so_in_both_languages() -> None:
    es = text_of(render_not_found("ring-99", "es", links("ring-99")).replace(NBSP, " "))
    assert "No hay ningún registro del lote «ring-99»." in es
    en = text_of(render_not_found("a" * 500, "en", links("x"), "malformed"))
    assert f"“{'a' * 128}…” is not a lot code" in en
    other = text_of(render_not_found("x/y", "en", links("x"), "page"))
    assert "Verification pages look like /verify/&lt;lot code&gt;." in other
