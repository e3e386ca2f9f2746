"""RFC 8785 canonical bytes: the fast orjson path equals the reference `rfc8785` package on the event domain."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from events.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalDomainError,
    canonical_bytes,
    canonical_event_bytes,
    event_digest,
    signing_input,
    without_signature,
)
from events.contract_vectors import vector_key
from events.signing import sign_event
from tests.unit.events._language_fixtures import VECTORS, json_objects, signed, unsigned_events


@settings(max_examples=300, deadline=None)
@given(json_objects)
def test_canonical_bytes_equal_the_reference_for_any_event_value(document: dict[str, Any]) -> None:
    assert canonical_bytes(document) == rfc8785.dumps(document)


@settings(max_examples=150, deadline=None)
@given(unsigned_events())
def test_signing_input_and_digest_equal_the_reference_for_generated_events(drawn: tuple[Any, dict[str, Any]]) -> None:
    vector, event = drawn
    signed_event = sign_event(event, vector_key(vector.signer))
    reference_unsigned = rfc8785.dumps(event)
    reference_signed = rfc8785.dumps(signed_event)
    assert signing_input(signed_event) == reference_unsigned
    assert event_digest(signed_event) == hashlib.sha256(reference_signed).digest()
    assert without_signature(canonical_bytes(signed_event), signed_event["signature"]) == reference_unsigned


def test_every_escape_and_control_character_matches_the_reference() -> None:
    text = "".join(chr(code) for code in range(0x20)) + '"\\/\u007f\u0080\u009f\u2028\u2029\ufeff\uffff'
    assert canonical_bytes({"s": text}) == rfc8785.dumps({"s": text})
    assert b"\\u001f" in canonical_bytes({"s": "\u001f"})  # lowercase hex, as RFC 8785 requires


def test_astral_keys_sort_by_utf16_code_units_not_code_points() -> None:
    document = {"\ue000": 1, "\U0001f600": 2, "a": 3}
    # UTF-16: "a" (0x61) < U+1F600 (0xD83D ...) < U+E000 (0xE000); code points would put U+E000 first.
    assert canonical_bytes(document) == '{"a":3,"\U0001f600":2,"\ue000":1}'.encode()
    assert canonical_bytes(document) == rfc8785.dumps(document)


def test_utf16_order_applies_in_nested_objects_and_lists() -> None:
    document: dict[str, Any] = {"outer": [{"\uffff": 1, "\U00010000": 2}], "\ue000": {"\U0001f600": 0, "\ud7ff": 1}}
    assert canonical_bytes(document) == rfc8785.dumps(document)


def test_every_event_object_is_closed_so_event_member_names_are_ascii() -> None:
    """canonical_event_bytes relies on this: no model may ever accept free-form member names."""
    from events.model.envelope import EVENT_ADAPTER

    def objects(node: Any) -> list[dict[str, Any]]:
        found = []
        if isinstance(node, dict):
            if node.get("type") == "object":
                found.append(node)
            for child in node.values():
                found += objects(child)
        elif isinstance(node, list):
            for child in node:
                found += objects(child)
        return found

    closed = objects(EVENT_ADAPTER.json_schema())
    assert len(closed) >= 20
    for node in closed:
        assert node.get("additionalProperties") is False, node.get("title")
        assert "patternProperties" not in node
        assert all(name.isascii() for name in node["properties"])


@settings(max_examples=100, deadline=None)
@given(unsigned_events())
def test_canonical_event_bytes_equal_the_reference(drawn: tuple[Any, dict[str, Any]]) -> None:
    _, event = drawn
    assert canonical_event_bytes(event) == rfc8785.dumps(event)


def test_signature_member_is_cut_from_the_signed_canonical_text() -> None:
    for vector in VECTORS:
        event = signed(vector)
        assert without_signature(canonical_bytes(event), event["signature"]) == signing_input(event)


def test_cutting_a_signature_that_is_not_there_fails_loudly() -> None:
    with pytest.raises(ValueError, match="no top-level signature"):
        without_signature(b'{"a":1}', "x" * 86)


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"mass": 1.5}, "float"),
        ({"mass": MAX_SAFE_INTEGER + 1}, "2\\^53"),
        ({"mass": -MAX_SAFE_INTEGER - 1}, "2\\^53"),
        ({"nested": {1: "x"}}, "not a string"),
        ({"nested": [set()]}, "set"),
        ({"deep": _nested(70)}, "deeply"),
        ({"s": "lone \ud800 surrogate"}, "cannot be written"),
    ],
)
def test_values_outside_the_event_domain_are_refused(document: dict[str, Any], reason: str) -> None:
    with pytest.raises(CanonicalDomainError, match=reason):
        canonical_bytes(document)


def test_integers_at_the_safe_bounds_are_written_exactly() -> None:
    document = {"max": MAX_SAFE_INTEGER, "min": -MAX_SAFE_INTEGER, "zero": 0, "t": True, "n": None}
    assert canonical_bytes(document) == rfc8785.dumps(document)
    assert canonical_bytes(document) == b'{"max":9007199254740991,"min":-9007199254740991,"n":null,"t":true,"zero":0}'


def test_any_mapping_and_tuples_are_accepted() -> None:
    from types import MappingProxyType

    assert canonical_bytes(MappingProxyType({"b": (1, 2), "a": []})) == b'{"a":[],"b":[1,2]}'


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["\ue000", "\U0001f600", "\uffff", "\U00010000", "z", "é"]), st.integers(0, 9)))
def test_tricky_key_sets_sort_like_the_reference(document: dict[str, int]) -> None:
    assert canonical_bytes(document) == rfc8785.dumps(document)
