"""The error a custody rule raises: one stable reason code and a sentence a person can act on."""

from __future__ import annotations

from events.errors import GoldtraceError


class CustodyError(GoldtraceError):
    """A custody rule refuses the event; `decide` turns it into a `Rejected` outcome."""
