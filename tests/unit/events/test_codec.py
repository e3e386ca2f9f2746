"""Decoding signed events: every refusal has its own code; batches; any single-byte change is caught."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from events.codec import (
    MAX_BATCH_EVENTS,
    MAX_DEPTH,
    SignedEvent,
    decode_batch,
    decode_event,
    decode_object,
    decode_parsed,
    first_flaw,
    strict_json,
    validate_event,
)
from events.contract_vectors import Vector, vector_key, vector_public_key
from events.errors import DECODE_CODES, DecodeError, SignatureError
from events.model.envelope import MAX_EVENT_BYTES
from events.signing import load_public_key, sign_event, verify_event
from tests.unit.events._language_fixtures import VECTORS, signed, signed_bytes, unsigned_events

EXTRACTED = next(v for v in VECTORS if v.name == "lot-extracted")
SIGNED_EXTRACTED = signed_bytes(EXTRACTED)
SIGNED_ALL = {vector.name: signed_bytes(vector) for vector in VECTORS}


def refusal(data: bytes) -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        decode_event(data)
    assert caught.value.code in DECODE_CODES, caught.value.code
    assert caught.value.detail.endswith("."), "every refusal is a sentence"
    return caught.value


def with_member(text: bytes, member: bytes) -> bytes:
    """Insert a raw member text right after the opening brace of `data`."""
    at = text.index(b'"data":{') + len(b'"data":{')
    return text[:at] + member + b"," + text[at:]


def test_every_vector_decodes_to_the_reference_signing_input_and_digest() -> None:
    for vector in VECTORS:
        event = signed(vector)
        decoded = decode_event(SIGNED_ALL[vector.name])
        assert decoded.signing_input == rfc8785.dumps(vector.event)
        assert decoded.digest == hashlib.sha256(rfc8785.dumps(event)).digest()
        assert decoded.raw == event
        assert decoded.id == event["id"]
        verify_event(decoded, load_public_key(vector_public_key(vector.signer)))


def test_whitespace_and_escaped_non_ascii_decode_to_the_same_digest() -> None:
    event = signed(next(v for v in VECTORS if v.name == "participant-registered-astral-name"))
    compact = decode_event(orjson.dumps(event))
    pretty = decode_event(json.dumps(event, indent=4, ensure_ascii=True).encode())  # \uXXXX escapes: slow path
    assert pretty.digest == compact.digest
    assert pretty.signing_input == compact.signing_input


def test_an_event_of_exactly_64_kib_is_accepted_and_one_byte_more_is_refused() -> None:
    padded = SIGNED_EXTRACTED + b" " * (MAX_EVENT_BYTES - len(SIGNED_EXTRACTED))
    assert decode_event(padded).raw == orjson.loads(SIGNED_EXTRACTED)
    assert refusal(padded + b" ").code == "event.too_large"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (SIGNED_EXTRACTED.replace(b"oro refogado", b"oro refog\xe1do"), "event.invalid_utf8"),
        (SIGNED_EXTRACTED.replace(b"oro refogado", b"oro \xed\xa0\x80"), "event.invalid_utf8"),
        (SIGNED_EXTRACTED[:-1], "event.malformed_json"),
        (b"\xef\xbb\xbf" + SIGNED_EXTRACTED, "event.malformed_json"),
        (b"", "event.malformed_json"),
        (SIGNED_EXTRACTED.replace(b"oro refogado", b"oro \\ud800 refogado"), "event.lone_surrogate"),
        (SIGNED_EXTRACTED.replace(b"oro refogado", b"oro \\udc00\\ud800"), "event.lone_surrogate"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":NaN'), "event.non_finite_number"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":Infinity'), "event.non_finite_number"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":-Infinity'), "event.non_finite_number"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":66000.0'), "event.float"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":66e3'), "event.float"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":1e400'), "event.float"),
        (SIGNED_EXTRACTED.replace(b'"share_bp":6250', b'"share_bp":6250.5'), "event.float"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":9007199254740992'), "event.integer_out_of_range"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":-9007199254740992'), "event.integer_out_of_range"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":' + b"9" * 30), "event.integer_out_of_range"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":' + b"9" * 5000), "event.integer_out_of_range"),
        (SIGNED_EXTRACTED.replace(b'"mercury_free":true', b'"mercury_free":null'), "event.null_value"),
        (SIGNED_EXTRACTED.replace(b'"certificate":"FM-PE-2026-0042"', b'"certificate":null'), "event.null_value"),
        (b"[]", "event.not_object"),
        (b'"an event"', "event.not_object"),
        (SIGNED_EXTRACTED.replace(b'"mine":', b'"mine_":'), "event.schema"),
    ],
)
def test_each_flaw_has_its_own_code(data: bytes, code: str) -> None:
    assert refusal(data).code == code


def test_duplicate_keys_are_refused_even_when_both_values_agree() -> None:
    doubled = with_member(SIGNED_EXTRACTED, b'"mass_mg":66000')
    assert orjson.loads(doubled) == orjson.loads(SIGNED_EXTRACTED)  # a lenient parser would not notice
    error = refusal(doubled)
    assert error.code == "event.duplicate_key"
    assert "mass_mg" in error.detail


def test_a_duplicate_key_hidden_behind_an_escaped_colon_is_still_found() -> None:
    # One extra member adds a colon; an escaped colon in a string removes one from the raw count.
    doubled = with_member(SIGNED_EXTRACTED, b'"mass_mg":66000')
    disguised = doubled.replace(b"2026-11-27T05:00:00Z", b"2026-11-27T05\\u003a00:00Z")
    assert disguised.count(b":") == SIGNED_EXTRACTED.count(b":")
    assert refusal(disguised).code == "event.duplicate_key"


def test_a_duplicate_top_level_attribute_is_refused() -> None:
    event = SIGNED_EXTRACTED
    doubled = event[:1] + b'"specversion":"1.0",' + event[1:]
    assert refusal(doubled).code == "event.duplicate_key"


def test_duplicate_key_in_an_otherwise_invalid_event_is_named_as_such() -> None:
    doubled = with_member(SIGNED_EXTRACTED.replace(b'"mine":', b'"mine_":'), b'"lot":"x"')
    assert refusal(doubled).code == "event.duplicate_key"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 200, 5000])
def test_deep_nesting_is_refused(depth: int) -> None:
    nested = b"[" * depth + b"]" * depth
    assert refusal(with_member(SIGNED_EXTRACTED, b'"x":' + nested)).code == "event.too_deep"


def test_an_unsigned_event_is_refused() -> None:
    assert refusal(orjson.dumps(EXTRACTED.event)).code == "event.unsigned"


def test_schema_refusals_say_where() -> None:
    error = refusal(SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":0'))
    assert error.code == "event.schema"
    assert "lot.extracted" in error.detail
    assert "data.mass_mg" in error.detail


def test_a_signature_spelled_non_canonically_is_a_schema_error() -> None:
    event = signed(EXTRACTED)
    last = event["signature"][-1]
    event["signature"] = event["signature"][:-1] + chr(ord(last) + 1)  # same bytes after decoding, new text
    assert refusal(orjson.dumps(event)).code == "event.schema"


def test_decode_object_checks_the_value_domain_too() -> None:
    assert decode_object(orjson.loads(SIGNED_EXTRACTED)).digest == decode_event(SIGNED_EXTRACTED).digest
    event = orjson.loads(SIGNED_EXTRACTED)
    event["data"]["certificate"] = None
    with pytest.raises(DecodeError, match="null"):
        decode_object(event)


@pytest.mark.parametrize(
    "edit",
    [
        (b'"mass_mg":66000', b'"mass_mg":66000.0'),
        (b'"share_bp":6250', b'"share_bp":6250.5'),
        (b'"mass_mg":66000', b'"mass_mg":9007199254740992'),
        (b'"mass_mg":66000', b'"mass_mg":' + b"9" * 30),
        (b'"mercury_free":true', b'"mercury_free":null'),
        (b'"certificate":"FM-PE-2026-0042"', b'"certificate":null'),
        (b'"mine":', b'"mine_":'),
        (b'"mercury_free":true', b'"mercury_free":[[[[[[[[[[1]]]]]]]]]]'),
        (b'"certificate":"FM-PE-2026-0042"', b'"certificate":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}'),
    ],
)
def test_decode_parsed_refuses_what_decode_object_refuses_with_the_same_code(edit: tuple[bytes, bytes]) -> None:
    raw = orjson.loads(SIGNED_EXTRACTED.replace(*edit))
    with pytest.raises(DecodeError) as walked:
        decode_object(orjson.loads(orjson.dumps(raw)))
    with pytest.raises(DecodeError) as parsed:
        decode_parsed(raw)
    assert parsed.value.code == walked.value.code


def test_decode_parsed_reads_a_valid_event_as_decode_event_does() -> None:
    assert decode_parsed(orjson.loads(SIGNED_EXTRACTED)) == decode_event(SIGNED_EXTRACTED)


def test_validate_event_accepts_unsigned_and_refuses_flaws() -> None:
    assert validate_event(dict(EXTRACTED.event)).type == "lot.extracted"
    with pytest.raises(DecodeError) as caught:
        validate_event({**EXTRACTED.event, "extra": 1})
    assert caught.value.code == "event.schema"
    with pytest.raises(DecodeError) as caught:
        validate_event({**EXTRACTED.event, "extra": 1.5})
    assert caught.value.code == "event.float"


def test_strict_json_marks_flaws_in_place() -> None:
    tree = strict_json(b'{"a":[1,NaN],"b":"ok"}')
    flaw = first_flaw(tree)
    assert flaw is not None
    assert flaw.code == "event.non_finite_number"
    assert first_flaw(strict_json(b'{"a":[1,2],"b":"ok","c":true}')) is None


def batch(*items: bytes) -> bytes:
    return b"[" + b",".join(items) + b"]"


def codes(results: list[SignedEvent | DecodeError]) -> list[str]:
    return [r.code if isinstance(r, DecodeError) else "ok" for r in results]


def test_a_batch_gives_one_result_per_item_in_order() -> None:
    items = list(SIGNED_ALL.values())
    results = decode_batch(batch(*items))
    assert codes(results) == ["ok"] * len(items)
    assert [r.digest for r in results if isinstance(r, SignedEvent)] == [decode_event(i).digest for i in items]


@pytest.mark.parametrize(
    ("flawed", "code"),
    [
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":NaN'), "event.non_finite_number"),
        (SIGNED_EXTRACTED.replace(b"oro refogado", b"\\ud800"), "event.lone_surrogate"),
        (with_member(SIGNED_EXTRACTED, b'"mass_mg":66000'), "event.duplicate_key"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":1.5'), "event.float"),
        (SIGNED_EXTRACTED.replace(b'"mass_mg":66000', b'"mass_mg":0'), "event.schema"),
        (orjson.dumps(EXTRACTED.event), "event.unsigned"),
        (b"17", "event.not_object"),
    ],
)
def test_a_flawed_item_fails_alone(flawed: bytes, code: str) -> None:
    good = SIGNED_ALL["lot-shipped"]
    assert codes(decode_batch(batch(good, flawed, good))) == ["ok", code, "ok"]


def test_an_oversized_item_fails_alone() -> None:
    big = signed(EXTRACTED)
    big["data"]["contributions"] = [{"group": f"g{i:0120d}", "share_bp": 1} for i in range(500)]
    assert codes(decode_batch(batch(SIGNED_EXTRACTED, orjson.dumps(big)))) == ["ok", "event.too_large"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (SIGNED_EXTRACTED, "batch.not_array"),
        (batch(*[b"{}"] * (MAX_BATCH_EVENTS + 1)), "batch.too_many_events"),
        (b"[" + b" " * (8 * 1024 * 1024) + b"]", "batch.too_large"),
        (b"[" + SIGNED_EXTRACTED, "event.malformed_json"),
        (b"[\xff]", "event.invalid_utf8"),
    ],
)
def test_whole_batch_refusals(data: bytes, code: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_batch(data)
    assert caught.value.code == code


def test_an_empty_batch_is_empty() -> None:
    assert decode_batch(b"[]") == []


@settings(max_examples=100, deadline=None)
@given(unsigned_events())
def test_generated_events_decode_to_the_reference_forms(drawn: tuple[Vector, dict[str, Any]]) -> None:
    vector, event = drawn
    signed_event = sign_event(event, vector_key(vector.signer))
    decoded = decode_event(orjson.dumps(signed_event))
    assert decoded.signing_input == rfc8785.dumps(event)
    assert decoded.digest == hashlib.sha256(rfc8785.dumps(signed_event)).digest()
    verify_event(decoded, load_public_key(vector_public_key(vector.signer)))


def assert_change_is_caught(original: bytes, changed: bytes, vector: Vector) -> None:
    """Decoding the changed bytes fails, or the decoded event does not verify under the signer's key."""
    try:
        decoded = decode_event(changed)
    except DecodeError:
        return
    assert (
        decoded.signing_input != decode_event(original).signing_input
        or decoded.event.signature != (orjson.loads(original)["signature"])
    )
    with pytest.raises(SignatureError):
        verify_event(decoded, load_public_key(vector_public_key(vector.signer)))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(VECTORS), st.data())
def test_any_single_byte_change_fails_decoding_or_verification(vector: Vector, data: st.DataObject) -> None:
    original = SIGNED_ALL[vector.name]
    position = data.draw(st.integers(0, len(original) - 1), label="position")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != original[position]), label="byte")
    changed = original[:position] + bytes([byte]) + original[position + 1 :]
    assert_change_is_caught(original, changed, vector)


@pytest.mark.parametrize("vector", VECTORS[:6], ids=lambda v: v.name)
def test_flipping_the_low_bit_of_every_byte_is_caught(vector: Vector) -> None:
    original = SIGNED_ALL[vector.name]
    for position in range(len(original)):
        changed = original[:position] + bytes([original[position] ^ 1]) + original[position + 1 :]
        assert_change_is_caught(original, changed, vector)
