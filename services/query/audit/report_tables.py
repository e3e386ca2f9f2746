"""The shape every report table has: named columns, rows of plain cells, and money and ratio helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from events.custody.policy import BASIS_POINTS

Cell = int | str | bool | None


@dataclass(frozen=True, slots=True)
class Table:
    """One table of a report: a stable name, a title for people, column names and rows of cells."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def records(self) -> list[dict[str, Cell]]:
        """The rows as objects keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self) -> dict[str, Any]:
        """The table as JSON: title, columns and rows as objects."""
        return {"title": self.title, "columns": list(self.columns), "rows": self.records()}


def table(name: str, title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Table:
    """A table, checking that every row has one cell per column."""
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"table {name}: a row has {len(row)} cells for {len(columns)} columns")
    return Table(name, title, tuple(columns), tuple(tuple(row) for row in rows))


def usd(cents: int | None) -> str | None:
    """USD cents as the contract's decimal string (`"1234.56"`), or None."""
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole}.{fraction:02d}"


def share_bp(part: int, whole: int) -> int | None:
    """`part` as basis points of `whole` (rounded down), or None when there is no whole."""
    return part * BASIS_POINTS // whole if whole > 0 else None


def month(moment: datetime) -> str:
    """The UTC calendar month `YYYY-MM` of an instant (as the custody processor's monthly tallies use)."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc.month:02d}"


def timestamp(moment: datetime) -> str:
    """An instant as RFC 3339 UTC text to the second."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
