"""Errors of the stack runner: each has a stable code and tells the user what to do."""

from __future__ import annotations

from events.errors import GoldtraceError


class StackError(GoldtraceError):
    """The local stack could not be set up, started or stopped."""
