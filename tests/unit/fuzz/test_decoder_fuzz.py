"""Fuzzing the event decoder (events/codec.py), the gateway's first line against bad input.

- Any bytes at all: the decoder answers an event or a DecodeError with a catalogued code and a sentence, and nothing
  else escapes it (no crash, no other exception, whatever the nesting, numbers or encoding).
- The same event written any other way (whitespace, member order, \\u escapes) decodes to the same signing input and
  digest; written with one member repeated anywhere, it is refused as a duplicate key. This holds the decoder's cheap
  duplicate-key shortcut (byte and colon counts, module docstring of events/codec.py) to the plain definition.
- A batch answers each item exactly as the item alone would be answered.

Regressions found here go to tests/corpus/ as bodies, so the gateway is held to them too.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.codec import SignedEvent, decode_batch, decode_event
from events.errors import DECODE_CODES, DecodeError
from tests.unit.events._language_fixtures import VECTORS, json_values, signed
from tests.unit.fuzz.spelling import respelled, with_a_repeated_member

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EVENTS = {vector.name: signed(vector) for vector in VECTORS}
DIGESTS = {name: decode_event(orjson.dumps(event)).digest for name, event in EVENTS.items()}

# Bytes that look like JSON often enough to go past the first character: fragments of events, numbers at and past
# the safe range, floats, surrogate escapes, duplicate-looking members, deep brackets, invalid UTF-8.
FRAGMENTS = st.sampled_from(
    [
        b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"\\u", b"\\ud800", b"\\udc00", b"\\u0000", b'"id"',
        b'"data"', b'"mass_mg"', b"9007199254740991", b"9007199254740992", b"-9007199254740993", b"1e400",
        b"0.5", b"-0", b"NaN", b"Infinity", b"true", b"null", b" ", b"\n", b"\xff", b"\xc0\xaf", b"\xed\xa0\x80",
        b"\xef\xbb\xbf", b"[" * 300, b"]" * 300, b'{"a":' * 50,
    ]
)  # fmt: skip
JSONISH = st.lists(FRAGMENTS | st.binary(max_size=8), max_size=40).map(b"".join)


def catalogued(refusal: DecodeError) -> DecodeError:
    """The refusal, once checked to carry a catalogued code and a sentence."""
    assert refusal.code in DECODE_CODES, refusal.code
    assert refusal.detail.endswith((".", ")")), refusal.detail
    return refusal


def answered(data: bytes) -> SignedEvent | DecodeError:
    """decode_event's answer; only a catalogued DecodeError with a sentence may come out of it."""
    try:
        return decode_event(data)
    except DecodeError as refusal:
        return catalogued(refusal)


@FUZZ
@given(st.binary(max_size=512) | JSONISH)
def test_any_bytes_get_an_event_or_a_catalogued_refusal(data: bytes) -> None:
    answered(data)
    try:
        items = decode_batch(data)
    except DecodeError as refusal:
        catalogued(refusal)
    else:
        for item in items:
            if isinstance(item, DecodeError):
                catalogued(item)
            else:
                assert isinstance(item, SignedEvent)


@FUZZ
@given(json_values, st.booleans())
def test_any_json_value_gets_an_event_or_a_catalogued_refusal(value: Any, ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert isinstance(answered(data), DecodeError), "no generated value is a signed event"
    answered(b'{"data":' + data + b"}")


@FUZZ
@given(st.integers(), st.integers(0, 3))
def test_integers_outside_the_safe_range_are_refused_and_inside_are_not(number: int, depth: int) -> None:
    member = f'"mass_mg":{"[" * depth}{number}{"]" * depth}'.encode()
    data = orjson.dumps(EVENTS["lot-shipped"]).replace(b'"mass_mg":66000', member)
    refusal = answered(data)
    safe = abs(number) <= 2**53 - 1
    if not safe:
        assert isinstance(refusal, DecodeError)
        assert refusal.code == "event.integer_out_of_range"
    elif depth == 0 and number > 0:
        assert isinstance(refusal, SignedEvent)  # decoded (the signature is checked elsewhere)


@FUZZ
@given(st.sampled_from(sorted(EVENTS)), st.data())
def test_the_same_event_written_another_way_decodes_the_same(name: str, data: st.DataObject) -> None:
    text = data.draw(respelled(EVENTS[name]), label="text")
    decoded = answered(text)
    assert isinstance(decoded, SignedEvent), (decoded, text[:300])
    assert decoded.digest == DIGESTS[name]


@FUZZ
@given(st.sampled_from(sorted(EVENTS)), st.data())
def test_a_member_written_twice_anywhere_is_refused(name: str, data: st.DataObject) -> None:
    text = data.draw(with_a_repeated_member(EVENTS[name]), label="text")
    refusal = answered(text)
    assert isinstance(refusal, DecodeError), text[:300]
    assert refusal.code == "event.duplicate_key", (refusal, text[:300])


@FUZZ
@given(st.lists(st.sampled_from(sorted(EVENTS)), min_size=1, max_size=6), st.data())
def test_a_batch_answers_each_item_as_it_would_be_answered_alone(names: list[str], data: st.DataObject) -> None:
    items = [
        data.draw(respelled(EVENTS[name]) | with_a_repeated_member(EVENTS[name]) | st.just(b"[1]"), label=name)
        for name in names
    ]
    batch = decode_batch(b"[" + b",".join(items) + b"]")
    for item, result in zip(items, batch, strict=True):
        alone = answered(item)
        if isinstance(alone, SignedEvent):
            assert isinstance(result, SignedEvent)
            assert result.digest == alone.digest
        else:
            assert isinstance(result, DecodeError)
            assert result.code == alone.code or alone.code == "event.not_object", (result.code, alone.code)
