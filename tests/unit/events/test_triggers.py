"""The trigger table: each trigger meets exactly its code in the kernel, alone and beside all the others, and the
table covers every code of the catalogue but a justified few."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import orjson
import pytest

from events.codec import SignedEvent, decode_batch, decode_event
from events.custody import Accepted, Outcome, Rejected, fold, initial_state
from events.errors import DecodeError
from events.reasons import CATALOGUE
from tests.unit.events.scenario import ECO_ASMO, ECO_MINE, TRADER, Scenario
from tests.unit.events.triggers import EXCLUDED_CODES, EXCLUDED_KINDS, TRIGGERS, Built, Trigger

EVENT_TRIGGERS = [t for t in TRIGGERS.values() if t.kind != "decode"]
DECODE_TRIGGERS = [t for t in TRIGGERS.values() if t.kind == "decode"]


def ids(trigger: Trigger) -> str:
    return trigger.code


def code_of(outcome: Outcome) -> str | None:
    """The code an outcome carries: a rejection's, or an acceptance's only finding (None: neither)."""
    if isinstance(outcome, Rejected):
        return outcome.code
    if isinstance(outcome, Accepted) and len(outcome.findings) == 1:
        return outcome.findings[0].code
    return None


def assert_meets(trigger: Trigger, outcome: Outcome) -> None:
    """Rejected with the code, or (a finding) accepted with exactly that finding."""
    if trigger.kind == "finding":
        assert isinstance(outcome, Accepted), f"{trigger.code}: {outcome}"
        assert [f.code for f in outcome.findings] == [trigger.code]
    else:
        assert isinstance(outcome, Rejected), f"{trigger.code}: {outcome}"
        assert outcome.code == trigger.code, outcome
        assert len(outcome.detail) > 20, outcome.detail


def assert_all_accepted_without_findings(events: list[SignedEvent], outcomes: list[Outcome]) -> None:
    for signed, outcome in zip(events, outcomes, strict=True):
        assert isinstance(outcome, Accepted), f"{signed.id} ({signed.event.type}): {outcome}"
        assert not outcome.findings, f"{signed.id}: {outcome.findings}"


def decode_refusal(trigger: Trigger, body: bytes) -> str:
    """The code decoding refuses the body with, as the gateway decodes it (whole, or as the item of an array)."""
    if trigger.code.startswith("batch."):
        with pytest.raises(DecodeError) as caught:
            decode_batch(body)
        return caught.value.code
    with pytest.raises(DecodeError) as caught:
        decode_event(body)
    if not trigger.whole_body:
        (in_array,) = decode_batch(b"[" + body + b"]")
        assert isinstance(in_array, DecodeError)
        assert in_array.code == caught.value.code
    return caught.value.code


@pytest.mark.parametrize("trigger", EVENT_TRIGGERS, ids=ids)
def test_each_trigger_meets_its_code_after_its_history(trigger: Trigger) -> None:
    built = trigger.build()
    assert isinstance(built.offending, SignedEvent)
    state = initial_state(Scenario().anchor())
    before = [*Scenario().world(), *built.registry, *built.history]
    assert_all_accepted_without_findings(before, fold(state, before))
    (outcome,) = fold(state, [built.offending])
    assert_meets(trigger, outcome)


@pytest.mark.parametrize("trigger", DECODE_TRIGGERS, ids=ids)
def test_each_decode_trigger_is_refused_with_its_code(trigger: Trigger) -> None:
    built = trigger.build()
    assert isinstance(built.offending, bytes)
    assert not built.registry
    assert not built.history
    assert decode_refusal(trigger, built.offending) == trigger.code
    if trigger.whole_body and not trigger.code.startswith("batch."):
        assert built.offending[:1] == b"{", "the gateway decodes a body as one event when it is an object"


def built_triggers() -> Iterator[tuple[Trigger, Built]]:
    for trigger in EVENT_TRIGGERS:
        yield trigger, trigger.build()


def test_all_triggers_share_one_world_in_one_log() -> None:
    """World, then every trigger's registry events, every history, every offending event: each meets its code."""
    built = list(built_triggers())
    state = initial_state(Scenario().anchor())
    before = [*Scenario().world()]
    before += [e for _, b in built for e in b.registry]
    before += [e for _, b in built for e in b.history]
    assert_all_accepted_without_findings(before, fold(state, before))
    offending = [b.offending for _, b in built if isinstance(b.offending, SignedEvent)]
    for (trigger, _), outcome in zip(built, fold(state, offending), strict=True):
        assert_meets(trigger, outcome)


