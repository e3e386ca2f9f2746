"""CSV of a report table (RFC 4180, UTF-8, header row, no formula injection) and the pagination cursor."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from services.common.http import HttpError
from services.query.audit.csv_tables import cell_text, table_csv
from services.query.audit.pages import Cursor, parse_cursor
from services.query.audit.report_tables import Cell, share_bp, table, usd


def test_a_table_becomes_csv_that_reads_back_cell_for_cell() -> None:
    rows: list[list[Cell]] = [
        ["cecomip-ananea", "2026-03", 5_150_000, True, None],
        ['Señora, "la" mina', "2026-04", -12, False, "=SUM(A1)"],
    ]
    text = table_csv(table("production", "t", ["mine", "month", "fine_mg", "over", "note"], rows))
    assert text.startswith("mine,month,fine_mg,over,note\r\n")
    assert text.endswith("\r\n")
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back == [
        ["mine", "month", "fine_mg", "over", "note"],
        ["cecomip-ananea", "2026-03", "5150000", "true", ""],
        ['Señora, "la" mina', "2026-04", "-12", "false", "'=SUM(A1)"],
    ]
    assert '"Señora, ""la"" mina"' in text
    text.encode("utf-8")  # the service sends it as UTF-8


@pytest.mark.parametrize(("cell", "text"), [("+1", "'+1"), ("@x", "'@x"), ("\tx", "'\tx"), ("-3", "-3"), (0, "0")])
def test_cells_a_spreadsheet_would_run_as_formulas_are_defused(cell: str | int, text: str) -> None:
    assert cell_text(cell) == text


def test_a_row_of_the_wrong_width_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        table("x", "t", ["a", "b", "c"], [[1, 2]])


def test_money_and_shares() -> None:
    assert usd(540_000) == "5400.00"
    assert usd(5) == "0.05"
    assert usd(-1_234) == "-12.34"
    assert usd(None) is None
    assert share_bp(1, 3) == 3333
    assert share_bp(5, 0) is None


def test_a_cursor_survives_the_round_trip_and_foreign_text_is_refused() -> None:
    cursor = Cursor(datetime(2026, 3, 2, 8, 0, 0, 123_456, tzinfo=UTC), "ev-00017")
    assert parse_cursor(cursor.text()) == cursor
    assert parse_cursor(None) is None
    for text in ["", "abc", "12~", "~x", "12~a b", "9" * 19 + "~x"]:
        with pytest.raises(HttpError) as refused:
            parse_cursor(text)
        assert (refused.value.status, refused.value.code) == (422, "cursor.invalid")
