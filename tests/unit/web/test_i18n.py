"""Language choice (query, cookie, Accept-Language, Spanish) and number, mass, money and date formats."""

from __future__ import annotations

import pytest

from services.query.web.formats import NBSP, Formats
from services.query.web.i18n import Translator, choose_language, from_accept_language, merge


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        ("en", "es", "es", "en"),
        (None, "en", "es-PE,es;q=0.9", "en"),
        ("fr", "xx", "en-GB,en;q=0.8", "en"),
        (None, None, None, "es"),
        (None, None, "de-DE,fr;q=0.5", "es"),
        (None, None, "es;q=0.4, en;q=0.9", "en"),
        (None, None, "en;q=0, es;q=0.1", "es"),
        (None, None, "en;q=abc", "es"),
        (None, None, "EN-us", "en"),
    ],
)
def test_the_language_comes_from_the_query_then_the_cookie_then_the_header_then_spanish(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert choose_language(query, cookie, header) == expected


def test_a_huge_accept_language_header_is_read_only_up_to_a_limit() -> None:
    assert from_accept_language("de," * 10_000 + "en") is None
    assert from_accept_language("en;q=0.5," + "x" * 100_000) == "en"


def test_the_translator_fills_fields_and_a_key_defined_twice_is_refused() -> None:
    t = Translator("en", {"hello": {"es": "Hola {name}", "en": "Hello {name}"}})
    assert t("hello", name="<b>") == "Hello <b>"  # plain text: the templates escape it
    assert t.has("hello")
    assert not t.has("bye")
    with pytest.raises(KeyError):
        t("bye")
    with pytest.raises(ValueError, match="twice"):
        merge({"a": {"es": "a", "en": "a"}}, {"a": {"es": "b", "en": "b"}})


@pytest.mark.parametrize(
    ("mass_mg", "es", "en"),
    [
        (12_300, "12,3 g", "12.3 g"),
        (6_000, "6 g", "6 g"),
        (4_499, "4,5 g", "4.5 g"),
        (931, "0,93 g", "0.93 g"),
        (1_249_100, "1249,1 g", "1,249.1 g"),
        (12_500_000, "12 500 g", "12,500 g"),
        (99_995, "100 g", "100 g"),
    ],
)
def test_masses_are_written_in_grams_as_each_language_writes_numbers(mass_mg: int, es: str, en: str) -> None:
    assert Formats("es").grams(mass_mg).replace(NBSP, " ") == es
    assert Formats("en").grams(mass_mg).replace(NBSP, " ") == en


def test_shares_money_fineness_and_dates() -> None:
    es, en = Formats("es"), Formats("en")
    assert es.percent(2_400).replace(NBSP, " ") == "24 %"
    assert en.percent(4_130) == "41.3%"
    assert en.percent(7_935) == "79.35%"
    assert es.usd(678_750).replace(NBSP, " ") == "6787,50 USD"
    assert en.usd(12_345_678).replace(NBSP, " ") == "USD 123,456.78"
    assert es.fineness("999.9") == "999,9"
    assert en.fineness("999.9") == "999.9"
    assert es.when("2026-09-10T11:00:00Z").replace(NBSP, " ") == "10 sept 2026, 11:00 UTC"
    assert en.day("2026-03-02T08:00:00.123Z").replace(NBSP, " ") == "2 Mar 2026"
    assert en.when("not a time") == "not a time"
