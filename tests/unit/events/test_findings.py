"""Findings: each one triggered, and a near miss that must not trigger it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events.codec import SignedEvent
from events.custody import State, due_findings, evolve
from events.custody.findings import pallaqueras_limit
from events.custody.policy import DEFAULT_POLICY
from tests.unit.events.scenario import (
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    MINE_CAPACITY_MG,
    REFINER,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    accept,
    findings_of,
    shipment_of,
)

# -- receipt weight ---------------------------------------------------------------------------------------------


def shipped(scenario: Scenario, state: State, lot: str = "lot-1", mass_mg: int = 100_000) -> str:
    """An uncertified lot extracted and shipped to the trader; the shipment id."""
    event = scenario.ship(UNCERTIFIED_ASMO, lot, TRADER, mass_mg)
    accept(state, scenario.extract(UNCERTIFIED_ASMO, lot, UNCERTIFIED_MINE, mass_mg), event)
    return shipment_of(event)


def test_receipt_lighter_than_shipped_beyond_tolerance(scenario: Scenario, state: State) -> None:
    shipment = shipped(scenario, state)
    (accepted,) = accept(state, scenario.receive(TRADER, "lot-1", shipment, 99_499))
    (finding,) = accepted.findings
    assert finding.code == "receipt.weight_mismatch"
    assert dict(finding.figures)["difference_mg"] == -501
    assert len(finding.event_ids) == 2


def test_receipt_heavier_than_shipped_beyond_tolerance(scenario: Scenario, state: State) -> None:
    shipment = shipped(scenario, state)
    assert findings_of(state, scenario.receive(TRADER, "lot-1", shipment, 100_501)) == ["receipt.weight_mismatch"]


def test_receipt_within_tolerance_is_not_flagged(scenario: Scenario, state: State) -> None:
    shipment = shipped(scenario, state)
    assert findings_of(state, scenario.receive(TRADER, "lot-1", shipment, 99_500)) == []


# -- transformation loss ------------------------------------------------------------------------------------------


def test_transformation_losing_more_than_usual(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000))  # 85,000 mg fine; alert below 82,450
    event = scenario.transform(ECO_ASMO, ["a"], [("bar", 82_449, "1000")])
    assert findings_of(state, event) == ["transformation.high_loss"]


def test_transformation_loss_at_the_alert_level_is_not_flagged(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "a", ECO_MINE, 100_000))
    assert findings_of(state, scenario.transform(ECO_ASMO, ["a"], [("bar", 82_450, "1000")])) == []


# -- premium on the first sale ------------------------------------------------------------------------------------


def test_certified_first_sale_without_premium(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT))
    (accepted,) = accept(state, scenario.ship(ECO_ASMO, "lot-1", TRADER, 100_000))
    (finding,) = accepted.findings
    assert finding.code == "premium.missing"
    assert dict(finding.figures) == {"due_usd_cents": 51_000, "paid_usd_cents": 0}  # 85 g fine x USD 6,000/kg


def test_certified_first_sale_with_a_premium_in_another_currency(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(FM_ASMO, "lot-1", FM_MINE, 100_000, certificate=FM_CERT))
    event = scenario.ship(FM_ASMO, "lot-1", TRADER, 100_000, premium_usd="1000.00", premium_currency="PEN")
    assert findings_of(state, event) == ["premium.missing"]


def test_certified_first_sale_below_the_rate(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT))
    event = scenario.ship(ECO_ASMO, "lot-1", TRADER, 100_000, premium_usd="504.89")  # 1 % short is 504.90
    assert findings_of(state, event) == ["premium.below_rate"]


def test_premium_at_the_rate_within_tolerance_is_not_flagged(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT))
    assert findings_of(state, scenario.ship(ECO_ASMO, "lot-1", TRADER, 100_000, premium_usd="504.90")) == []
    assert state.lots["lot-1"].premium_paid_cents == 50_490


def test_no_premium_is_expected_for_uncertified_gold_or_later_sales(scenario: Scenario, state: State) -> None:
    shipment = shipped(scenario, state)  # uncertified first sale: no finding (checked by `accept`)
    first = scenario.ship(FM_ASMO, "fm", TRADER, 100_000, premium_usd="340.00")
    accept(
        state,
        scenario.receive(TRADER, "lot-1", shipment, 100_000),
        scenario.extract(FM_ASMO, "fm", FM_MINE, 100_000, certificate=FM_CERT),
        first,
        scenario.receive(TRADER, "fm", shipment_of(first), 100_000),
    )
    assert findings_of(state, scenario.ship(TRADER, "fm", REFINER, 100_000)) == []


# -- monthly capacity and productivity ----------------------------------------------------------------------------


def test_mine_output_above_capacity_is_flagged_once(scenario: Scenario, state: State) -> None:
    big = MINE_CAPACITY_MG  # at fineness 1000 the fine gold equals the mass
    assert findings_of(state, scenario.extract(FM_ASMO, "a", FM_MINE, big - 1, fineness="1000")) == []
    assert findings_of(state, scenario.extract(FM_ASMO, "b", FM_MINE, 1, fineness="1000")) == []  # at capacity
    (accepted,) = accept(state, scenario.extract(FM_ASMO, "c", FM_MINE, 1, fineness="1000"))
    (finding,) = accepted.findings
    assert finding.code == "mine.over_capacity"
    assert dict(finding.figures)["fine_mg"] == big + 1
    assert findings_of(state, scenario.extract(FM_ASMO, "d", FM_MINE, 1, fineness="1000")) == []


def test_mine_capacity_counts_per_calendar_month(scenario: Scenario, state: State) -> None:
    big = MINE_CAPACITY_MG
    accept(state, scenario.extract(FM_ASMO, "a", FM_MINE, big, fineness="1000", time="2026-03-31T23:00:00Z"))
    april = scenario.extract(FM_ASMO, "b", FM_MINE, big, fineness="1000", time="2026-04-01T00:00:00Z")
    assert findings_of(state, april) == []


def test_asmo_output_above_the_productivity_threshold(scenario: Scenario, state: State) -> None:
    accept(state, scenario.mine("oro-puno-deep", FM_ASMO, capacity_mg=10**12))
    threshold = 80 * 31 * DEFAULT_POLICY.productivity_threshold_mg_per_miner_day  # 80 members, March
    at_threshold = scenario.extract(FM_ASMO, "a", "oro-puno-deep", threshold, fineness="1000")
    assert findings_of(state, at_threshold) == []
    (accepted,) = accept(state, scenario.extract(FM_ASMO, "b", "oro-puno-deep", 1, fineness="1000"))
    (finding,) = accepted.findings
    assert (finding.code, dict(finding.figures)["members"]) == ("asmo.above_productivity", 80)


# -- pallaqueras above the legal monthly amount -----------------------------------------------------------------

PALLAQUERAS_ASMO = "cruz-pata"
PALLAQUERAS = "pallaqueras-la-rinconada"
MEMBERS = "cruz-pata-members"
PIT = "cruz-pata-chaquiminas"
LIMIT_MG = 2 * DEFAULT_POLICY.pallaquera_monthly_limit_mg  # two registered pallaqueras: 132 g a month


def with_pallaqueras(scenario: Scenario, state: State) -> None:
    """An ASMO with a group of two registered pallaqueras, a bateadoras group of one, and a mine without limits."""
    accept(
        state,
        scenario.register(
            PALLAQUERAS_ASMO,
            ["asmo"],
            members=(35, 85),
            groups=[
                (PALLAQUERAS, "pallaqueras", 2, 0),
                ("bateadoras", "bateadoras", 1, 0),
                (MEMBERS, "members", 32, 85),
            ],
        ),
        scenario.mine(PIT, PALLAQUERAS_ASMO, capacity_mg=10**12),
    )


def half_theirs(scenario: Scenario, lot: str, mass_mg: int, group: str = PALLAQUERAS, **options: Any) -> SignedEvent:
    """An extraction at fineness 1000 whose fine gold is half the group's, half the other members'."""
    halves = [(group, 5_000), (MEMBERS, 5_000)]
    return scenario.extract(PALLAQUERAS_ASMO, lot, PIT, mass_mg, fineness="1000", contributions=halves, **options)


def test_pallaqueras_above_the_legal_monthly_amount_are_flagged_once(scenario: Scenario, state: State) -> None:
    with_pallaqueras(scenario, state)
    assert findings_of(state, half_theirs(scenario, "a", 2 * LIMIT_MG)) == []  # exactly at the limit
    (accepted,) = accept(state, half_theirs(scenario, "b", 2))  # one more mg for the pallaqueras
    (finding,) = accepted.findings
    assert finding.code == "pallaqueras.above_monthly_limit"
    assert dict(finding.figures) == {
        "month": "2026-03",
        "group": PALLAQUERAS,
        "fine_mg": LIMIT_MG + 1,
        "limit_mg": LIMIT_MG,
        "members": 2,
    }
    assert findings_of(state, half_theirs(scenario, "c", 2)) == []  # reported once a month


def test_pallaqueras_limit_counts_per_calendar_month(scenario: Scenario, state: State) -> None:
    with_pallaqueras(scenario, state)
    accept(state, half_theirs(scenario, "a", 2 * LIMIT_MG, time="2026-03-31T23:00:00Z"))
    assert findings_of(state, half_theirs(scenario, "b", 2 * LIMIT_MG, time="2026-04-01T00:00:00Z")) == []


def test_other_groups_and_lots_without_contributions_have_no_legal_limit(scenario: Scenario, state: State) -> None:
    with_pallaqueras(scenario, state)
    assert findings_of(state, half_theirs(scenario, "a", 10 * LIMIT_MG, group="bateadoras")) == []
    no_groups = scenario.extract(PALLAQUERAS_ASMO, "b", PIT, 10 * LIMIT_MG, fineness="1000")
    assert findings_of(state, no_groups) == []
    assert not any(key.startswith("group/") for key in state.tallies)


def test_the_limit_is_reported_by_the_extraction_that_crosses_it() -> None:
    assert pallaqueras_limit("ev", "asmo", "g", "2026-03", 0, 132_000, 2, 132_000) is None
    flagged = pallaqueras_limit("ev", "asmo", "g", "2026-03", 132_000, 132_001, 2, 132_000)
    assert flagged is not None
    assert "2 registered pallaqueras" in flagged.detail
    assert pallaqueras_limit("ev", "asmo", "g", "2026-03", 132_001, 140_000, 2, 132_000) is None


def test_the_group_share_of_fine_gold_is_apportioned_exactly(scenario: Scenario, state: State) -> None:
    with_pallaqueras(scenario, state)
    odd = [(PALLAQUERAS, 3_333), (MEMBERS, 6_667)]
    accept(state, scenario.extract(PALLAQUERAS_ASMO, "a", PIT, 10, fineness="1000", contributions=odd))
    assert state.tallies[f"group/{PALLAQUERAS_ASMO}/{PALLAQUERAS}/2026-03"] == 3  # 3.333 -> 3, 6.667 -> 7


# -- clock-dependent findings -------------------------------------------------------------------------------------


def shipped_at(scenario: Scenario, state: State) -> datetime:
    """Ship a lot and return the time of the shipment."""
    shipped(scenario, state)
    lot = state.lots["lot-1"]
    assert lot.shipment is not None
    return datetime.fromisoformat(lot.shipment.shipped_at)


def test_a_shipment_never_received_is_reported_once(scenario: Scenario, state: State) -> None:
    late = shipped_at(scenario, state) + timedelta(days=30, seconds=1)
    report = due_findings(state, late)
    assert [f.code for f in report.findings] == ["shipment.not_received"]
    evolve(state, report)
    assert due_findings(state, late + timedelta(days=60)).findings == ()


def test_a_shipment_within_the_window_is_not_reported(scenario: Scenario, state: State) -> None:
    when = shipped_at(scenario, state) + timedelta(days=30)
    assert due_findings(state, when).findings == ()


def test_a_received_shipment_is_not_reported(scenario: Scenario, state: State) -> None:
    shipment = shipped(scenario, state)
    accept(state, scenario.receive(TRADER, "lot-1", shipment, 100_000))
    assert due_findings(state, datetime(2027, 6, 1, tzinfo=UTC)).findings == ()


CERT_END = datetime(2027, 1, 1, tzinfo=UTC)


def test_a_certified_lot_held_past_its_certificate_is_reported_once(scenario: Scenario, state: State) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT))
    assert due_findings(state, CERT_END - timedelta(seconds=1)).findings == ()
    report = due_findings(state, CERT_END)
    assert [f.code for f in report.findings] == ["lot.held_past_certificate"]
    evolve(state, report)
    assert due_findings(state, CERT_END + timedelta(days=1)).findings == ()


def test_a_withdrawn_certificate_ends_at_once(scenario: Scenario, state: State) -> None:
    accept(
        state,
        scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT),
        scenario.certificate_status(ECO_CERT, "withdrawn"),
    )
    assert [f.code for f in due_findings(state, datetime(2026, 6, 1, tzinfo=UTC)).findings] == [
        "lot.held_past_certificate"
    ]


def test_a_certified_lot_sold_on_is_not_reported(scenario: Scenario, state: State) -> None:
    event = scenario.ship(ECO_ASMO, "lot-1", TRADER, 100_000, premium_usd="510.00")
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT), event)
    accept(state, scenario.receive(TRADER, "lot-1", shipment_of(event), 100_000))
    assert due_findings(state, CERT_END + timedelta(days=1)).findings == ()
