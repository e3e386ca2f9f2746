"""Custody rules of single lots: extraction, certified extraction, custody, assay, shipment, receipt, export."""

from __future__ import annotations

from events.custody import State
from tests.unit.events.scenario import (
    BATEADORAS,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    LAB,
    REFINER,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    accept,
    refusal,
    shipment_of,
)


def shipped_to_trader(scenario: Scenario, state: State, lot: str = "lot-1") -> str:
    """Extract a lot at CECOMIP and ship it to the trader; return the shipment id."""
    shipped = scenario.ship(ECO_ASMO, lot, TRADER, 100_000)
    accept(state, scenario.extract(ECO_ASMO, lot, ECO_MINE, 100_000), shipped)
    return shipment_of(shipped)


# -- extraction -----------------------------------------------------------------------------------------------


def test_an_uncertified_extraction_creates_a_held_lot(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(UNCERTIFIED_ASMO, "lot-1", UNCERTIFIED_MINE, 100_000, fineness="850"))
    lot = state.lots["lot-1"]
    assert (lot.status, lot.custodian, lot.lot_class, lot.fine_mg) == ("held", UNCERTIFIED_ASMO, "uncertified", 85_000)


def test_only_an_asmo_extracts(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.extract(TRADER, "lot-1", ECO_MINE, 100_000)) == "role.missing"


def test_only_the_operator_of_the_mine_extracts_there(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.extract(FM_ASMO, "lot-1", ECO_MINE, 100_000)) == "extraction.not_operator"


def test_extraction_at_an_unregistered_mine_is_refused(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.extract(ECO_ASMO, "lot-1", "secret-pit", 100_000)) == "mine.unknown"


def test_a_lot_holds_some_fine_gold(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 999, fineness="1")
    assert refusal(state, event) == "extraction.no_fine_gold"
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 1_000, fineness="1"))


def test_contributions_name_registered_groups(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, contributions=[("strangers", 10_000)])
    assert refusal(state, event) == "extraction.unknown_group"


def test_lot_ids_are_never_reused(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000))
    assert refusal(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000)) == "lot.id_reused"


# -- certified extraction ---------------------------------------------------------------------------------------


def test_a_certified_extraction_takes_the_certificates_class(scenario: Scenario, state: State) -> None:
    accept(
        state,
        scenario.extract(ECO_ASMO, "eco", ECO_MINE, 100_000, certificate=ECO_CERT),
        scenario.extract(FM_ASMO, "fm", FM_MINE, 100_000, certificate=FM_CERT, mercury_free=False),
    )
    assert state.lots["eco"].lot_class == "fairmined-ecological"
    assert state.lots["fm"].lot_class == "fairmined"
    assert state.lots["eco"].certificates == (ECO_CERT,)


def test_a_certified_lot_names_an_issued_certificate(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate="cert-forged")
    assert refusal(state, event) == "certificate.unknown"


def test_a_certified_lot_uses_its_own_organizations_certificate(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=FM_CERT)
    assert refusal(state, event) == "certificate.not_holder"


def test_the_certificate_covers_the_mine(scenario: Scenario, state: State) -> None:
    accept(state, scenario.mine("cecomip-new-pit", ECO_ASMO))
    event = scenario.extract(ECO_ASMO, "lot-1", "cecomip-new-pit", 100_000, certificate=ECO_CERT)
    assert refusal(state, event) == "certificate.mine_not_covered"


def test_a_suspended_certificate_certifies_nothing_until_reinstated(scenario: Scenario, state: State) -> None:
    accept(state, scenario.certificate_status(ECO_CERT, "suspended"))
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT)
    assert refusal(state, event) == "certificate.is_suspended"
    accept(state, scenario.certificate_status(ECO_CERT, "reinstated"), event)


def test_a_withdrawn_certificate_certifies_nothing(scenario: Scenario, state: State) -> None:
    accept(state, scenario.certificate_status(ECO_CERT, "withdrawn"))
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT)
    assert refusal(state, event) == "certificate.is_withdrawn"


def test_the_certificate_is_valid_at_the_events_time(scenario: Scenario, state: State) -> None:
    before = scenario.extract(ECO_ASMO, "a", ECO_MINE, 1_000, certificate=ECO_CERT, time="2025-12-31T23:59:59.999Z")
    at_end = scenario.extract(ECO_ASMO, "b", ECO_MINE, 1_000, certificate=ECO_CERT, time="2027-01-01T00:00:00Z")
    assert refusal(state, before) == "certificate.not_valid_at_time"
    assert refusal(state, at_end) == "certificate.not_valid_at_time"
    first = scenario.extract(ECO_ASMO, "c", ECO_MINE, 1_000, certificate=ECO_CERT, time="2026-01-01T00:00:00Z")
    last = scenario.extract(ECO_ASMO, "d", ECO_MINE, 1_000, certificate=ECO_CERT, time="2026-12-31T23:59:59.5Z")
    accept(state, first, last)


def test_ecological_gold_is_mercury_free(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT, mercury_free=False)
    assert refusal(state, event) == "certificate.mercury_used"


# -- custody ----------------------------------------------------------------------------------------------------


def test_only_the_custodian_acts_on_a_lot(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000))
    assert refusal(state, scenario.ship(FM_ASMO, "lot-1", TRADER, 100_000)) == "custody.not_custodian"
    assert refusal(state, scenario.assay(FM_ASMO, "lot-1", "860")) == "custody.not_custodian"
    assert refusal(state, scenario.export(FM_ASMO, "lot-1")) == "custody.not_custodian"


