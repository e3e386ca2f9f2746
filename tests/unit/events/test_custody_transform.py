"""Transformations: custody of every input, no mixing of classes, fine gold balance, composition and premium."""

from __future__ import annotations

from events.custody import State
from events.custody.composition import attributed_fine_mg
from tests.unit.events.scenario import (
    BATEADORAS,
    COOPERATIVES,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    accept,
    refusal,
    shipment_of,
)


def at_trader(scenario: Scenario, state: State, asmo: str, mine: str, lot: str, cert: str | None = None) -> None:
    """Extract 100 g at 850 and ship it to the trader, who receives it at the same weight."""
    shipped = scenario.ship(asmo, lot, TRADER, 100_000, premium_usd="1000.00")
    accept(state, scenario.extract(asmo, lot, mine, 100_000, certificate=cert), shipped)
    accept(state, scenario.receive(TRADER, lot, shipment_of(shipped), 100_000))


def test_a_melt_consumes_its_inputs_and_creates_its_outputs(scenario: Scenario, state: State) -> None:
    accept(
        state,
        scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000),
        scenario.extract(ECO_ASMO, "b", ECO_MINE, 50_000),
        scenario.transform(ECO_ASMO, ["a", "b"], [("bar", 140_000, "900")]),
    )
    assert state.lots["a"].status == state.lots["b"].status == "consumed"
    bar = state.lots["bar"]
    assert (bar.status, bar.custodian, bar.fine_mg, bar.first_sale_pending) == ("held", ECO_ASMO, 126_000, True)
    assert bar.ceiling_mg == state.lots["a"].ceiling_mg + state.lots["b"].ceiling_mg


def test_a_lot_is_consumed_once(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000))
    first = scenario.transform(ECO_ASMO, ["a"], [("bar-1", 90_000, "900")])
    second = scenario.transform(ECO_ASMO, ["a"], [("bar-2", 90_000, "900")])
    accept(state, first)
    assert refusal(state, second) == "lot.consumed"
    assert refusal(state, scenario.ship(ECO_ASMO, "a", TRADER, 100_000)) == "lot.consumed"


def test_every_input_is_held_by_the_signer(scenario: Scenario, state: State) -> None:
    accept(
        state,
        scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000),
        scenario.extract(FM_ASMO, "b", FM_MINE, 100_000),
    )
    event = scenario.transform(ECO_ASMO, ["a", "b"], [("bar", 180_000, "900")])
    assert refusal(state, event) == "custody.not_custodian"


def test_an_input_in_transit_cannot_be_transformed(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000), scenario.ship(ECO_ASMO, "a", TRADER, 100_000))
    assert refusal(state, scenario.transform(ECO_ASMO, ["a"], [("bar", 90_000, "900")])) == "lot.in_transit"


def test_outputs_take_new_lot_ids(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000), scenario.extract(ECO_ASMO, "b", ECO_MINE, 1_000))
    assert refusal(state, scenario.transform(ECO_ASMO, ["a"], [("b", 90_000, "900")])) == "lot.id_reused"


def test_certified_gold_is_never_pooled_with_another_class(scenario: Scenario, state: State) -> None:
    at_trader(scenario, state, ECO_ASMO, ECO_MINE, "eco", ECO_CERT)
    at_trader(scenario, state, FM_ASMO, FM_MINE, "fm", FM_CERT)
    at_trader(scenario, state, UNCERTIFIED_ASMO, UNCERTIFIED_MINE, "plain")
    for inputs in (["eco", "fm"], ["fm", "plain"], ["eco", "plain"]):
        event = scenario.transform(TRADER, inputs, [("bar", 180_000, "900")])
        assert refusal(state, event) == "transformation.mixed_classes"
    accept(state, scenario.transform(TRADER, ["fm"], [("fm-bar", 90_000, "900")]))
    assert state.lots["fm-bar"].lot_class == "fairmined"


def test_fine_gold_out_stays_within_the_transformation_tolerance(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000))  # 85,000 mg fine: at most 85,425 out
    over = scenario.transform(ECO_ASMO, ["a"], [("bar", 85_426, "1000")])
    assert refusal(state, over) == "transformation.fine_gold_gain"
    accept(state, scenario.transform(ECO_ASMO, ["a"], [("bar", 85_425, "1000")]))


def test_fine_gold_out_stays_within_the_inputs_ceiling(scenario: Scenario, state: State) -> None:
    accept(
        state,
        scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000, fineness="800"),  # ceiling 92,000 mg
        scenario.assay(ECO_ASMO, "a", "920"),  # 92,000 mg fine: at the ceiling
    )
    over = scenario.transform(ECO_ASMO, ["a"], [("bar", 92_001, "1000")])  # within the 0.5 % tolerance
    assert refusal(state, over) == "transformation.above_ceiling"
    accept(state, scenario.transform(ECO_ASMO, ["a"], [("bar", 92_000, "1000")]))


def test_a_split_keeps_the_composition_and_shares_the_ceiling(scenario: Scenario, state: State) -> None:
    event = scenario.extract(
        ECO_ASMO, "a", ECO_MINE, 100_000, contributions=[(BATEADORAS, 3_000), (COOPERATIVES, 7_000)]
    )
    accept(
        state,
        event,
        scenario.transform(ECO_ASMO, ["a"], [("a1", 60_000, "850"), ("a2", 40_000, "850")], process="split"),
    )
    a, a1, a2 = state.lots["a"], state.lots["a1"], state.lots["a2"]
    assert a1.composition == a2.composition == a.composition
    assert (a1.fine_mg, a2.fine_mg) == (51_000, 34_000)
    assert (a1.ceiling_mg, a2.ceiling_mg) == (58_650, 39_100)


def test_a_merge_weighs_each_inputs_origins_by_its_fine_gold(scenario: Scenario, state: State) -> None:
    accept(
        state,
        scenario.extract(ECO_ASMO, "women", ECO_MINE, 100_000, contributions=[(BATEADORAS, 10_000)]),
        scenario.extract(ECO_ASMO, "members", ECO_MINE, 300_000),  # 58 women of 200 members
        scenario.transform(ECO_ASMO, ["women", "members"], [("bar", 400_000, "850")]),
    )
    bar = state.lots["bar"]
    by_contributor = {part.contributor: mg for part, mg in attributed_fine_mg(bar.composition, bar.fine_mg)}
    # women: all of 85,000 mg plus 29 % of 255,000 mg = 85,000 + 73,950
    assert by_contributor == {"women": 158_950, "men": 181_050}


def test_premium_follows_the_gold_through_a_melt(scenario: Scenario, state: State) -> None:
    at_trader(scenario, state, FM_ASMO, FM_MINE, "x", FM_CERT)
    accept(state, scenario.transform(TRADER, ["x"], [("x1", 75_000, "850"), ("x2", 25_000, "850")], process="split"))
    x1, x2 = state.lots["x1"], state.lots["x2"]
    assert (x1.premium_paid_cents, x2.premium_paid_cents) == (75_000, 25_000)
    assert (x1.premium_due_cents, x2.premium_due_cents) == (25_500, 8_500)
    assert not x1.first_sale_pending
