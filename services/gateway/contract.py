"""What the gateway's OpenAPI document says it takes and answers (contracts/openapi/gateway.json).

The routes build their JSON answers themselves (orjson, no response model on the hot path); these models only
describe them, so schemathesis can hold the gateway to its document (tests/integration/faults/test_openapi_fuzz.py).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, Field, RootModel

from events.errors import DECODE_CODES
from services.common.openapi import ErrorBody

# A request of one event that is refused is answered with a 4xx (an array is answered 202, event by event):
# 413 too large, 400 not readable as I-JSON, 409 the id is taken by other content, 422 any other refusal.
_UNREADABLE: Final = frozenset(DECODE_CODES) - {"event.too_large", "event.not_object", "event.schema", "event.unsigned"}


def refusal_status(code: str) -> int:
    """The HTTP status of a request whose one event was refused with `code`."""
    if code == "event.too_large":
        return 413
    if code == "event.id_conflict":
        return 409
    return 400 if code in _UNREADABLE else 422


class EventError(BaseModel):
    """Why an event was refused: a stable reason code and a sentence."""

    code: str
    detail: str


class EventRefusal(BaseModel):
    """A refused request: the error body; for a request of one event, also the event (kept with its reason)."""

    error: str
    detail: str
    id: str | None = Field(default=None, description="The one event's id (null when the bytes held no readable id)")
    status: Literal["rejected"] | None = Field(default=None, description="Present when one event was refused")


class EventAnswer(BaseModel):
    """The gateway's answer for one submitted event."""

    id: str | None = Field(description="The event's id; null when the bytes held no readable id")
    status: Literal["queued", "duplicate", "rejected"]
    error: EventError | None = Field(default=None, description="Present when the event was rejected")


class SubmitAnswer(RootModel[EventAnswer | list[EventAnswer]]):
    """One answer for an event object, a list of answers (same order) for an array."""


class FindingOut(BaseModel):
    """A finding raised when the event was accepted."""

    code: str
    severity: str
    detail: str
    figures: dict[str, Any]


class EventStatus(BaseModel):
    """What became of a submitted event."""

    id: str
    status: Literal["queued", "accepted", "rejected"]
    registry_position: int | None = Field(default=None, description="Accepted: the registry position it was decided at")
    findings: list[FindingOut] | None = Field(default=None, description="Accepted: the findings it raised")
    error: EventError | None = Field(default=None, description="Rejected: the reason")
    refused_by: str | None = Field(default=None, description="Rejected: gateway, custody or ledger")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


def _refusal(description: str) -> dict[str, Any]:
    return {"model": EventRefusal, "description": description}


RETRY_HEADER: Final = {
    "Retry-After": {"description": "Seconds to wait before sending again", "schema": {"type": "string"}}
}

SUBMIT_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    202: {"model": SubmitAnswer, "description": "Each event's status: queued, duplicate, or rejected with a reason"},
    400: _refusal("Not JSON, not I-JSON (duplicate keys, lone surrogates, huge integers, ...), or nested too deep"),
    408: _refusal("The body did not arrive in time (a client sending too slowly)"),
    409: _refusal("The one event's id was already used by other content"),
    413: _refusal("The body exceeds 8 MiB or 1,000 events, or the one event exceeds 64 KiB"),
    415: _refusal("The body is not application/json"),
    422: _refusal("The one event was refused (schema, signature, key), or the array is empty"),
    503: {**_refusal("Kafka or PostgreSQL is unavailable now; send the same request again"), "headers": RETRY_HEADER},
}

STATUS_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"model": EventStatus, "description": "queued, accepted (with findings) or rejected (with the reason)"},
    404: _error("No event with this id was submitted here"),
    503: {**_error("PostgreSQL is unavailable; ask again after Retry-After seconds"), "headers": RETRY_HEADER},
}

# The body is read raw (the decoder checks it byte for byte); this only documents it. An event is a CloudEvents 1.0
# object as contracts/schemas/event.json describes; an item of an array that is not one is refused on its own.
SUBMIT_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": "One signed event (a JSON object, contracts/schemas/event.json) or a JSON array of 1-1,000",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "description": "One event"},
                        {"type": "array", "minItems": 1, "description": "1-1,000 events, each answered on its own"},
                    ]
                }
            }
        },
    }
}
