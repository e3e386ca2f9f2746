"""The demo's and the gateway client's errors: a stable code and a sentence a person can act on."""

from __future__ import annotations

from events.errors import GoldtraceError


class DemoError(GoldtraceError):
    """The demo cannot go on (a missing platform key, an unreadable seed file, a pipeline that does not decide)."""


class GatewayError(GoldtraceError):
    """The gateway cannot be reached, refused the request as a whole, or answered something unexpected."""
