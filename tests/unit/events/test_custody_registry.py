"""Registry rules: participants, keys, mines, certificates, and the roles that may sign them."""

from __future__ import annotations

from events.custody import State, initial_state
from tests.unit.events.scenario import (
    AUTHORITY,
    CERTIFIER,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_MINE,
    TRADER,
    Scenario,
    accept,
    refusal,
)


def test_the_authority_registers_itself_with_its_anchor_key(scenario: Scenario) -> None:
    state = initial_state(scenario.anchor())
    accept(state, scenario.register(AUTHORITY, ["authority"]))
    assert state.registry.participants[AUTHORITY].roles == {"authority"}
    assert list(state.registry.keys) == [f"{AUTHORITY}:1"]


def test_nothing_but_the_anchor_is_trusted_at_first(scenario: Scenario) -> None:
    state = initial_state(scenario.anchor())
    assert refusal(state, scenario.register(CERTIFIER, ["certifier"], by=CERTIFIER)) == "key.unknown"


def test_a_participant_is_registered_once(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.register(TRADER, ["trader"])) == "participant.already_registered"


def test_only_the_authority_registers_participants(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.register("newcomer", ["trader"], by=TRADER)) == "role.missing"


def test_an_asmo_declares_its_members(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.register("cruz-pata", ["asmo"])) == "participant.members_required"
    accept(state, scenario.register("cruz-pata", ["asmo"], members=(12, 40)))


def test_key_ids_are_never_reused(scenario: Scenario, state: State) -> None:
    event, _ = scenario.add_key(TRADER, f"{ECO_ASMO}:1")
    assert refusal(state, event) == "key.id_taken"


def test_a_new_participant_cannot_reuse_a_key_id(scenario: Scenario, state: State) -> None:
    scenario.signers["newcomer"] = scenario.new_signer("newcomer", f"{TRADER}:1")
    assert refusal(state, scenario.register("newcomer", ["trader"])) == "key.id_taken"


def test_keys_are_added_to_registered_participants_only(scenario: Scenario, state: State) -> None:
    event, _ = scenario.add_key("nobody", "nobody:2")
    assert refusal(state, event) == "participant.unknown"


def test_a_rotated_key_signs_and_the_old_one_stops_at_its_revocation(scenario: Scenario, state: State) -> None:
    added, new_key = scenario.add_key(TRADER, f"{TRADER}:2")
    accept(state, added)
    before = scenario.register("early", ["trader"])  # signed by the authority: unaffected
    accept(state, before, scenario.revoke_key(TRADER, f"{TRADER}:1", by=new_key))
    assert state.registry.keys[f"{TRADER}:1"].revoked_by is not None
    event, _ = scenario.add_key("early", "early:2", by=AUTHORITY)
    accept(state, event)


def test_only_the_owner_or_the_authority_revokes_a_key(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.revoke_key(ECO_ASMO, f"{ECO_ASMO}:1", by=TRADER)) == "role.missing"
    accept(state, scenario.revoke_key(ECO_ASMO, f"{ECO_ASMO}:1", by=AUTHORITY))


def test_a_revocation_names_a_key_of_the_participant(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.revoke_key(ECO_ASMO, f"{TRADER}:1")) == "revocation.unknown_key"


def test_a_key_is_revoked_once(scenario: Scenario, state: State) -> None:
    accept(state, scenario.revoke_key(ECO_ASMO, f"{ECO_ASMO}:1"))
    assert refusal(state, scenario.revoke_key(ECO_ASMO, f"{ECO_ASMO}:1")) == "revocation.already_revoked"


def test_a_key_cannot_revoke_itself(scenario: Scenario, state: State) -> None:
    event = scenario.revoke_key(TRADER, f"{TRADER}:1", by=TRADER)
    assert refusal(state, event) == "revocation.own_signing_key"


def test_a_mine_is_registered_once(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.mine(ECO_MINE, ECO_ASMO)) == "mine.already_registered"


def test_a_mine_is_operated_by_an_asmo(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.mine("trader-pit", TRADER)) == "mine.operator_not_asmo"


def test_only_the_authority_registers_mines(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.mine("new-pit", ECO_ASMO, by=ECO_ASMO)) == "role.missing"


def test_only_a_certifier_issues_certificates(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.certificate("cert-x", FM_ASMO, [FM_MINE], by=AUTHORITY)) == "role.missing"


def test_a_certificate_id_is_issued_once(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.certificate(ECO_CERT, ECO_ASMO, [ECO_MINE])) == "certificate.already_issued"


def test_a_certificate_is_held_by_an_asmo(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.certificate("cert-x", TRADER, [ECO_MINE])) == "certificate.holder_not_asmo"


def test_a_certificate_covers_the_holders_own_mines(scenario: Scenario, state: State) -> None:
    event = scenario.certificate("cert-x", FM_ASMO, [FM_MINE, ECO_MINE])
    assert refusal(state, event) == "certificate.mine_not_of_holder"


def test_a_certificate_covers_registered_mines(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.certificate("cert-x", FM_ASMO, ["no-such-mine"])) == "mine.unknown"


def test_a_status_change_names_an_issued_certificate(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.certificate_status("cert-x", "suspended")) == "certificate.unknown"


def test_only_the_issuing_certifier_changes_a_status(scenario: Scenario, state: State) -> None:
    accept(state, scenario.register("other-cb", ["certifier"]))
    event = scenario.certificate_status(ECO_CERT, "suspended", by="other-cb")
    assert refusal(state, event) == "certificate.not_issuer"


def test_certificate_status_lifecycle(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.certificate_status(ECO_CERT, "reinstated")) == "certificate.invalid_transition"
    accept(state, scenario.certificate_status(ECO_CERT, "suspended"))
    assert state.registry.certificates[ECO_CERT].status == "suspended"
    assert refusal(state, scenario.certificate_status(ECO_CERT, "suspended")) == "certificate.invalid_transition"
    accept(state, scenario.certificate_status(ECO_CERT, "reinstated"))
    accept(state, scenario.certificate_status(ECO_CERT, "withdrawn"))
    assert refusal(state, scenario.certificate_status(ECO_CERT, "reinstated")) == "certificate.invalid_transition"
    assert refusal(state, scenario.certificate_status(ECO_CERT, "withdrawn")) == "certificate.invalid_transition"
