"""Events waiting in a partition for a lot's hand-off: kept in order per lot, with cheap expiry and aliases.

An event waits (is "parked") under the lot whose hand-off it needs. Events on the lots a parked transformation
would create wait behind it too (an alias points them at the same queue). Expiry looks only at the earliest
parked time, so deciding a record costs O(log n) in the number of waiting lots, not O(n).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime
from typing import Any

from events.model.types import parse_utc

Record = dict[str, Any]


def record_time(record: Record) -> datetime | None:
    """The event time of an inbound event record (None if it has none that parses)."""
    try:
        return parse_utc(record["event"]["time"])
    except (KeyError, TypeError, ValueError):
        return None


def created_by(record: Record) -> list[str]:
    """Lot ids a parked record's event would create (a transformation's outputs)."""
    event = record.get("event", {})
    if not isinstance(event, dict) or event.get("type") != "lot.transformed":
        return []
    outputs = event.get("data", {}).get("outputs", [])
    return [o["lot"] for o in outputs if isinstance(o, dict) and isinstance(o.get("lot"), str)]


class Parking:
    """The parked records of one partition (persisted as `records`), with an expiry heap and output aliases."""

    def __init__(self) -> None:
        self.records: dict[str, list[Record]] = {}
        self._since: dict[str, datetime] = {}
        self._heap: list[tuple[datetime, str]] = []
        self._alias: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self.records)

    def load(self, key: str, records: list[Record]) -> None:
        """Put back what was persisted (on loading a partition)."""
        for record in records:
            self.park(key, record)

    def key_for(self, lots: set[str]) -> str | None:
        """The queue an event on these lots must join, if any of them is waited for."""
        for lot in sorted(lots):
            if lot in self.records:
                return lot
            target = self._alias.get(lot)
            if target is not None and target in self.records:
                return target
        return None

    def park(self, key: str, record: Record) -> None:
        """Append a record to a lot's queue."""
        queue = self.records.setdefault(key, [])
        queue.append(record)
        if len(queue) == 1:
            moment = record_time(record)
            if moment is not None:
                self._since[key] = moment
                heapq.heappush(self._heap, (moment, key))
        for lot in created_by(record):
            self._alias[lot] = key

    def release(self, key: str, which: Callable[[Record], bool] | None = None) -> list[Record]:
        """Take a lot's queue (or only the records `which` selects); the rest stays parked."""
        queue = self.records.pop(key, [])
        self._since.pop(key, None)
        released = queue if which is None else [r for r in queue if which(r)]
        for record in released:
            for lot in created_by(record):
                if self._alias.get(lot) == key:
                    del self._alias[lot]
        for record in queue:
            if which is not None and not which(record):
                self.park(key, record)
        return released

    def expired(self, now: datetime, window_seconds: float) -> list[str]:
        """Keys whose first parked event is older than the window at `now`, oldest first."""
        keys: list[str] = []
        while self._heap:
            moment, key = self._heap[0]
            if self._since.get(key) != moment:  # released since, or parked again later
                heapq.heappop(self._heap)
                continue
            if (now - moment).total_seconds() <= window_seconds:
                break
            heapq.heappop(self._heap)
            keys.append(key)
        return keys
