"""Reading topic records: accepted and rejected records become plain values; unusable ones are kept as bytes."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest

from events.canonical import event_digest
from services.ledger.errors import DIGEST_MISMATCH, MALFORMED
from services.ledger.records import (
    AcceptedEvent,
    Rejection,
    Where,
    holds_nul,
    read_accepted,
    read_rejected,
)
from tests.unit.ledger.season import Season, rejected_value, season

ACCEPTED = Where("goldtrace.events.accepted", 0, 41)
REJECTED = Where("goldtrace.events.rejected", 0, 7)


@pytest.fixture(scope="module")
def played() -> Season:
    return season()


def _record(played: Season, index: int = -1) -> dict[str, Any]:
    record: dict[str, Any] = orjson.loads(played.accepted[index])
    return record


def test_an_accepted_record_is_read_with_its_digest_position_lots_and_findings(played: Season) -> None:
    shipped = next(i for i, v in enumerate(played.accepted) if b"premium.missing" in v)
    read = read_accepted(played.accepted[shipped], ACCEPTED)
    assert isinstance(read, AcceptedEvent)
    signed = played.accepted_events[shipped]
    assert read.event_id == signed.id
    assert read.digest == signed.digest == event_digest(signed.raw)
    assert read.event_type == "lot.shipped"
    assert read.signer == "cecomip"
    assert read.subject == "lot-eco-1"
    assert read.event_time.isoformat() == "2026-03-03T02:00:00+00:00" == signed.raw["time"].replace("Z", "+00:00")
    assert read.registry_position == 14
    assert [f["code"] for f in read.findings] == ["premium.missing"]
    assert [lot["status"] for lot in read.lots] == ["in_transit"]
    assert read.decided_at is not None
    assert orjson.loads(read.body) == signed.raw
    assert read.where == ACCEPTED


def _refusal(value: bytes | None, code: str = MALFORMED) -> Rejection:
    read = read_accepted(value, ACCEPTED)
    assert isinstance(read, Rejection), read
    assert read.code == code
    assert read.raw == (value or b"")
    assert read.digest == hashlib.sha256(value or b"").digest()
    assert "goldtrace.events.accepted[0]@41" in read.detail
    assert read.decided_by == "ledger"
    assert not read.schema_valid
    return read


def test_a_transformation_needs_its_lot_ids(played: Season) -> None:
    melt = next(r for r in map(orjson.loads, played.accepted) if r["event"]["type"] == "lot.transformed")
    melt["event"]["data"]["inputs"] = [1]
    assert "inputs" in _refusal(orjson.dumps(melt)).detail
    melt["event"]["data"].update(inputs=["a"], outputs=[{"form": "bar"}])
    assert "outputs" in _refusal(orjson.dumps(melt)).detail


@pytest.mark.parametrize(
    "value",
    [None, b"", b"not json", b"[1, 2]", b'"text"', b'{"event": "x"}', b"\xff\xfe"],
    ids=["tombstone", "empty", "text", "array", "string", "event-not-object", "not-utf8"],
)
def test_an_unreadable_accepted_record_is_kept_as_bytes(value: bytes | None) -> None:
    _refusal(value)


def test_a_wrong_digest_is_refused_as_a_mismatch(played: Season) -> None:
    record = _record(played)
    record["digest"] = "00" * 32
    detail = _refusal(orjson.dumps(record), DIGEST_MISMATCH).detail
    assert "00" * 32 in detail


def test_an_altered_event_no_longer_matches_its_digest(played: Season) -> None:
    record = _record(played)
    record["event"]["data"]["mass_mg"] += 1
    _refusal(orjson.dumps(record), DIGEST_MISMATCH)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r.pop("registry_position"), "registry_position"),
        (lambda r: r.update(registry_position=-1), "registry_position"),
        (lambda r: r.update(registry_position=True), "registry_position"),
        (lambda r: r.update(findings={}), "findings"),
        (lambda r: r.update(lots=[{"lot": "x"}]), "lots[0]"),
        (lambda r: r.update(findings=[{"code": "c", "severity": "s"}]), "findings[0].detail"),
        (lambda r: r["event"].pop("subject"), "event.subject"),
        (lambda r: r["event"].update(id="not an id"), "event.id"),
        (lambda r: r["event"].update(type="lot.stolen"), "event.type"),
        (lambda r: r["event"].update(source="arm"), "event.source"),
        (lambda r: r["event"].update(time="yesterday"), "event.time"),
        (lambda r: r["event"].update(data=[]), "event.data"),
        (lambda r: r["event"]["data"].pop("to"), "event.data.to"),
        (lambda r: r["event"]["data"].update(mass_mg="1"), "event.data.mass_mg"),
        (lambda r: r["event"]["data"].update(note=1.5), "value no event carries"),
        (lambda r: r["event"]["data"].update(mass_mg=2**63), "event.data.mass_mg"),
        (lambda r: r["lots"][0].update(fine_mg=2**63), "lots[0].fine_mg"),
        (lambda r: r["lots"][0].update(state_note="a\u0000b"), "lots[0] holds U+0000"),
        (
            lambda r: r.update(findings=[{"code": "c", "severity": "s", "detail": "d", "figures": {"x": "\u0000"}}]),
            "findings[0].figures",
        ),
    ],
)
def test_a_record_missing_what_the_ledger_needs_is_refused(played: Season, change: Any, where: str) -> None:
    record = _record(played)
    change(record)
    assert where in _refusal(orjson.dumps(record)).detail


def test_a_rejected_event_is_kept_with_its_reason_and_body(played: Season) -> None:
    read = read_rejected(played.rejected[0], REJECTED)
    signed = played.rejected_events[0]
    assert read.code == "lot.consumed"
    assert read.detail.startswith("Lot 'lot-eco-1' was consumed")
    assert read.digest == signed.digest
    assert read.event_id == signed.id
    assert read.event_type == "lot.transformed"
    assert read.source == "/participants/aurum-trading"
    assert read.subject == "lot-eco-1"
    assert read.body is not None
    assert orjson.loads(read.body) == signed.raw
    assert read.raw is None
    assert read.schema_valid
    assert read.event_time is not None
    assert read.decided_by == "custody"
    assert read.topic == REJECTED.topic


def test_undecodable_text_is_kept_by_its_digest() -> None:
    raw = '{"id": "x", "mass_mg": 1.5'
    read = read_rejected(rejected_value(None, "event.malformed_json", "The text is not valid JSON.", raw), REJECTED)
    assert read.raw == raw.encode()
    assert read.digest == hashlib.sha256(raw.encode()).digest()
    assert read.body is None
    assert read.event_id is None
    assert not read.schema_valid
    assert read.code == "event.malformed_json"


def test_a_schema_invalid_event_is_kept_but_not_as_an_event_row() -> None:
    event = {"id": "ev-1", "type": "lot.extracted", "mass_mg": 1.5, "subject": 7}
    read = read_rejected(rejected_value(event, "event.schema", "Not the v1 contract."), REJECTED)
    assert not read.schema_valid
    assert read.event_id == "ev-1"
    assert read.subject is None
    assert read.body is not None
    assert orjson.loads(read.body) == event
    assert read.digest == hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).digest()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", False),
        ("a\u0000b", True),
        ("\\u0000 is text", False),
        ("\\\u0000", True),
        ("\\u0000 then \u0000", True),
    ],
)
def test_nul_is_found_only_where_it_is_a_character(text: str, expected: bool) -> None:
    assert holds_nul(orjson.dumps({"s": text})) is expected


def test_an_event_holding_nul_is_kept_as_bytes_because_jsonb_cannot_hold_it() -> None:
    event = {"id": "ev\u00002", "form": "d\u0000ore"}
    read = read_rejected(rejected_value(event, "event.schema", "Control characters."), REJECTED)
    assert read.body is None
    assert read.raw == orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
    assert read.event_id == "ev\ufffd2"


@pytest.mark.parametrize(
    "record",
    [
        {"event": None, "raw": None, "code": "x", "detail": "y"},
        {"event": {"id": "a"}, "code": "", "detail": "y"},
        {"event": {"id": "a"}, "code": "x"},
        {"event": [1], "code": "x", "detail": "y"},
    ],
)
def test_a_rejection_record_without_code_detail_or_content_is_malformed(record: dict[str, Any]) -> None:
    value = orjson.dumps(record)
    read = read_rejected(value, REJECTED)
    assert read.code == MALFORMED
    assert read.raw == value
    assert "goldtrace.events.rejected[0]@7" in read.detail
