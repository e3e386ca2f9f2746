"""The catalogues are complete: every text in both languages with the same fields; every code in plain words."""

from __future__ import annotations

import string

import pytest

from events.reasons import CATALOGUE
from services.query.web.i18n import LANGUAGES
from services.query.web.messages import MESSAGES
from services.query.web.reason_texts import FINDING_TEXTS, REASON_TEXTS, VERDICT_TEXTS, reason_text


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_fields(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == set(LANGUAGES)
    assert all(texts[lang].strip() for lang in LANGUAGES)
    assert fields(texts["es"]) == fields(texts["en"])


def test_every_reason_finding_and_verdict_code_of_the_kernel_has_plain_words_in_both_languages() -> None:
    texts = {**REASON_TEXTS, **FINDING_TEXTS, **VERDICT_TEXTS}
    wanted = {code for code, entry in CATALOGUE.items() if entry.kind in ("signature", "refusal", "finding", "verdict")}
    missing = sorted(wanted - set(texts))
    assert not missing, f"add plain words for these codes to services/query/web/reason_texts.py: {missing}"
    for code in wanted:
        assert set(texts[code]) == set(LANGUAGES)
        assert code not in texts[code]["es"]
        assert code not in texts[code]["en"]


def test_an_unlisted_code_still_gets_a_sentence_naming_it() -> None:
    assert reason_text("rule.from_the_future", "es") == "no cumple una regla (rule.from_the_future)"
    assert reason_text(None, "en") == "it breaks a rule (None)"
