"""Records of goldtrace.events.accepted and goldtrace.events.rejected, read into plain values (pure, no I/O).

Formats: services/README.md, "Records on the topics". A record the ledger cannot use is never dropped: it becomes
a `Rejection` with code `ledger.record_malformed` (or `ledger.digest_mismatch`) and its bytes, so the auditor
sees it beside the custody processor's refusals.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

from events.canonical import CanonicalDomainError, canonical_bytes, event_digest
from events.codec import validate_event
from events.errors import DecodeError
from events.log_entry import MAX_REGISTRY_POSITION
from events.model.types import parse_utc
from services.ledger.errors import DIGEST_MISMATCH, ID_CONFLICT, MALFORMED, RecordError
from services.ledger.shape import ID, TIMESTAMP, check_event_shape

_SORTED: Final = orjson.OPT_SORT_KEYS
_NUL_ESCAPE: Final = b"\\u0000"  # how orjson writes U+0000, which PostgreSQL text and jsonb cannot hold
_MAX_BIGINT: Final = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Where:
    """The Kafka coordinates of a record."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    """An accepted event with what the custody processor decided about it."""

    event_id: str
    event_type: str
    source: str
    subject: str
    event_time: datetime
    event: dict[str, Any]
    body: str
    """The event as JSON text (the jsonb column); its RFC 8785 form is what was signed."""
    digest: bytes
    registry_position: int
    findings: tuple[dict[str, Any], ...]
    lots: tuple[dict[str, Any], ...]
    decided_at: datetime | None
    where: Where

    @property
    def signer(self) -> str:
        """The participant id named by `source` (`/participants/<id>`)."""
        return self.source.rsplit("/", 1)[-1]

    @property
    def data(self) -> dict[str, Any]:
        """The event's payload."""
        data: dict[str, Any] = self.event.get("data", {})
        return data


@dataclass(frozen=True, slots=True)
class Rejection:
    """Something refused: an event (as submitted) or bytes, with a reason code and a sentence."""

    digest: bytes
    code: str
    detail: str
    topic: str
    event_id: str | None = None
    event_type: str | None = None
    source: str | None = None
    subject: str | None = None
    body: str | None = None
    raw: bytes | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    """Who refused it (`gateway`, `custody`, `ledger`), when the record says."""
    event_time: datetime | None = None
    schema_valid: bool = False
    """The event matches the v1 contract (signature aside), so it also gets an `events` row (outcome rejected)."""


def read_accepted(value: bytes | None, where: Where) -> AcceptedEvent | Rejection:
    """Read an accepted-topic record; a record that is not usable becomes a Rejection carrying its bytes."""
    try:
        record = _object(value)
        return _accepted(record, where)
    except RecordError as error:
        return malformed(value, where, error)


def read_rejected(value: bytes | None, where: Where) -> Rejection:
    """Read a rejected-topic record into a Rejection; a malformed record is kept as its bytes."""
    try:
        return _rejected(_object(value), where)
    except RecordError as error:
        return malformed(value, where, error)


def malformed(value: bytes | None, where: Where, error: RecordError) -> Rejection:
    """The rejection that keeps an unusable record: its bytes, keyed by their SHA-256."""
    raw = value or b""
    return Rejection(
        digest=hashlib.sha256(raw).digest(),
        code=error.code,
        detail=f"Record {where.topic}[{where.partition}]@{where.offset} was not stored as sent: {error.detail}",
        topic=where.topic,
        raw=raw,
        decided_by="ledger",
    )


def id_conflict(accepted: AcceptedEvent, logged_digest: bytes) -> Rejection:
    """The rejection of an accepted record whose id the log already holds with other content."""
    return Rejection(
        digest=accepted.digest,
        code=ID_CONFLICT,
        detail=(
            f"Event {accepted.event_id!r} arrived accepted with digest {accepted.digest.hex()}, but the log already "
            f"holds a different event under that id (digest {logged_digest.hex()}); the first stays in the log. "
            "The custody processor must never accept two events with one id: check its idempotency state."
        ),
        topic=accepted.where.topic,
        event_id=accepted.event_id,
        event_type=accepted.event_type,
        source=accepted.source,
        subject=accepted.subject,
        body=accepted.body,
        decided_at=accepted.decided_at,
        decided_by="ledger",
    )