def test_triggers_never_share_ids() -> None:
    """Every event id a trigger makes, and every lot, shipment or registry id it creates, carries its prefix."""
    world_ids = {e.id for e in Scenario().world()}
    for trigger, built in built_triggers():
        events = [*built.registry, *built.history]
        assert isinstance(built.offending, SignedEvent)
        for signed in [*events, built.offending]:
            assert signed.id.startswith(trigger.prefix), (trigger.code, signed.id)
            assert signed.id not in world_ids
        for signed in events:  # what is accepted: its subject (lot, participant, mine, certificate) is the trigger's
            assert signed.event.subject.startswith(trigger.prefix), (trigger.code, signed.event.subject)
            for name in ("shipment", "lot"):
                value = signed.raw["data"].get(name)
                assert value is None or value.startswith(trigger.prefix), (trigger.code, value)
            for output in signed.raw["data"].get("outputs", []):
                assert output["lot"].startswith(trigger.prefix)


def test_the_table_covers_the_catalogue_but_the_justified_exclusions() -> None:
    excluded = {code for code, c in CATALOGUE.items() if c.kind in EXCLUDED_KINDS} | set(EXCLUDED_CODES)
    uncovered = sorted(set(CATALOGUE) - set(TRIGGERS) - excluded)
    assert not uncovered, f"codes with neither a trigger nor a justified exclusion: {uncovered}"
    assert set(TRIGGERS) <= set(CATALOGUE), sorted(set(TRIGGERS) - set(CATALOGUE))
    assert not set(TRIGGERS) & excluded, "a code is both triggered and excluded"
    assert set(EXCLUDED_CODES) <= set(CATALOGUE), "an exclusion names a code the catalogue no longer has"
    assert all(len(reason) > 40 for reason in [*EXCLUDED_KINDS.values(), *EXCLUDED_CODES.values()])
    assert {c.kind for c in CATALOGUE.values()} >= set(EXCLUDED_KINDS)


def test_the_table_covers_every_refusal_and_signature_code_and_every_decode_code() -> None:
    for kind in ("decode", "signature", "refusal", "finding"):
        expected = {code for code, c in CATALOGUE.items() if c.kind == kind} - set(EXCLUDED_CODES)
        assert expected == {t.code for t in TRIGGERS.values() if t.kind == kind}, kind


# -- why the excluded signature codes cannot be met by an event -------------------------------------------------------


def test_a_malformed_signature_never_gets_past_decoding(scenario: Scenario) -> None:
    raw = copy.deepcopy(scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 10_000).raw)
    for signature in (raw["signature"][:-1], raw["signature"] + "A", raw["signature"][:-1] + "B"):
        raw["signature"] = signature  # 63 bytes, 64 bytes and two bits, unused bits set
        with pytest.raises(DecodeError) as caught:
            decode_event(orjson.dumps(raw))
        assert caught.value.code == "event.schema"


def test_a_malformed_public_key_never_gets_past_decoding(scenario: Scenario) -> None:
    raw = copy.deepcopy(scenario.add_key(TRADER, f"{TRADER}:2")[0].raw)
    key = raw["data"]["public_key"]
    for public_key in (key[:-1], key + "A", key[:-1] + "B"):  # 31 bytes, 32 bytes and a bit, unused bits set
        raw["data"]["public_key"] = public_key
        with pytest.raises(DecodeError) as caught:
            decode_event(orjson.dumps(raw))
        assert caught.value.code == "event.schema"
