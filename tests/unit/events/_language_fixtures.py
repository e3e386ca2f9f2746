"""Helpers of the signed-event language tests: signed vector events and hypothesis strategies."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import strategies as st

from events.contract_vectors import Vector, vector_key, vectors
from events.model.types import MAX_SAFE_INTEGER
from events.signing import sign_event

VECTORS: list[Vector] = vectors()
TEXT_FIELDS = ("name", "reason", "form", "method", "declaration", "region")

# Characters that exercise RFC 8785: escapes, the BMP private-use/specials block U+E000..U+FFFF (which sorts
# after astral characters in UTF-16 order but before them in code-point order), astral characters, accents.
TRICKY = [
    '"',
    "\\",
    "/",
    "\u007f",
    "\u2028",
    "\ue000",
    "\uffef",
    "\ufffd",
    "\U0001f600",
    "\U0001fa99",
    "\U00010000",
    "\U0010fffd",
    "ñ",
    "é",
    "Ñ",
    "€",
]
controls = st.characters(min_codepoint=0, max_codepoint=0x1F)
anything = st.characters(codec="utf-8")  # every code point but the surrogates
json_text = st.text(st.sampled_from(TRICKY) | anything | controls, max_size=12)
not_control = st.characters(codec="utf-8", exclude_categories=["Cc"])
printable_text = st.text(st.sampled_from([c for c in TRICKY if c != "\u007f"]) | not_control, min_size=1, max_size=40)
safe_ints = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)

json_values = st.recursive(
    st.none() | st.booleans() | safe_ints | json_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_text, inner, max_size=4),
    max_leaves=20,
)
json_objects = st.dictionaries(json_text, json_values, max_size=6)


def signed(vector: Vector) -> dict[str, Any]:
    """The vector's event, signed with its test key (a deep copy: change it freely)."""
    return sign_event(copy.deepcopy(vector.event), vector_key(vector.signer))


def signed_bytes(vector: Vector) -> bytes:
    """The vector's signed event as compact JSON."""
    return orjson.dumps(signed(vector))


@st.composite
def unsigned_events(draw: st.DrawFn) -> tuple[Vector, dict[str, Any]]:
    """A valid unsigned event: a catalogue event with drawn free text, masses, event id and time fraction."""
    vector = draw(st.sampled_from(VECTORS))
    event = copy.deepcopy(vector.event)
    event["id"] = draw(st.from_regex(r"\A[A-Za-z0-9._:-]{1,40}\Z"))
    fraction = draw(st.none() | st.from_regex(r"\A[0-9]{1,9}\Z"))
    if fraction is not None:
        event["time"] = event["time"][:19] + "." + fraction + "Z"
    data = event["data"]
    for field in TEXT_FIELDS:
        if field in data:
            data[field] = draw(printable_text)
    if "mass_mg" in data:
        data["mass_mg"] = draw(st.integers(min_value=1, max_value=MAX_SAFE_INTEGER))
    return vector, event