def _object(value: bytes | None) -> dict[str, Any]:
    if value is None:
        raise RecordError(MALFORMED, "the record has no value (a tombstone); the topic carries JSON objects only.")
    try:
        record = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise RecordError(MALFORMED, f"the value is not UTF-8 JSON ({exc}).") from exc
    if not isinstance(record, dict):
        raise RecordError(MALFORMED, "the value is not a JSON object.")
    return record


def _accepted(record: dict[str, Any], where: Where) -> AcceptedEvent:
    event = record.get("event")
    if not isinstance(event, dict):
        raise RecordError(MALFORMED, "`event` is missing or not an object.")
    check_event_shape(event)
    event_id: str = event["id"]
    try:
        body = canonical_bytes(event)  # also the `body` text: jsonb keeps no member order anyway
    except CanonicalDomainError as exc:
        raise RecordError(MALFORMED, f"event {event_id!r} holds a value no event carries ({exc}).") from exc
    if holds_nul(body):
        raise RecordError(MALFORMED, f"event {event_id!r} holds U+0000, which an accepted event never carries.")
    digest = hashlib.sha256(body).digest()
    claimed = record.get("digest")
    if claimed != digest.hex():
        raise RecordError(
            DIGEST_MISMATCH,
            f"`digest` {claimed!r} is not the SHA-256 of event {event_id!r}'s canonical bytes ({digest.hex()}).",
        )
    position = record.get("registry_position")
    if type(position) is not int or not 0 <= position <= MAX_REGISTRY_POSITION:
        raise RecordError(MALFORMED, f"`registry_position` {position!r} is not a registry offset.")
    return AcceptedEvent(
        event_id=event_id,
        event_type=event["type"],
        source=event["source"],
        subject=event["subject"],
        event_time=_time(event["time"], "event.time"),
        event=event,
        body=body.decode(),
        digest=digest,
        registry_position=position,
        findings=tuple(_finding(f, i) for i, f in enumerate(_list(record.get("findings", []), "findings"))),
        lots=tuple(_lot(lot, i) for i, lot in enumerate(_list(record.get("lots", []), "lots"))),
        decided_at=_optional_time(record.get("decided_at")),
        where=where,
    )


def _rejected(record: dict[str, Any], where: Where) -> Rejection:
    code = _text(record.get("code"), "code")
    detail = _text(record.get("detail"), "detail")
    decided_at = _optional_time(record.get("decided_at"))
    decided_by = _loose(record.get("by"))
    event = record.get("event")
    if isinstance(event, dict):
        return _rejected_event(event, code, detail, decided_at, decided_by, where)
    raw = record.get("raw")
    if event is not None or not isinstance(raw, str):
        raise RecordError(MALFORMED, "a rejection carries `event` (an object) or `raw` (a string); it has neither.")
    data = raw.encode("utf-8")
    return Rejection(
        hashlib.sha256(data).digest(), code, detail, where.topic, raw=data, decided_at=decided_at, decided_by=decided_by
    )


def _rejected_event(
    event: dict[str, Any], code: str, detail: str, decided_at: datetime | None, decided_by: str | None, where: Where
) -> Rejection:
    body, digest = _body_and_digest(event)
    try:
        validate_event(event)
        valid = body is not None
    except DecodeError:
        valid = False
    return Rejection(
        digest=digest,
        code=code,
        detail=detail,
        topic=where.topic,
        event_id=_loose(event.get("id")),
        event_type=_loose(event.get("type")),
        source=_loose(event.get("source")),
        subject=_loose(event.get("subject")),
        body=body,
        raw=None if body is not None else orjson.dumps(event, option=_SORTED),
        decided_at=decided_at,
        decided_by=decided_by,
        event_time=parse_utc(event["time"]) if valid else None,
        schema_valid=valid,
    )


