"""Steps 0-2 of the fold: duplicates, the signature under a registered unrevoked key, conflicting ids."""

from __future__ import annotations

import copy

import orjson

from events.codec import SignedEvent, decode_event
from events.custody import Duplicate, Outcome, Rejected, State, decide, evolve, fold, initial_state
from tests.unit.events.scenario import ECO_ASMO, ECO_MINE, TRADER, Scenario, accept, refusal


def tampered(signed: SignedEvent, mass_mg: int) -> SignedEvent:
    """The same event with another mass, still carrying the original signature."""
    raw = copy.deepcopy(signed.raw)
    raw["data"]["mass_mg"] = mass_mg
    return decode_event(orjson.dumps(raw))


def test_an_event_changed_after_signing_is_refused(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    assert refusal(state, tampered(event, 100_001)) == "signature.invalid"
    accept(state, event)


def test_a_key_of_another_participant_is_refused(scenario: Scenario, state: State) -> None:
    trader_key = scenario.signer(TRADER)
    forged = scenario.new_signer(ECO_ASMO, trader_key.keyid)
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    scenario.signers[ECO_ASMO] = forged
    assert refusal(state, scenario.extract(ECO_ASMO, "lot-2", ECO_MINE, 100_000)) == "key.wrong_participant"
    accept(state, event)


def test_an_unregistered_key_is_refused(scenario: Scenario, state: State) -> None:
    scenario.signers[ECO_ASMO] = scenario.new_signer(ECO_ASMO, f"{ECO_ASMO}:9")
    assert refusal(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)) == "key.unknown"


def test_revocation_counts_from_its_position_in_the_log_not_from_time(scenario: Scenario, state: State) -> None:
    early = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    # Signed with an earlier `time` than the revocation, but logged after it: refused.
    late = scenario.extract(ECO_ASMO, "lot-2", ECO_MINE, 100_000, time="2026-01-15T00:00:00Z")
    accept(state, early, scenario.revoke_key(ECO_ASMO, f"{ECO_ASMO}:1"))
    assert refusal(state, late) == "key.revoked"
    assert "lot-1" in state.lots


def test_a_redelivered_event_is_a_duplicate_with_no_effect(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    accept(state, event)
    lots_before, tallies_before = dict(state.lots), dict(state.tallies)
    outcome = decide(state, event)
    assert outcome == Duplicate(event.id)
    evolve(state, outcome)
    assert dict(state.lots) == lots_before
    assert dict(state.tallies) == tallies_before


def test_a_duplicate_stays_a_duplicate_after_its_key_is_revoked(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    accept(state, event, scenario.revoke_key(ECO_ASMO, f"{ECO_ASMO}:1"))
    assert isinstance(decide(state, event), Duplicate)


def test_a_reused_id_with_other_content_is_refused(scenario: Scenario, state: State) -> None:
    first = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    accept(state, first)
    other = scenario.extract(ECO_ASMO, "lot-2", ECO_MINE, 100_000, event_id=first.id)
    assert refusal(state, other) == "event.id_conflict"


def test_a_forged_event_with_a_known_id_fails_on_its_signature_first(scenario: Scenario, state: State) -> None:
    first = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    accept(state, first)
    assert refusal(state, tampered(first, 5)) == "signature.invalid"


def test_a_rejected_event_is_not_remembered(scenario: Scenario, state: State) -> None:
    early = scenario.ship(ECO_ASMO, "lot-1", TRADER, 100_000)
    assert isinstance(decide(state, early), Rejected)
    assert early.id not in state.seen


def test_a_batched_fold_decides_exactly_as_event_by_event(scenario: Scenario) -> None:
    added, new_key = scenario.add_key(ECO_ASMO, f"{ECO_ASMO}:2")
    extraction = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    old_key = scenario.signers[ECO_ASMO]
    scenario.signers[ECO_ASMO] = new_key
    by_new_key = scenario.extract(ECO_ASMO, "lot-2", ECO_MINE, 100_000)  # its key is registered in the same batch
    revocation = scenario.revoke_key(ECO_ASMO, old_key.keyid, by=new_key)
    scenario.signers[ECO_ASMO] = old_key
    after_revocation = scenario.extract(ECO_ASMO, "lot-3", ECO_MINE, 100_000)
    # A registration the rules refuse still declares a key in the batch: events signed with it stay refused.
    forged_registration = scenario.register("mallory", ["asmo"], members=(1, 1), by=TRADER)
    by_mallory = scenario.extract("mallory", "lot-4", ECO_MINE, 100_000)
    stream = [
        *scenario.world(),
        extraction,
        tampered(extraction, 1),
        added,
        by_new_key,
        revocation,
        after_revocation,
        extraction,
        forged_registration,
        by_mallory,
    ]
    one_by_one = initial_state(scenario.anchor())
    expected: list[Outcome] = []
    for signed in stream:
        expected.append(decide(one_by_one, signed))
        evolve(one_by_one, expected[-1])
    batched = initial_state(scenario.anchor())
    assert fold(batched, stream) == expected
    assert [getattr(o, "code", None) for o in expected[-8:]] == [
        "signature.invalid",
        None,
        None,
        None,
        "key.revoked",
        None,
        "role.missing",
        "key.unknown",
    ]
    assert isinstance(expected[-3], Duplicate)
    assert batched == one_by_one


def test_a_pre_verified_key_that_is_not_the_events_key_is_ignored(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)
    other_key = scenario.signer(TRADER).public_key
    outcome = decide(state, tampered(event, 1), verified_key=other_key)
    assert isinstance(outcome, Rejected)
    assert outcome.code == "signature.invalid"
