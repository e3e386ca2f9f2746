"""The shape of an accepted event as far as the ledger reads it: envelope attributes and the data fields rows use.

The custody processor decoded and verified the event against the full v1 contract before accepting it, and the
record's digest proves the event is the one it decided on. The ledger re-checks only what its rows depend on,
cheaply, so that a faulty record is refused with a reason instead of failing the batch.
"""

from __future__ import annotations

import re
from typing import Any, Final

from events.canonical import MAX_SAFE_INTEGER
from services.ledger.errors import MALFORMED, RecordError

ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TIMESTAMP: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z")
EVENT_TYPES: Final = frozenset(
    {
        "participant.registered", "participant.key_added", "participant.key_revoked", "mine.registered",
        "certificate.issued", "certificate.suspended", "certificate.reinstated", "certificate.withdrawn",
        "lot.extracted", "lot.assayed", "lot.shipped", "lot.received", "lot.transformed", "lot.exported",
    }
)  # fmt: skip
# The data fields the ledger's rows read, per event type, with their JSON types.
DATA_FIELDS: Final[dict[str, tuple[tuple[str, type], ...]]] = {
    "lot.extracted": (("lot", str), ("mine", str)),
    "lot.shipped": (("lot", str), ("shipment", str), ("to", str), ("mass_mg", int)),
    "lot.received": (("lot", str), ("shipment", str), ("mass_mg", int)),
    "lot.transformed": (("process", str), ("inputs", list), ("outputs", list)),
}


def check_event_shape(event: dict[str, Any]) -> None:
    """Raise RecordError unless the event has the attributes and data fields the ledger reads, with their types."""
    for name in ("id", "subject"):
        if not (isinstance(event.get(name), str) and ID.fullmatch(event[name])):
            raise RecordError(MALFORMED, f"`event.{name}` {event.get(name)!r} is not an id.")
    event_type = event.get("type")
    if event_type not in EVENT_TYPES:
        raise RecordError(MALFORMED, f"`event.type` {event_type!r} is not a v1 event type.")
    source = event.get("source")
    if not (isinstance(source, str) and source.startswith("/participants/") and ID.fullmatch(source[14:])):
        raise RecordError(MALFORMED, f"`event.source` {source!r} is not /participants/<id>.")
    time = event.get("time")
    if not (isinstance(time, str) and TIMESTAMP.fullmatch(time)):
        raise RecordError(MALFORMED, f"`event.time` {time!r} is not an RFC 3339 UTC timestamp.")
    data = event.get("data")
    if not isinstance(data, dict):
        raise RecordError(MALFORMED, "`event.data` is missing or not an object.")
    for name, kind in DATA_FIELDS.get(event_type, ()):
        value = data.get(name)
        if type(value) is not kind or (isinstance(value, int) and not 0 < value <= MAX_SAFE_INTEGER):
            raise RecordError(MALFORMED, f"`event.data.{name}` of a {event_type} event is not a {kind.__name__}.")
    if event_type == "lot.transformed":
        _check_transformation(data)


def _check_transformation(data: dict[str, Any]) -> None:
    if not all(isinstance(lot, str) for lot in data["inputs"]):
        raise RecordError(MALFORMED, "`event.data.inputs` of a lot.transformed event is not a list of lot ids.")
    if not all(isinstance(output, dict) and isinstance(output.get("lot"), str) for output in data["outputs"]):
        raise RecordError(MALFORMED, "`event.data.outputs` of a lot.transformed event lacks output lot ids.")