def _body_and_digest(event: dict[str, Any]) -> tuple[str | None, bytes]:
    """The event's JSON text for jsonb (None if PostgreSQL cannot hold it) and its digest."""
    text = orjson.dumps(event)
    try:
        digest = event_digest(event)
    except CanonicalDomainError:  # not an event value (floats...): key it by its sorted JSON instead
        digest = hashlib.sha256(orjson.dumps(event, option=_SORTED)).digest()
    return (None if holds_nul(text) else text.decode()), digest


def holds_nul(json_text: bytes) -> bool:
    """Whether orjson output holds a U+0000 character (written `\\u0000`; `\\\\u0000` is a backslash and text)."""
    at = json_text.find(_NUL_ESCAPE)
    while at >= 0:
        backslashes = at - len(json_text[:at].rstrip(b"\\"))
        if backslashes % 2 == 0:
            return True
        at = json_text.find(_NUL_ESCAPE, at + 1)
    return False


def _finding(value: Any, index: int) -> dict[str, Any]:
    where = f"findings[{index}]"
    if not isinstance(value, dict):
        raise RecordError(MALFORMED, f"{where} is not an object.")
    for name in ("code", "severity", "detail"):
        _text(value.get(name), f"{where}.{name}")
    ids = value.get("event_ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) and "\x00" not in i for i in ids):
        raise RecordError(MALFORMED, f"{where}.event_ids is not a list of event ids.")
    figures = value.get("figures", {})
    if not isinstance(figures, dict) or holds_nul(orjson.dumps(figures)):
        raise RecordError(MALFORMED, f"{where}.figures is not an object of figures.")
    for name in ("lot", "organization", "mine"):
        if name in value and value[name] is not None:
            _text(value[name], f"{where}.{name}")
    return value


def _lot(value: Any, index: int) -> dict[str, Any]:
    where = f"lots[{index}]"
    if not isinstance(value, dict):
        raise RecordError(MALFORMED, f"{where} is not an object.")
    _id(value.get("lot"), f"{where}.lot")
    for name in ("status", "lot_class", "fineness"):
        _text(value.get(name), f"{where}.{name}")
    for name in ("mass_mg", "fine_mg"):
        number = value.get(name)
        if type(number) is not int or not -_MAX_BIGINT <= number <= _MAX_BIGINT:
            raise RecordError(MALFORMED, f"{where}.{name} is not an integer of at most 63 bits.")
    custodian = value.get("custodian")
    if custodian is not None:
        _text(custodian, f"{where}.custodian")
    if holds_nul(orjson.dumps(value)):
        raise RecordError(MALFORMED, f"{where} holds U+0000, which PostgreSQL cannot store.")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise RecordError(MALFORMED, f"`{where}` is not a list.")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or "\x00" in value:
        raise RecordError(MALFORMED, f"`{where}` is missing or not a non-empty string.")
    return value


def _id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise RecordError(MALFORMED, f"`{where}` {value!r} is not an id (1-128 of A-Z a-z 0-9 . _ : -).")
    return value


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not TIMESTAMP.fullmatch(value):
        raise RecordError(MALFORMED, f"`{where}` {value!r} is not an RFC 3339 UTC timestamp.")
    try:
        return datetime.fromisoformat(value)  # the pattern above admits RFC 3339 UTC only; fractions truncated to us
    except ValueError as exc:
        raise RecordError(MALFORMED, f"`{where}` {value!r} is not a real instant ({exc}).") from exc


def _optional_time(value: Any) -> datetime | None:
    try:
        return None if value is None else _time(value, "decided_at")
    except RecordError:
        return None


def _loose(value: Any) -> str | None:
    """A string field of a refused event, made storable (it may be anything the submitter sent)."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else None
