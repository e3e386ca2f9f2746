"""Keyset pagination for the audit lists: newest first, a cursor that names the last item of the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from services.common.http import HttpError

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR: Final = re.compile(r"(-?\d{1,19})~([A-Za-z0-9._:-]{1,128})")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the previous page ended: the last item's time and its tie-breaking key (an id)."""

    time: datetime
    key: str

    def text(self) -> str:
        """The cursor as the opaque text a client passes back as `cursor`."""
        return f"{(self.time - _EPOCH) // timedelta(microseconds=1)}~{self.key}"


def parse_cursor(text: str | None) -> Cursor | None:
    """A cursor from its text (None for the first page); 422 `cursor.invalid` when it is not one of ours."""
    if text is None:
        return None
    found = _CURSOR.fullmatch(text)
    try:
        if found is not None:
            return Cursor(_EPOCH + timedelta(microseconds=int(found.group(1))), found.group(2))
    except OverflowError:
        pass
    raise invalid_cursor()


def invalid_cursor() -> HttpError:
    """The 422 refusal of a cursor this server did not give out."""
    return HttpError(
        422,
        "cursor.invalid",
        "The cursor is not one this server gave out; pass the `next` value of the previous page unchanged.",
    )
