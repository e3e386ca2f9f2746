"""A report table as CSV (RFC 4180): UTF-8, a header row, CRLF line ends, quotes where a cell needs them.

Booleans are `true`/`false`, empty cells are missing values. A text cell that a spreadsheet would run as a
formula (it starts with `=`, `+`, `@`, a tab or a carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from typing import Final

from services.query.audit.report_tables import Cell, Table

CSV_MEDIA_TYPE: Final = "text/csv; charset=utf-8; header=present"
_FORMULA_STARTS: Final = ("=", "+", "@", "\t", "\r")


def cell_text(cell: Cell) -> str:
    """One cell as CSV text."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, int):
        return str(cell)
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def table_csv(table: Table) -> str:
    """The table as CSV text, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell_text(cell) for cell in row])
    return out.getvalue()
