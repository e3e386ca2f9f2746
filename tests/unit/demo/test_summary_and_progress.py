"""Pieces of the demo's output: figures, mismatch lines, step lines; and the progress line on and off a terminal."""

from __future__ import annotations

import io

from services.demo.builder import ACCEPTED, PlannedEvent, Step, flagged, refused
from services.demo.gateway_client import EventStatus
from services.demo.play import step_line
from services.demo.progress import Progress
from services.demo.summary import grams, mismatches, percent, usd


def planned(label: str, expected_outcome: str = "accepted", code: str | None = None) -> PlannedEvent:
    expected = refused(code) if expected_outcome == "rejected" and code else ACCEPTED
    return PlannedEvent(label, {"id": label, "type": "lot.extracted"}, "cecomip", expected)


def test_figures_are_written_exactly() -> None:
    assert grams(4_500) == "4.500 g"
    assert grams(1_234_567) == "1,234.567 g"
    assert percent(4_130) == "41.30 %"
    assert percent(5) == "0.05 %"
    assert usd(273_408) == "USD 2,734.08"
    assert usd(7) == "USD 0.07"


def test_mismatches_name_what_was_expected_and_what_came() -> None:
    events = [planned("a"), planned("b", "rejected", "lot.consumed"), planned("c")]
    final = {
        "a": EventStatus("a", "accepted"),
        "b": EventStatus("b", "accepted"),
        "c": EventStatus("c", "rejected", "key.unknown", "No such key."),
    }
    found = mismatches(events, final)
    assert [m.planned.label for m in found] == ["b", "c"]
    assert found[0].line() == "  b (b): expected rejected lot.consumed, got accepted"
    assert found[1].line() == "  c (c): expected accepted, got rejected key.unknown: No such key."
    assert [m.planned.label for m in mismatches([planned("d")], {})] == ["d"]


def test_findings_count_only_when_the_gateway_reports_some() -> None:
    event = PlannedEvent("e", {"id": "e", "type": "lot.shipped"}, "oro-puno", flagged("premium.below_rate"))
    assert mismatches([event], {"e": EventStatus("e", "accepted")}) == []
    other = EventStatus("e", "accepted", findings=({"code": "premium.missing"},))
    (wrong,) = mismatches([event], {"e": other})
    assert wrong.line().endswith("expected accepted with premium.below_rate, got accepted with premium.missing")


def test_a_step_line_says_what_became_of_the_step() -> None:
    step = Step("fas-juliaca", "tries to split a lot again", ())
    rejected = [EventStatus("x", "rejected", "lot.consumed", "Used.")]
    assert step_line(14, 26, step, [EventStatus("x", "queued")], rejected) == (
        "[14/26] fas-juliaca       tries to split a lot again: 1 rejected (lot.consumed)"
    )
    again = step_line(3, 26, step, [EventStatus("x", "duplicate")], [EventStatus("x", "accepted")])
    assert again.endswith(": 1 accepted, already there")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal() -> None:
    stream = Terminal()
    progress = Progress(stream)
    progress.update("submitted", 1_000, 2_500)
    progress.update("submitted", 2_500, 2_500)
    progress.clear()
    assert stream.getvalue() == (
        "\r\x1b[Ksubmitted 1000/2500 (40 %)" + "\r\x1b[Ksubmitted 2500/2500 (100 %)" + "\r\x1b[K"
    )
    assert "\n" not in stream.getvalue()


def test_progress_writes_a_line_every_few_seconds_elsewhere() -> None:
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(stream, interval_s=5.0, clock=lambda: now[0])
    for done in range(1, 11):
        progress.update("decided", done, 10)
        now[0] += 1.0
    assert stream.getvalue().splitlines() == ["decided 1/10 (10 %)", "decided 6/10 (60 %)", "decided 10/10 (100 %)"]


def test_disabled_progress_writes_nothing() -> None:
    stream = Terminal()
    progress = Progress(stream, enabled=False)
    progress.update("submitted", 1, 2)
    progress.clear()
    progress.redraw()
    assert stream.getvalue() == ""
