"""Decode signed events from bytes or dicts into validated models with their canonical bytes and digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from events.canonical import canonical_bytes, signing_input
from events.errors import DecodeError
from events.model.envelope import EVENT_ADAPTER, MAX_EVENT_BYTES, Event


@dataclass(frozen=True, slots=True)
class SignedEvent:
    """A schema-valid event as received: the model, the raw JSON object, its signing input and digest."""

    event: Event
    raw: dict[str, Any]
    signing_input: bytes
    digest: bytes

    @property
    def id(self) -> str:
        """The event id (idempotency key)."""
        return self.event.id


def decode_event(data: bytes) -> SignedEvent:
    """Decode one JSON event from bytes; raise DecodeError with a reason code when it is not valid."""
    if len(data) > MAX_EVENT_BYTES:
        raise DecodeError("event.too_large", f"An event may be at most {MAX_EVENT_BYTES} bytes of JSON.")
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError("event.malformed_json", f"The event is not valid JSON: {exc}.") from exc
    if not isinstance(raw, dict):
        raise DecodeError("event.not_object", "An event must be a JSON object.")
    return decode_object(raw)


def decode_object(raw: dict[str, Any]) -> SignedEvent:
    """Validate an already parsed JSON object as a signed v1 event."""
    try:
        event = EVENT_ADAPTER.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DecodeError(
            "event.schema", f"The event does not match the v1 contract at {where}: {first['msg']}."
        ) from exc
    if event.signature is None:
        raise DecodeError("event.unsigned", "The event has no signature; sign it with `goldtrace sign`.")
    return SignedEvent(event, raw, signing_input(raw), hashlib.sha256(canonical_bytes(raw)).digest())
