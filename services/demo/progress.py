"""A progress line for long submissions: one updating line on a terminal, a line every few seconds otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    """Shows `what done/total` on `stream` (stderr, so stdout stays a clean list of statuses)."""

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool = True,
        interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.interval_s = interval_s
        self.clock = clock
        self._last_line = ""
        self._last_written: float | None = None
        self._drawn = False

    def update(self, what: str, done: int, total: int) -> None:
        """Report progress; on a terminal the line is redrawn, elsewhere it is written every `interval_s`."""
        if not self.enabled:
            return
        line = f"{what} {done}/{total}" + (f" ({100 * done // total} %)" if total else "")
        if self.tty:
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
            self._drawn = True
            self._last_line = line
            return
        now = self.clock()
        if line != self._last_line and (
            self._last_written is None or now - self._last_written >= self.interval_s or done == total
        ):
            self.stream.write(line + "\n")
            self.stream.flush()
            self._last_written = now
            self._last_line = line

    def clear(self) -> None:
        """Take the updating line off the terminal (before other output, or at the end)."""
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    def redraw(self) -> None:
        """Put the last line back after other output."""
        if self.enabled and self.tty and self._last_line:
            self.stream.write("\r\x1b[K" + self._last_line)
            self.stream.flush()
            self._drawn = True
