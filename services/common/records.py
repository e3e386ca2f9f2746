"""The JSON records on the pipeline's topics (services/README.md, "Records on the topics")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson


def utc_now() -> str:
    """Now as RFC 3339 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode(record: dict[str, Any]) -> bytes:
    """A record's bytes on the wire."""
    return orjson.dumps(record)


def decode(value: bytes) -> dict[str, Any]:
    """A record from the wire (our own producers wrote it; a non-object is a bug worth raising)."""
    record = orjson.loads(value)
    if not isinstance(record, dict):
        raise ValueError("a pipeline record must be a JSON object")
    return record


def registry_record(event: dict[str, Any], received_at: str) -> dict[str, Any]:
    """A registry event on goldtrace.registry."""
    return {"event": event, "received_at": received_at}


def inbound_event_record(event: dict[str, Any], registry_at: int, received_at: str) -> dict[str, Any]:
    """A custody event on goldtrace.events.inbound, stamped with the registry position the gateway had seen."""
    return {"kind": "event", "event": event, "registry_at": registry_at, "received_at": received_at}


def rejected_record(
    event: dict[str, Any] | None, raw: str | None, code: str, detail: str, decided_at: str, by: str
) -> dict[str, Any]:
    """A refused event on goldtrace.events.rejected: kept with its reason, never dropped."""
    return {"event": event, "raw": raw, "code": code, "detail": detail, "decided_at": decided_at, "by": by}
