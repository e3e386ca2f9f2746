"""Geometry of the audit dashboard's inline SVG charts (pure, integer arithmetic, no text: templates write that).

Two shapes cover every chart of the organization page:

- `BarChart`: one horizontal bar per row (a month of a mine, a sale), a value against a limit (capacity, premium
  due) on one common scale; the limit is a marker line, a row over its limit is marked `over`.
- `ShareChart`: rows of 100 % stacked bars (production, premium) split into parts (women, men, unrecorded).

Coordinates are in the SVG's own units (`WIDTH` wide); the page scales the SVG to the column width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from events.custody.composition import apportion
from events.custody.policy import BASIS_POINTS

WIDTH: Final = 400
"""The chart's width in SVG units; bars run from 0 to WIDTH."""
BAR_ROW: Final = 42
"""Height of one row: a line of text, then the bar."""
BAR_Y: Final = 20
"""Where a row's bar starts below the row's top."""
BAR_HEIGHT: Final = 14
MAX_LABEL_CHARS: Final = 36
"""A longer label is cut (with an ellipsis) so it never runs into the row's value."""
MAX_ROWS: Final = 60
"""A chart shows at most this many rows (the latest); the table beside it has them all."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a bar chart: its label, value and limit (as given), and where they fall on the chart."""

    label: str
    value: int
    limit: int | None
    top: int
    width: int
    marker: int | None

    @property
    def over(self) -> bool:
        """Whether the value is above its limit."""
        return self.limit is not None and self.value > self.limit


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars on one scale, top to bottom, and how many older rows were left out."""

    bars: tuple[Bar, ...]
    left_out: int = 0

    @property
    def height(self) -> int:
        """The SVG's height."""
        return max(len(self.bars), 1) * BAR_ROW

    @property
    def width(self) -> int:
        """The SVG's width."""
        return WIDTH


def bar_chart(rows: Sequence[tuple[str, int, int | None]]) -> BarChart:
    """A chart of (label, value, limit) rows: every value and limit on the scale of the largest of them."""
    shown = list(rows[-MAX_ROWS:])
    scale = max([value for _, value, _ in shown] + [limit or 0 for _, _, limit in shown] + [1])
    bars = tuple(
        Bar(
            label=label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…",
            value=value,
            limit=limit,
            top=index * BAR_ROW,
            width=_on_scale(value, scale),
            marker=None if limit is None else min(_on_scale(limit, scale), WIDTH - 1),
        )
        for index, (label, value, limit) in enumerate(shown)
    )
    return BarChart(bars, len(rows) - len(shown))


def _on_scale(value: int, scale: int) -> int:
    return max(value, 0) * WIDTH // scale


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a stacked bar: its key (`women`), its share in basis points, and its place on the bar."""

    key: str
    share_bp: int
    x: int
    width: int


@dataclass(frozen=True, slots=True)
class StackedBar:
    """A 100 % bar (`production`, `premium`) and its segments left to right; empty when there is no whole."""

    label: str
    top: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class ShareChart:
    """Stacked bars, one per row."""

    bars: tuple[StackedBar, ...]

    @property
    def height(self) -> int:
        """The SVG's height."""
        return max(len(self.bars), 1) * BAR_ROW

    @property
    def width(self) -> int:
        """The SVG's width."""
        return WIDTH


def share_chart(rows: Sequence[tuple[str, Sequence[tuple[str, int | None]]]]) -> ShareChart:
    """Stacked bars of (label, [(key, share_bp or None)]) rows; widths by largest remainder, so they fill the bar."""
    bars = []
    for index, (label, parts) in enumerate(rows):
        shares = [share or 0 for _, share in parts]
        widths = apportion(WIDTH, shares) if sum(shares) else [0] * len(shares)
        segments, x = [], 0
        for (key, _), share, width in zip(parts, shares, widths, strict=True):
            if width:
                segments.append(Segment(key, share, x, width))
            x += width
        bars.append(StackedBar(label, index * BAR_ROW, tuple(segments)))
    return ShareChart(tuple(bars))


def share_of(part: int, whole: int) -> int:
    """`part` in basis points of `whole` (0 when there is no whole)."""
    return part * BASIS_POINTS // whole if whole > 0 else 0
