"""Ids and times of a demo season, derived from the stack's demo seed so a rerun builds the very same events."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

SEED_BYTES: Final = 32
TAG_CHARS: Final = 6


@dataclass(frozen=True)
class DemoSeed:
    """The per-stack seed of the demo: random bytes and the moment the season was first played."""

    seed: bytes
    created: datetime

    def __post_init__(self) -> None:
        if len(self.seed) != SEED_BYTES:
            raise ValueError(f"a demo seed is {SEED_BYTES} bytes, not {len(self.seed)}")
        if self.created.tzinfo is None:
            raise ValueError("the demo seed's creation time must be timezone-aware (UTC)")

    @property
    def tag(self) -> str:
        """A short hex tag of the seed, part of lot, shipment and certificate ids so seasons never collide."""
        return hashlib.sha256(b"goldtrace/demo/tag\n" + self.seed).hexdigest()[:TAG_CHARS]

    def named(self, name: str) -> str:
        """An id of this season's lots, shipments and certificates: `<name>-<tag>`."""
        return f"{name}-{self.tag}"

    @property
    def end(self) -> datetime:
        """The season's last moment: an hour before the seed was made, whole minutes, so every time is past."""
        return self.created.astimezone(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)

    def day(self, days_before_end: int, hour: int = 9, minute: int = 0) -> datetime:
        """A moment `days_before_end` days before the season's end, at a given UTC time of that day."""
        date = (self.end - timedelta(days=days_before_end)).date()
        return datetime(date.year, date.month, date.day, hour, minute, tzinfo=UTC)

    def event_id(self, label: str, time: datetime) -> str:
        """A UUIDv7 (RFC 9562) with the event's time and 74 bits from SHA-256(seed, label): stable per label."""
        millis = int(time.timestamp() * 1000) & ((1 << 48) - 1)
        bits = int.from_bytes(hashlib.sha256(b"goldtrace/demo/event\n" + self.seed + label.encode()).digest()[:10])
        rand_a = bits >> 68  # 12 bits
        rand_b = bits & ((1 << 62) - 1)
        value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
        return str(uuid.UUID(int=value))


def rfc3339(moment: datetime) -> str:
    """A UTC timestamp as the contract writes it: `2026-11-27T05:00:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
