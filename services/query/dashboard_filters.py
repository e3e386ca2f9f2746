"""The findings list's filters, read from a page's query string (pure): what is valid is used, the rest is named.

A page never answers a bad filter with JSON: an invalid value is ignored and the page says which one it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final
from urllib.parse import urlencode

from events.model.types import ID_PATTERN
from services.common.http import HttpError
from services.query.audit.findings_sql import FindingsQuery
from services.query.audit.pages import DEFAULT_LIMIT, parse_cursor
from services.query.audit.report_facts import Period

ID: Final = re.compile(ID_PATTERN)
KIND: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")
SEVERITIES: Final = ("notice", "warning", "alert")
MAX_VALUE_CHARS: Final = 160
SHOWN_CHARS: Final = 40
PAGE_SIZE: Final = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class Filters:
    """The valid filters of a findings page, the page's cursor, and the (name, value) pairs that were ignored."""

    organization: str | None = None
    kind: str | None = None
    severity: str | None = None
    lot: str | None = None
    mine: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    cursor: str | None = None
    ignored: tuple[tuple[str, str], ...] = field(default=())

    @property
    def period(self) -> Period:
        """The days the filters cover."""
        return Period(self.first_day, self.last_day)

    def query(self, limit: int = PAGE_SIZE) -> FindingsQuery:
        """The findings query of these filters."""
        period = self.period
        after = parse_cursor(self.cursor)
        return FindingsQuery(
            self.organization, self.kind, self.severity, self.lot, self.mine, period.start, period.end, limit, after
        )

    def params(self) -> dict[str, str]:
        """The filters as query parameters (cursor included), empty ones left out."""
        found = {
            "organization": self.organization,
            "kind": self.kind,
            "severity": self.severity,
            "lot": self.lot,
            "mine": self.mine,
            "from": None if self.first_day is None else self.first_day.isoformat(),
            "to": None if self.last_day is None else self.last_day.isoformat(),
            "cursor": self.cursor,
        }
        return {name: value for name, value in found.items() if value}

    def link(self, **changes: str | None) -> str:
        """A query string of these filters with some parameters changed (None removes one)."""
        params: dict[str, str | None] = {**self.params(), **changes}
        return "?" + urlencode({name: value for name, value in params.items() if value})

    @property
    def any(self) -> bool:
        """Whether any filter is set."""
        return bool(set(self.params()) - {"cursor"})


def parse_filters(params: Mapping[str, str]) -> Filters:
    """Filters from query parameters; invalid values are left out and listed in `ignored`."""
    found = Filters()
    ignored: list[tuple[str, str]] = []
    for name in ("organization", "lot", "mine"):
        value = _value(params, name)
        if value is not None:
            found, ignored = _keep(found, ignored, name, value, ID.fullmatch(value) is not None, name, value)
    kind = _value(params, "kind")
    if kind is not None:
        found, ignored = _keep(found, ignored, "kind", kind, len(kind) <= 64 and KIND.fullmatch(kind) is not None)
    severity = _value(params, "severity")
    if severity is not None:
        found, ignored = _keep(found, ignored, "severity", severity, severity in SEVERITIES)
    for name, attribute in (("from", "first_day"), ("to", "last_day")):
        text = _value(params, name)
        day = _day(text)
        if text is not None:
            found, ignored = _keep(found, ignored, name, text, day is not None, attribute, day)
    if found.first_day and found.last_day and found.first_day > found.last_day:
        ignored.append(("to", found.last_day.isoformat()))
        found = replace(found, last_day=None)
    cursor = _value(params, "cursor")
    if cursor is not None:
        found, ignored = _keep(found, ignored, "cursor", cursor, _cursor_ok(cursor))
    return replace(found, ignored=tuple(ignored))


def _value(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name, "").strip()
    return value or None


def _keep(
    found: Filters,
    ignored: list[tuple[str, str]],
    name: str,
    shown: str,
    valid: bool,
    attribute: str | None = None,
    value: object = None,
) -> tuple[Filters, list[tuple[str, str]]]:
    if valid and len(shown) <= MAX_VALUE_CHARS:
        changes: dict[str, Any] = {attribute or name: shown if value is None else value}
        return replace(found, **changes), ignored
    cut = shown[:SHOWN_CHARS] + ("…" if len(shown) > SHOWN_CHARS else "")
    return found, [*ignored, (name, cut)]


def _day(text: str | None) -> date | None:
    if text is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _cursor_ok(text: str) -> bool:
    try:
        parse_cursor(text)
    except HttpError:
        return False
    return True
