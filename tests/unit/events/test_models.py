"""The v1 contract models are strict: no coercion, no unknown members, bounded ids, text, lists and integers."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from events.codec import validate_event
from events.errors import DecodeError
from events.model.envelope import EVENT_ADAPTER, EVENT_TYPES, Event
from events.model.types import MAX_SAFE_INTEGER, fine_mass_mg, parse_utc, utc_instant_ns
from tests.id_cases import ID_CASES
from tests.unit.events._language_fixtures import VECTORS, signed

BY_NAME = {vector.name: vector for vector in VECTORS}


def event_of(name: str) -> dict[str, Any]:
    return signed(BY_NAME[name])


def valid(event: dict[str, Any]) -> Event:
    return EVENT_ADAPTER.validate_python(event)


def refused(event: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        EVENT_ADAPTER.validate_python(event)
    return str(caught.value)


def changed(name: str, path: str, value: Any) -> dict[str, Any]:
    """The named vector event with the member at a dotted path set (or removed, for value `...`)."""
    event = event_of(name)
    *parents, last = path.split(".")
    node: Any = event
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return event


def test_every_vector_is_valid_and_the_types_are_all_covered() -> None:
    assert {valid(signed(v)).type for v in VECTORS} == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == 14


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("data.mass_mg", "66000"),
        ("data.mass_mg", 66000.0),
        ("data.mass_mg", True),
        ("data.mercury_free", 1),
        ("data.mercury_free", "true"),
        ("data.fineness", 850),
        ("data.lot", 123),
        ("data.contributions.0.share_bp", "6250"),
        ("specversion", 1.0),
        ("time", 1764219600),
        ("data", ["cecomip-lot-1", "cecomip-mine"]),  # an array is not an object (no positional arguments)
        ("data.contributions.0", ["bateadoras", 5000]),
    ],
)
def test_no_value_is_coerced(path: str, value: Any) -> None:
    refused(changed("lot-extracted", path, value))


@pytest.mark.parametrize("path", ["extension", "data.extension", "data.contributions.0.extension"])
def test_unknown_members_are_refused_at_every_level(path: str) -> None:
    refused(changed("lot-extracted", path, "x"))
    with pytest.raises(DecodeError) as caught:
        validate_event(changed("lot-extracted", path, "x"))
    assert caught.value.code == "event.schema"
    assert f"at {path}: Extra inputs are not permitted" in caught.value.detail


@pytest.mark.parametrize(
    "path", ["specversion", "id", "source", "subject", "time", "datacontenttype", "keyid", "type", "data"]
)
def test_every_envelope_attribute_but_the_signature_is_required(path: str) -> None:
    refused(changed("lot-extracted", path, ...))


def test_the_signature_is_optional_only_before_signing() -> None:
    assert valid(changed("lot-extracted", "signature", ...)).signature is None


@pytest.mark.parametrize(("value", "ok"), ID_CASES)
def test_ids_are_1_to_128_safe_characters(value: str, ok: bool) -> None:
    for path in ("id", "keyid", "data.lot", "data.mine"):
        event = changed("lot-extracted-minimal", path, value)
        if path == "data.lot":
            event["subject"] = value
        if ok:
            valid(event)
        else:
            refused(event)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("Señora Ñusta 🪙", True),
        ("x" * 256, True),
        ("🪙" * 256, True),
        ("x" * 257, False),
        ("", False),
        ("line\nbreak", False),
        ("tab\there", False),
        ("delete\x7f", False),
        ("c1\x85control", False),
    ],
)
def test_free_text_is_bounded_and_has_no_control_characters(value: str, ok: bool) -> None:
    event = changed("participant-key-revoked", "data.reason", value)
    if ok:
        valid(event)
    else:
        refused(event)


@pytest.mark.parametrize(
    ("mass", "ok"), [(1, True), (MAX_SAFE_INTEGER, True), (0, False), (-1, False), (MAX_SAFE_INTEGER + 1, False)]
)
def test_masses_are_positive_integers_within_the_i_json_range(mass: int, ok: bool) -> None:
    for name, path in [("lot-shipped", "data.mass_mg"), ("mine-registered-max-capacity", "data.capacity_mg_per_month")]:
        event = changed(name, path, mass)
        if ok:
            valid(event)
        else:
            refused(event)


@pytest.mark.parametrize(
    ("fineness", "ok"),
    [
        ("1000", True),
        ("1000.0000", True),
        ("999.9999", True),
        ("0.0001", True),
        ("850", True),
        ("0", True),
        ("1000.0001", False),
        ("1001", False),
        ("01", False),
        ("850.", False),
        (".5", False),
        ("0.00001", False),
        ("-1", False),
        ("8e2", False),
        ("١٠٠٠", False),
    ],
)
def test_fineness_is_parts_per_thousand_up_to_1000_with_four_decimals(fineness: str, ok: bool) -> None:
    event = changed("lot-assayed", "data.fineness", fineness)
    if ok:
        valid(event)
    else:
        refused(event)


@pytest.mark.parametrize(
    ("time", "ok"),
    [
        ("2026-11-27T05:00:00Z", True),
        ("2026-11-27T05:00:00.1Z", True),
        ("2026-11-27T05:00:00.123456789Z", True),
        ("2028-02-29T23:59:59Z", True),
        ("2026-11-27T05:00:00.1234567890Z", False),
        ("2026-02-29T00:00:00Z", False),
        ("2026-11-27T24:00:00Z", False),
        ("2026-12-31T23:59:60Z", False),
        ("2026-11-27T05:00:00+00:00", False),
        ("2026-11-27 05:00:00Z", False),
        ("2026-11-27T05:00:00z", False),
        ("0000-01-01T00:00:00Z", False),
        ("٢٠٢٦-11-27T05:00:00Z", False),
    ],
)
def test_times_are_rfc3339_utc_and_real_instants(time: str, ok: bool) -> None:
    event = changed("lot-extracted", "time", time)
    if ok:
        valid(event)
    else:
        refused(event)


def test_certificate_period_compares_instants_not_text() -> None:
    later_by_half_a_second = changed("certificate-issued", "data.valid_from", "2027-01-01T00:00:00Z")
    later_by_half_a_second["data"]["valid_until"] = "2027-01-01T00:00:00.5Z"  # sorts before "...00Z" as text
    valid(later_by_half_a_second)
    same_instant = changed("certificate-issued", "data.valid_from", "2027-01-01T00:00:00Z")
    same_instant["data"]["valid_until"] = "2027-01-01T00:00:00.000Z"
    assert "valid_until must be after valid_from" in refused(same_instant)
    nanosecond_apart = changed("certificate-issued", "data.valid_from", "2027-01-01T00:00:00.000000001Z")
    nanosecond_apart["data"]["valid_until"] = "2027-01-01T00:00:00.000000002Z"
    valid(nanosecond_apart)


def test_utc_instants_are_exact_to_the_nanosecond() -> None:
    assert utc_instant_ns("2026-01-01T00:00:00.5Z") > utc_instant_ns("2026-01-01T00:00:00Z")
    assert utc_instant_ns("2026-01-01T00:00:00.1Z") == utc_instant_ns("2026-01-01T00:00:00.100000000Z")
    assert parse_utc("2026-01-01T00:00:00.1234567Z").microsecond == 123456


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("signature", "A" * 85 + "B"),  # decodes to the same bytes as ...A with stray low bits
        ("signature", "A" * 85),
        ("signature", "A" * 86 + "=="),
        ("signature", "+" * 85 + "A"),
    ],
)
def test_signatures_must_be_canonical_base64url(path: str, value: str) -> None:
    refused(changed("lot-extracted", path, value))


def test_public_keys_must_be_canonical_base64url() -> None:
    event = event_of("participant-key-added")
    key = event["data"]["public_key"]
    assert valid(event)
    bad = key[:-1] + {"A": "B", "E": "F"}.get(key[-1], "B")
    refused(changed("participant-key-added", "data.public_key", bad))
    refused(changed("participant-key-added", "data.public_key", key + "A"))


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        ("lot-extracted", "subject", "another-lot"),
        ("participant-registered-asmo", "subject", "another"),
        ("mine-registered-max-capacity", "subject", "another"),
        ("certificate-suspended", "subject", "another"),
        ("lot-transformed", "subject", "BAR-OA-0001"),
    ],
)
def test_the_subject_is_the_entity_the_event_is_about(name: str, path: str, value: str) -> None:
    assert "subject must be" in refused(changed(name, path, value))


@pytest.mark.parametrize(
    ("name", "path", "value", "message"),
    [
        ("lot-extracted", "data.contributions.0.share_bp", 6249, "sum to 10000"),
        ("lot-extracted", "data.contributions.1.group", "pallaqueras-rinconada", "appears twice"),
        ("lot-extracted", "data.contributions", [], "at least 1"),
        ("participant-registered-asmo", "data.roles", ["asmo", "asmo"], "roles must not repeat"),
        ("participant-registered-asmo", "data.roles", ["miner"], "Input should be"),
        ("participant-registered-asmo", "data.country", "pe", "String should match"),
        ("participant-registered-asmo", "data.groups.0.kind", "mineros", "Input should be"),
        ("participant-registered-asmo", "data.members.women", -1, "greater than or equal"),
        ("certificate-issued", "data.standard", "fairtrade", "Input should be"),
        ("lot-transformed", "data.inputs", ["LOT-CECOMIP-2026-000123", "LOT-CECOMIP-2026-000123"], "listed twice"),
        ("lot-transformed", "data.outputs.1.lot", "BAR-OA-0001", "listed twice"),
        ("lot-transformed", "data.outputs.1.lot", "LOT-CECOMIP-2026-000124", "both input and output"),
        ("lot-transformed", "data.process", "Refining!", "String should match"),
        ("lot-shipped", "data.price.amount", "12.345", "String should match"),
        ("lot-shipped", "data.price.currency", "usd", "String should match"),
        ("lot-assayed", "data.report_sha256", "AB" * 32, "String should match"),
        ("lot-exported", "data.destination", "CHE", "String should match"),
    ],
)
def test_payload_rules(name: str, path: str, value: Any, message: str) -> None:
    assert message in refused(changed(name, path, value))


@pytest.mark.parametrize(
    ("path", "limit"),
    [("data.mines", 256), ("data.roles", 7), ("data.keys", 16), ("data.groups", 256), ("data.inputs", 256)],
)
def test_lists_are_bounded(path: str, limit: int) -> None:
    name = {"data.mines": "certificate-issued", "data.inputs": "lot-transformed"}.get(
        path, "participant-registered-asmo"
    )
    event = event_of(name)
    member = path.split(".")[1]
    template = copy.deepcopy(event["data"][member][0])
    too_many = [template] * (limit + 1)
    event["data"][member] = too_many
    assert "at most" in refused(event)


def test_fine_mass_is_floored_exactly() -> None:
    assert fine_mass_mg(66_000, "850") == 56_100
    assert fine_mass_mg(1, "0.0001") == 0
    assert fine_mass_mg(MAX_SAFE_INTEGER, "999.9999") == MAX_SAFE_INTEGER * 9999999 // 10000000
