"""The dashboard's chart geometry and its findings filters (pure)."""

from __future__ import annotations

from datetime import date

from services.query.dashboard_filters import parse_filters
from services.query.web.charts import MAX_LABEL_CHARS, MAX_ROWS, WIDTH, bar_chart, share_chart


def test_bars_share_one_scale_with_their_limits() -> None:
    chart = bar_chart([("2026-03 · pit", 5_150_000, 5_000_000), ("2026-04 · pit", 80_000, 5_000_000)])
    march, april = chart.bars
    assert march.width == WIDTH  # the largest figure spans the chart
    assert march.marker == 5_000_000 * WIDTH // 5_150_000
    assert march.over
    assert not april.over
    assert april.width == 80_000 * WIDTH // 5_150_000
    assert (march.top, april.top) == (0, 42)
    assert chart.height == 84


def test_a_bar_without_a_limit_has_no_marker_and_an_empty_chart_still_has_a_height() -> None:
    (bar,) = bar_chart([("group", 10, None)]).bars
    assert (bar.marker, bar.over, bar.width) == (None, False, WIDTH)
    assert bar_chart([]).height > 0
    assert bar_chart([("zero", 0, 0)]).bars[0].width == 0


def test_long_charts_keep_the_latest_rows_and_say_how_many_were_left_out() -> None:
    chart = bar_chart([(str(n), n, None) for n in range(MAX_ROWS + 5)])
    assert len(chart.bars) == MAX_ROWS
    assert chart.left_out == 5
    assert chart.bars[0].label == "5"


def test_stacked_shares_fill_the_bar_exactly() -> None:
    chart = share_chart([("production", [("women", 3_333), ("men", 3_333), ("unrecorded", 3_334)]),
                         ("premium", [("women", None), ("men", None), ("unrecorded", None)])])  # fmt: skip
    production, premium = chart.bars
    assert sum(s.width for s in production.segments) == WIDTH
    women, men, _ = production.segments
    assert [s.x for s in production.segments] == [0, women.width, women.width + men.width]
    assert premium.segments == ()  # nothing paid: no segments, the track alone


def test_a_zero_share_has_no_segment() -> None:
    (bar,) = share_chart([("production", [("women", 0), ("men", 10_000), ("unrecorded", 0)])]).bars
    assert [(s.key, s.x, s.width) for s in bar.segments] == [("men", 0, WIDTH)]


def test_filters_keep_what_is_valid_and_name_what_was_ignored() -> None:
    filters = parse_filters(
        {
            "organization": "cecomip",
            "kind": "premium",
            "severity": "alert",
            "from": "2026-03-01",
            "to": "2026-02-30",
            "lot": "<script>",
            "mine": "x" * 200,
            "cursor": "not-a-cursor",
        }
    )
    assert (filters.organization, filters.kind, filters.severity) == ("cecomip", "premium", "alert")
    assert (filters.first_day, filters.last_day, filters.lot, filters.mine, filters.cursor) == (
        date(2026, 3, 1),
        None,
        None,
        None,
        None,
    )
    assert [name for name, _ in filters.ignored] == ["lot", "mine", "to", "cursor"]
    assert all(len(value) <= 41 for _, value in filters.ignored)
    query = filters.query()
    assert (query.organization, query.kind, query.severity, query.lot) == ("cecomip", "premium", "alert", None)
    assert query.start is not None
    assert query.end is None


def test_a_reversed_period_drops_its_end_and_links_keep_the_filters() -> None:
    filters = parse_filters({"from": "2026-04-01", "to": "2026-03-01", "severity": "warning", "lang": "en"})
    assert filters.last_day is None
    assert ("to", "2026-03-01") in filters.ignored
    assert filters.link(cursor="123~4") == "?severity=warning&from=2026-04-01&cursor=123~4"
    assert filters.any
    assert not parse_filters({}).any
    assert parse_filters({"severity": "catastrophic"}).severity is None


def test_long_labels_are_cut_so_they_never_run_into_the_value() -> None:
    (bar,) = bar_chart([("a-very-long-group-name-of-some-association-of-miners", 1, None)]).bars
    assert len(bar.label) == MAX_LABEL_CHARS
    assert bar.label.endswith("…")
