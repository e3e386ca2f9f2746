"""Languages of the web pages (Spanish first: the miners are in Puno; English), chosen per request, and a translator.

Choice, first match wins: `?lang=es|en` (the visible switch is a plain link carrying it, and the page sets a cookie
so the choice sticks), the `goldtrace_lang` cookie, the Accept-Language header, then Spanish.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeGuard

Language = Literal["es", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("es", "en")
DEFAULT_LANGUAGE: Final[Language] = "es"
LANGUAGE_COOKIE: Final = "goldtrace_lang"
LANGUAGE_COOKIE_MAX_AGE_S: Final = 365 * 24 * 3600
MAX_ACCEPT_LANGUAGE_CHARS: Final = 512  # a longer header is read up to here only
MAX_ACCEPT_LANGUAGE_ITEMS: Final = 32

Messages = Mapping[str, Mapping[Language, str]]
"""A message catalogue: key -> text per language; texts are `str.format` templates with named fields."""


def is_language(value: object) -> TypeGuard[Language]:
    """True for a supported language code."""
    return value in LANGUAGES


def other_language(lang: Language) -> Language:
    """The language the switch offers."""
    return "en" if lang == "es" else "es"


def from_accept_language(header: str | None) -> Language | None:
    """The supported language the Accept-Language header prefers most (q-values honoured), if any."""
    if not header:
        return None
    best: tuple[float, int, Language] | None = None
    items = header[:MAX_ACCEPT_LANGUAGE_CHARS].split(",")[:MAX_ACCEPT_LANGUAGE_ITEMS]
    for position, item in enumerate(items):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().split("-")[0].lower()
        if not is_language(primary):
            continue
        weight = _quality(params)
        if weight <= 0:
            continue
        candidate = (-weight, position, primary)
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[2]


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> Language:
    """The page language: `?lang=`, else the cookie, else Accept-Language, else Spanish."""
    for value in (query, cookie):
        if is_language(value):
            return value
    return from_accept_language(accept_language) or DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    """Texts of one language from a catalogue: `t("key", name=value)`; a missing key is a bug and raises."""

    lang: Language
    messages: Messages

    def __call__(self, key: str, /, **fields: object) -> str:
        """The text of `key` in this language, its `{fields}` filled in (plain text: templates escape it)."""
        return self.messages[key][self.lang].format(**fields)

    def has(self, key: str) -> bool:
        """Whether the catalogue holds `key`."""
        return key in self.messages


def merge(*catalogues: Messages) -> dict[str, Mapping[Language, str]]:
    """One catalogue from several (the public pages', the audit pages'); a key defined twice is an error."""
    merged: dict[str, Mapping[Language, str]] = {}
    for catalogue in catalogues:
        for key, texts in catalogue.items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice")
            merged[key] = texts
    return merged
