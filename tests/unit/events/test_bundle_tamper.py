"""Any byte of a bundle changed: verification fails, with a reason. Every position of a small bundle, and a
hypothesis-chosen sample of positions and replacement bytes of a realistic one."""

from __future__ import annotations

import json
from functools import cache

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from events.bundle_verify import BundleVerdict, verify_bundle
from events.reasons import CATALOGUE
from tests.unit.events.bundle_builder import BuiltLog, built_log
from tests.unit.events.scenario import AUTHORITY, TRADER, UNCERTIFIED_ASMO, UNCERTIFIED_MINE, Scenario, shipment_of
from tests.unit.events.test_bundle import LOT, chain


@cache
def small() -> tuple[BuiltLog, bytes]:
    """A small bundle: the authority, an ASMO, its mine, one lot extracted and sold (7 entries, ~6 KB)."""
    scenario = Scenario()
    shipped = scenario.ship(UNCERTIFIED_ASMO, "lot-7", TRADER, 5_000)
    events = [
        scenario.register(AUTHORITY, ["authority"]),
        scenario.register(UNCERTIFIED_ASMO, ["asmo"], members=(10, 30)),
        scenario.register(TRADER, ["trader"]),
        scenario.mine(UNCERTIFIED_MINE, UNCERTIFIED_ASMO),
        scenario.extract(UNCERTIFIED_ASMO, "lot-7", UNCERTIFIED_MINE, 5_000),
        shipped,
        scenario.receive(TRADER, "lot-7", shipment_of(shipped), 5_000),
    ]
    log = built_log(scenario.anchor(), events, filler_every=1)
    return log, log.bundle_bytes("lot-7")


@cache
def realistic() -> tuple[BuiltLog, bytes]:
    """The ring's bundle (the whole registry, two extractions, a melt, refining, manufacturing)."""
    scenario = Scenario()
    log = built_log(scenario.anchor(), chain(scenario), filler_every=40)
    return log, log.bundle_bytes(LOT)


def assert_refused(verdict: BundleVerdict, where: str) -> None:
    assert not verdict.verified, where
    assert verdict.failures, where
    for failure in verdict.failures:
        assert failure.code in CATALOGUE, (where, failure.code)
        assert len(failure.detail) > 30, (where, failure.detail)


def test_the_untouched_bundles_verify() -> None:
    for log, document in (small(), realistic()):
        assert verify_bundle(document, log.log_public_key, log.log_keyid).verified


def test_flipping_any_bit_of_every_byte_of_a_small_bundle_fails() -> None:
    log, document = small()
    key, keyid = log.log_public_key, log.log_keyid
    steps = set()
    for position in range(len(document)):
        changed = bytearray(document)
        changed[position] ^= 0x01 << (position % 8)
        verdict = verify_bundle(bytes(changed), key, keyid)
        assert_refused(verdict, f"byte {position} ({document[position - 20 : position + 20]!r})")
        steps.add(min(failure.step for failure in verdict.failures))
    assert steps == {1, 2, 3, 4, 5}  # every step catches some change


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_replacing_any_byte_of_a_realistic_bundle_fails(data: st.DataObject) -> None:
    log, document = realistic()
    position = data.draw(st.integers(0, len(document) - 1), label="position")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != document[position]), label="byte")
    changed = document[:position] + bytes([byte]) + document[position + 1 :]
    assert_refused(verify_bundle(changed, log.log_public_key, log.log_keyid), f"byte {position} -> {byte}")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_json_in_place_of_a_member_fails_with_a_catalogued_reason_and_never_raises(data: st.DataObject) -> None:
    log, document = small()
    tree = orjson.loads(document)
    path = data.draw(st.sampled_from(sorted(member_paths(tree))), label="member")
    value = data.draw(JSON_VALUES, label="value")
    node = tree
    for part in path[:-1]:
        node = node[part]
    if node[path[-1]] == value:
        return
    node[path[-1]] = value
    changed = json.dumps(tree).encode()  # the standard library writes big integers and floats too
    assert_refused(verify_bundle(changed, log.log_public_key, log.log_keyid), f"{path} = {value!r}")


def member_paths(value: object, prefix: tuple[str | int, ...] = ()) -> set[tuple[str | int, ...]]:
    """The path of every member and array item of a JSON value."""
    found: set[tuple[str | int, ...]] = set()
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found.add((*prefix, key))
        found |= member_paths(child, (*prefix, key))
    return found