def test_lot_events_need_a_role_that_holds_gold(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000))
    assert refusal(state, scenario.assay("fairmined-cb", "lot-1", "860")) == "role.cannot_hold_gold"


def test_events_on_an_unknown_lot_are_refused(scenario: Scenario, state: State) -> None:
    assert refusal(state, scenario.ship(ECO_ASMO, "ghost", TRADER, 100_000)) == "lot.unknown"
    assert refusal(state, scenario.receive(TRADER, "ghost", "s-1", 100_000)) == "lot.unknown"


def test_a_lot_in_transit_is_held_by_nobody(scenario: Scenario, state: State) -> None:
    shipped_to_trader(scenario, state)
    assert state.lots["lot-1"].custodian is None
    assert refusal(state, scenario.ship(ECO_ASMO, "lot-1", REFINER, 100_000)) == "lot.in_transit"
    assert refusal(state, scenario.ship(TRADER, "lot-1", REFINER, 100_000)) == "lot.in_transit"
    assert refusal(state, scenario.assay(TRADER, "lot-1", "860")) == "lot.in_transit"


# -- shipment and receipt -----------------------------------------------------------------------------------------


def test_the_named_receiver_takes_the_lot(scenario: Scenario, state: State) -> None:
    shipment = shipped_to_trader(scenario, state)
    accept(state, scenario.receive(TRADER, "lot-1", shipment, 100_000))
    lot = state.lots["lot-1"]
    assert (lot.status, lot.custodian, lot.shipment) == ("held", TRADER, None)


def test_a_lot_is_not_shipped_to_its_custodian(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000))
    assert refusal(state, scenario.ship(ECO_ASMO, "lot-1", ECO_ASMO, 100_000)) == "shipment.to_self"


def test_a_lot_is_shipped_to_a_participant_that_may_hold_gold(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000))
    assert refusal(state, scenario.ship(ECO_ASMO, "lot-1", "fairmined-cb", 100_000)) == "shipment.receiver_cannot_hold"
    assert refusal(state, scenario.ship(ECO_ASMO, "lot-1", "nobody", 100_000)) == "shipment.receiver_cannot_hold"


def test_only_the_named_receiver_signs_the_receipt(scenario: Scenario, state: State) -> None:
    shipment = shipped_to_trader(scenario, state)
    assert refusal(state, scenario.receive(REFINER, "lot-1", shipment, 100_000)) == "receipt.not_receiver"


def test_a_receipt_names_the_open_shipment(scenario: Scenario, state: State) -> None:
    shipped_to_trader(scenario, state)
    assert refusal(state, scenario.receive(TRADER, "lot-1", "other-shipment", 100_000)) == "receipt.wrong_shipment"


def test_only_a_lot_in_transit_is_received(scenario: Scenario, state: State) -> None:
    shipment = shipped_to_trader(scenario, state)
    accept(state, scenario.receive(TRADER, "lot-1", shipment, 100_000))
    assert refusal(state, scenario.receive(TRADER, "lot-1", shipment, 100_000)) == "receipt.not_in_transit"


def test_a_receipt_cannot_conjure_fine_gold(scenario: Scenario, state: State) -> None:
    shipment = shipped_to_trader(scenario, state)  # 85,000 mg fine declared, ceiling 97,750 mg
    too_heavy = scenario.receive(TRADER, "lot-1", shipment, 115_002)  # 97,751 mg fine
    assert refusal(state, too_heavy) == "receipt.above_ceiling"
    accept(state, scenario.receive(TRADER, "lot-1", shipment, 115_000))  # 97,750 mg fine: at the ceiling


# -- assay ------------------------------------------------------------------------------------------------------


def test_an_assay_names_a_registered_assayer(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000))
    assert refusal(state, scenario.assay(ECO_ASMO, "lot-1", "860", assayer=TRADER)) == "assay.not_an_assayer"
    accept(state, scenario.assay(ECO_ASMO, "lot-1", "860", assayer=LAB))
    assert (state.lots["lot-1"].fineness, state.lots["lot-1"].fine_mg) == ("860", 86_000)


def test_an_assay_raises_fine_gold_only_within_the_field_purity_uncertainty(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, fineness="800"))  # ceiling 92,000 mg
    assert refusal(state, scenario.assay(ECO_ASMO, "lot-1", "920.01")) == "assay.above_ceiling"
    accept(state, scenario.assay(ECO_ASMO, "lot-1", "920"))
    # A second assay is bounded by the same ceiling: raises do not compound.
    assert refusal(state, scenario.assay(ECO_ASMO, "lot-1", "990")) == "assay.above_ceiling"
    accept(state, scenario.assay(ECO_ASMO, "lot-1", "700"))


# -- export -----------------------------------------------------------------------------------------------------


def test_an_export_is_declared_once(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000), scenario.export(ECO_ASMO, "lot-1"))
    assert state.lots["lot-1"].exported_to == "CH"
    assert refusal(state, scenario.export(ECO_ASMO, "lot-1")) == "export.already_declared"


def test_contributions_of_groups_give_the_lot_its_composition(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, contributions=[(BATEADORAS, 10_000)])
    accept(state, event)
    assert [(p.contributor, p.organization, p.mine) for p in state.lots["lot-1"].composition] == [
        ("women", ECO_ASMO, ECO_MINE)
    ]
