"""Purity of `decide`, determinism of `evolve`, serialisable lot state, and the composition arithmetic."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from events.custody import Accepted, State, decide, due_findings, evolve, lot_from_json
from events.custody.composition import apportion, attributed_fine_mg, contributor_weights, merge
from events.custody.lots import Lot, LotChanges, Part, Shipment, replaced
from events.custody.registry import GroupCounts, Participant
from tests.unit.events.scenario import (
    BATEADORAS,
    COOPERATIVES,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    TRADER,
    Scenario,
    accept,
    shipment_of,
)


def snapshot(state: State) -> object:
    """A deep copy of everything in the state, to compare with later."""
    return copy.deepcopy((state.registry, dict(state.lots), dict(state.tallies), dict(state.seen)))


def test_decide_never_changes_the_state(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000, certificate=ECO_CERT))
    before = snapshot(state)
    for event in (
        scenario.ship(ECO_ASMO, "a", TRADER, 100_000),
        scenario.transform(ECO_ASMO, ["a"], [("b", 80_000, "900")]),
        scenario.extract(ECO_ASMO, "c", ECO_MINE, 100_000),
        scenario.revoke_key(ECO_ASMO, f"{ECO_ASMO}:1"),
        scenario.ship(TRADER, "a", ECO_ASMO, 100_000),
    ):
        decide(state, event)
        assert snapshot(state) == before
    due_findings(state, datetime(2030, 1, 1, tzinfo=UTC))
    assert snapshot(state) == before


def test_evolve_applies_exactly_the_outcomes_changes(scenario: Scenario, state: State) -> None:
    event = scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000)
    outcome = decide(state, event)
    assert isinstance(outcome, Accepted)
    twin = copy.deepcopy(state)
    evolve(state, outcome)
    evolve(twin, outcome)
    assert snapshot(state) == snapshot(twin)
    assert state.seen[event.id] == event.digest
    assert set(state.tallies) == {f"mine/{ECO_MINE}/2026-03", f"asmo/{ECO_ASMO}/2026-03"}


def test_a_lot_in_transit_survives_a_json_hand_over(scenario: Scenario, state: State) -> None:
    shipped = scenario.ship(ECO_ASMO, "a", TRADER, 100_000, premium_usd="510.00")
    accept(state, scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000, certificate=ECO_CERT), shipped)
    lot = state.lots["a"]
    assert lot.shipment is not None
    assert lot_from_json(orjson.loads(orjson.dumps(lot.to_json()))) == lot
    # The receiver's partition gets only the lot (and the registry): the receipt decides the same there.
    other = State(registry=state.registry, lots={"a": lot_from_json(orjson.loads(orjson.dumps(lot.to_json())))})
    receipt = scenario.receive(TRADER, "a", shipment_of(shipped), 100_000)
    assert decide(other, receipt) == decide(state, receipt)


def test_replaced_is_lot_replace() -> None:
    lot = Lot(
        "l-1", "fairmined", "held", "asmo", 100_000, "850", 85_000, 97_750, (Part("m", "o", "women", 1),),
        ("cert",), 0, 0, True, "ev-1",
    )  # fmt: skip
    shipment = Shipment("s-1", "asmo", "trader", 100_000, "2026-03-01T06:00:00Z", "ev-2")
    assert set(LotChanges.__annotations__) == set(Lot._fields)
    moved = replaced(lot, status="in_transit", custodian=None, shipment=shipment, first_sale_pending=False)
    assert moved == lot._replace(status="in_transit", custodian=None, shipment=shipment, first_sale_pending=False)
    assert type(moved) is Lot
    assert replaced(lot) == lot
    assert replaced(lot, lapse_reported=True).lapse_reported


def test_apportion_is_exact_and_breaks_ties_towards_the_first() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(7, [0, 5, 5]) == [0, 4, 3]
    assert apportion(5, [0, 0]) == [0, 0]
    assert apportion(9, [3]) == [9]


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    """The textbook method, written plainly: floors, then one more to the largest remainders, lower index first."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares = [total * weight // whole for weight in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


@settings(max_examples=200)
@given(st.integers(0, 10**6), st.lists(st.integers(0, 50), min_size=1, max_size=5))
def test_apportion_is_the_largest_remainder_method(total: int, weights: list[int]) -> None:
    assert apportion(total, weights) == largest_remainder(total, weights)


@settings(max_examples=50)
@given(st.integers(0, 10**12), st.lists(st.integers(0, 10**9), min_size=1, max_size=6))
def test_apportion_sums_and_stays_within_one_of_the_exact_share(total: int, weights: list[int]) -> None:
    shares = apportion(total, weights)
    whole = sum(weights)
    if whole == 0:
        assert shares == [0] * len(weights)
        return
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share * whole - total * weight) < whole


def test_contributor_weights_follow_each_groups_head_count() -> None:
    asmo = Participant(
        ECO_ASMO,
        frozenset({"asmo"}),
        58,
        142,
        {
            BATEADORAS: GroupCounts("bateadoras", 21, 0),
            COOPERATIVES: GroupCounts("members", 37, 142),
            "x": GroupCounts("other", 0, 0),
        },
    )
    women, men, unrecorded = contributor_weights(asmo, [(BATEADORAS, 4_000), (COOPERATIVES, 5_000), ("x", 1_000)])
    whole = women + men + unrecorded
    # 40 % women; 50 % x 37/179 women; 10 % unrecorded
    assert women * 179 * 10_000 == whole * (4_000 * 179 + 5_000 * 37)
    assert unrecorded * 10 == whole
    assert contributor_weights(asmo, None) == (58 * 10_000, 142 * 10_000, 0)
    assert contributor_weights(Participant("p", frozenset({"asmo"}), 0, 0), None) == (0, 0, 10_000)


def test_merge_weighs_inputs_by_fine_gold_and_is_order_free() -> None:
    a = (Part("m1", "o1", "men", 1), Part("m1", "o1", "women", 1))
    b = (Part("m2", "o2", "women", 7),)
    merged = merge([(a, 100), (b, 300)])
    assert merged == (Part("m1", "o1", "men", 50), Part("m1", "o1", "women", 50), Part("m2", "o2", "women", 300))
    assert merge([(b, 300), (a, 100)]) == merged
    assert merge([(a, 0), (b, 0)]) == (Part("m1", "o1", "men", 1), Part("m1", "o1", "women", 1), *b)
    assert [mg for _, mg in attributed_fine_mg(merged, 399)] == [50, 50, 299]
