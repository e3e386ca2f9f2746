"""The organization report's arithmetic, on facts from a fake read port, checked against figures worked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from events.custody.composition import contributor_weights, extraction_parts
from events.custody.lots import Part
from events.custody.policy import DEFAULT_POLICY, Policy
from events.custody.registry import GroupCounts, Participant
from events.model.types import Money
from services.query.audit.report import TABLE_NAMES, Report, build_report
from services.query.audit.report_facts import (
    CertificateFacts,
    Extraction,
    Flow,
    GroupFacts,
    Holding,
    MineFacts,
    OpenShipment,
    OrganizationFacts,
    Period,
    Sale,
    SaleOrigin,
    gather_facts,
)
from tests.unit.audit.fake_reads import FakeReportReads

ORG = "cecomip"
MINE = "cecomip-ananea"
ECO = "fairmined-ecological"
BATEADORAS = "divinas-en-brillo-de-oro"
COOPERATIVES = "cecomip-cooperatives"
CONTRIBUTIONS = ((BATEADORAS, 4000), (COOPERATIVES, 6000))
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
SPRING = Period(date(2026, 3, 1), date(2026, 4, 30))


def at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=UTC)


def organization() -> OrganizationFacts:
    return OrganizationFacts(
        participant=ORG,
        name="Cecomip",
        roles=("asmo",),
        members_women=58,
        members_men=142,
        groups=(GroupFacts(BATEADORAS, "bateadoras", 21, 0), GroupFacts(COOPERATIVES, "members", 37, 142)),
    )


def lot_a_composition() -> tuple[Part, ...]:
    asmo = Participant(
        ORG,
        frozenset({"asmo"}),
        58,
        142,
        {BATEADORAS: GroupCounts("bateadoras", 21, 0), COOPERATIVES: GroupCounts("members", 37, 142)},
    )
    return extraction_parts(MINE, ORG, contributor_weights(asmo, CONTRIBUTIONS))


def season() -> FakeReportReads:
    """March: lot A (0.9 kg fine, two groups) sold with its premium, lot B (4.25 kg fine) sold without one;
    April: lot C (80 g fine) still held on a certificate that expired on May 1st."""
    extractions = [
        Extraction("ev-a", "lot-a", MINE, at(2), 1_000_000, "900", CONTRIBUTIONS),
        Extraction("ev-b", "lot-b", MINE, at(20), 5_000_000, "850"),
        Extraction("ev-c", "lot-c", MINE, at(5, 4), 100_000, "800"),
        Extraction("ev-old", "lot-old", MINE, at(20, 2), 500_000, "850"),  # before the period
    ]
    sales = [
        Sale(
            "ev-sa", "ship-a", "lot-a", "aurum-trading", at(3), 1_000_000, ECO, True,
            premium=Money(currency="USD", amount="5400.00"), price=Money(currency="USD", amount="90000"),
            premium_due_cents=540_000, composition=lot_a_composition(),
        ),
        Sale("ev-sb", "ship-b", "lot-b", "aurum-trading", at(21), 5_000_000, ECO, True, premium_due_cents=2_550_000),
    ]  # fmt: skip
    return FakeReportReads(
        organization_facts=organization(),
        mine_facts=[MineFacts(MINE, "Ananea", 5_000_000)],
        extraction_facts=extractions,
        sale_facts=sales,
        origin_facts=[SaleOrigin("ship-a", "lot-a", 900_000, CONTRIBUTIONS), SaleOrigin("ship-b", "lot-b", 4_250_000)],
        flow_facts=[
            Flow("produced", ECO, True, 500_000),
            Flow("produced", ECO, False, 6_100_000),
            Flow("shipped", ECO, False, 6_000_000),
        ],
        holding_facts=[
            Holding("lot-c", ECO, 100_000, 80_000, ("cert-eco",)),
            Holding("lot-old", ECO, 500_000, 425_000, ("cert-other-holder",)),
        ],
        certificate_facts=[
            CertificateFacts("cert-eco", ORG, ECO, at(1, 1), at(1, 5)),
            CertificateFacts("cert-other-holder", "someone-else", ECO, at(1, 1), at(1, 4)),
        ],
        open_shipment_facts=[OpenShipment("ship-b", "lot-b", ECO, ORG, "aurum-trading", at(21), 5_000_000)],
    )


async def report_of(reads: FakeReportReads, period: Period = SPRING, policy: Policy = DEFAULT_POLICY) -> Report:
    found = await reads.organization(ORG)
    assert found is not None
    return build_report(await gather_facts(reads, found, period, NOW), policy)


async def test_production_per_mine_and_month_against_capacity() -> None:
    report = await report_of(season())
    rows = report.table("production").records()
    # March: 900,000 + 4,250,000 mg fine > 5,000,000 mg capacity; April: 80,000 mg. February is outside.
    assert rows == [
        {"mine": MINE, "month": "2026-03", "lots": 2, "fine_mg": 5_150_000, "capacity_mg": 5_000_000,
         "capacity_used_bp": 10_300, "over_capacity": True},
        {"mine": MINE, "month": "2026-04", "lots": 1, "fine_mg": 80_000, "capacity_mg": 5_000_000,
         "capacity_used_bp": 160, "over_capacity": False},
    ]  # fmt: skip
    assert report.summary["fine_mg_produced"] == 5_230_000


async def test_productivity_per_miner_and_day_against_the_policy_threshold() -> None:
    report = await report_of(season())
    march = report.table("productivity").records()[0]
    # 200 members x 31 days x 4,000 mg = 24,800,000 mg; 5,150,000 / 6,200 member-days = 830 mg.
    assert march == {
        "month": "2026-03", "fine_mg": 5_150_000, "members": 200, "days": 31, "mg_per_miner_day": 830,
        "threshold_mg_per_miner_day": 4_000, "threshold_mg": 24_800_000, "above_threshold": False,
    }  # fmt: skip
    strict = replace(DEFAULT_POLICY, productivity_threshold_mg_per_miner_day=800)
    stricter = await report_of(season(), policy=strict)
    assert stricter.table("productivity").records()[0]["above_threshold"] is True
    assert stricter.policy["productivity_threshold_mg_per_miner_day"] == 800  # figures come from the policy


async def test_a_group_without_head_counts_has_no_productivity_figures() -> None:
    reads = season()
    reads.organization_facts = replace(organization(), members_women=None, members_men=None)
    row = (await report_of(reads)).table("productivity").records()[0]
    assert (row["members"], row["mg_per_miner_day"], row["above_threshold"]) == (None, None, None)


async def test_sales_and_premium_against_the_fairmined_rate() -> None:
    report = await report_of(season())
    first, second = report.table("sales").records()
    assert first["premium_due_usd"] == "5400.00"  # 0.9 kg fine x USD 6,000
    assert first["premium_paid_usd"] == "5400.00"
    assert (first["paid_share_bp"], first["below_rate"], first["price_usd"]) == (10_000, False, "90000.00")
    assert second["premium_due_usd"] == "25500.00"
    assert (second["premium_paid_usd"], second["paid_share_bp"], second["below_rate"]) == (None, 0, True)
    assert second["rate_usd_per_kg"] == DEFAULT_POLICY.premium_usd_per_kg_ecological
    assert report.summary["premium_due_usd"] == "30900.00"
    assert report.summary["premium_paid_usd"] == "5400.00"
    assert report.summary["premium_paid_share_bp"] == 540_000 * 10_000 // 3_090_000
    assert report.summary["sales_below_rate"] == 1


async def test_a_premium_within_the_shortfall_tolerance_is_not_below_rate() -> None:
    reads = season()
    almost = Money(currency="USD", amount="25245.00")  # 1 % under USD 25,500: the tolerance is 100 bp
    reads.sale_facts[1] = replace(reads.sale_facts[1], premium=almost)
    assert (await report_of(reads)).table("sales").records()[1]["below_rate"] is False
    short = Money(currency="USD", amount="25244.99")
    reads.sale_facts[1] = replace(reads.sale_facts[1], premium=short)
    assert (await report_of(reads)).table("sales").records()[1]["below_rate"] is True


async def test_a_later_sale_owes_no_premium_and_is_not_judged() -> None:
    reads = season()
    reads.sale_facts[1] = replace(reads.sale_facts[1], first_sale=False)
    row = (await report_of(reads)).table("sales").records()[1]
    assert (row["first_sale"], row["premium_due_usd"], row["below_rate"]) == (False, None, None)


async def test_inventory_is_a_mass_balance_closed_by_what_is_held_now() -> None:
    open_ended = Period(date(2026, 3, 1), None)
    rows = (await report_of(season(), open_ended)).table("inventory").records()
    eco, total = rows
    assert eco["lot_class"] == ECO
    # opening 500,000 + produced 6,100,000 - shipped 6,000,000 = 600,000 = lot-c + lot-old held now
    assert (eco["opening_mg"], eco["produced_mg"], eco["shipped_mg"], eco["closing_mg"]) == (
        500_000, 6_100_000, 6_000_000, 600_000,
    )  # fmt: skip
    assert (eco["on_hand_mg"], eco["difference_mg"]) == (600_000, 0)
    assert total["closing_mg"] == 600_000
    assert total["difference_mg"] == 0


async def test_a_mass_that_went_missing_shows_as_a_difference() -> None:
    reads = season()
    reads.holding_facts.pop()  # lot-old vanished from the ledger's holdings, no event says where
    rows = (await report_of(reads, Period(None, None))).table("inventory").records()
    assert rows[0]["difference_mg"] == -500_000


async def test_a_period_that_ended_before_now_has_no_recorded_on_hand() -> None:
    eco = (await report_of(season(), SPRING)).table("inventory").records()[0]
    assert (eco["on_hand_mg"], eco["difference_mg"]) == (None, None)


async def test_transformation_losses_and_exports_leave_the_balance() -> None:
    reads = season()
    reads.flow_facts += [
        Flow("consumed", ECO, False, 600_000),
        Flow("transformed", ECO, False, 580_000),
        Flow("exported", ECO, False, 580_000),
    ]
    reads.holding_facts = []
    eco = (await report_of(reads, Period(None, None))).table("inventory").records()[0]
    assert (eco["losses_mg"], eco["exported_mg"], eco["closing_mg"], eco["difference_mg"]) == (20_000, 580_000, 0, 0)


async def test_shipments_not_received_say_how_long_and_whether_overdue() -> None:
    (row,) = (await report_of(season())).table("shipments_not_received").records()
    assert (row["direction"], row["shipment"], row["days_in_transit"], row["overdue"]) == (
        "outgoing", "ship-b", 50, True,
    )  # fmt: skip
    patient = replace(DEFAULT_POLICY, receipt_window_seconds=60 * 86_400)
    (row,) = (await report_of(season(), policy=patient)).table("shipments_not_received").records()
    assert row["overdue"] is False


async def test_lots_held_on_the_organizations_own_lapsed_certificates() -> None:
    rows = (await report_of(season())).table("lapsed_lots").records()
    assert rows == [
        {"lot": "lot-c", "lot_class": ECO, "mass_mg": 100_000, "fine_mg": 80_000, "certificate": "cert-eco",
         "standard": ECO, "valid_until": "2026-05-01T09:00:00Z", "certificate_state": "expired"},
    ]  # fmt: skip


@pytest.mark.parametrize(("status", "state"), [("withdrawn", "withdrawn"), ("suspended", "suspended")])
async def test_withdrawn_and_suspended_certificates_lapse_before_their_end(status: str, state: str) -> None:
    reads = season()
    reads.certificate_facts[0] = replace(reads.certificate_facts[0], valid_until=at(1, 12), status=status)
    (row,) = (await report_of(reads)).table("lapsed_lots").records()
    assert row["certificate_state"] == state


async def test_women_and_groups_share_of_production_and_premium() -> None:
    report = await report_of(season())
    rows = {(r["dimension"], r["name"]): r for r in report.table("gender").records()}
    # lot A: groups 40/60; women weigh 4000*21/21 + 6000*37/179 of it, i.e. 19,698,000 of 37,590,000 parts.
    # lot A 471,620 + lot B 4,250,000*58/200 = 1,232,500 + lot C 80,000*58/200 = 23,200 -> 1,727,320 mg.
    women = rows[("contributor", "women")]
    assert women["fine_mg"] == 1_727_320
    assert women["production_share_bp"] == 1_727_320 * 10_000 // 5_230_000
    assert rows[("contributor", "unrecorded")]["fine_mg"] == 0
    assert sum(rows[("contributor", w)]["fine_mg"] for w in ("women", "men", "unrecorded")) == 5_230_000  # type: ignore[misc]
    # premium: only lot A's USD 5,400 was paid, split by its composition.
    assert women["premium_paid_usd"] == "2829.72"
    assert rows[("contributor", "men")]["premium_paid_usd"] == "2570.28"
    bateadoras = rows[("group", BATEADORAS)]
    assert (bateadoras["kind"], bateadoras["members_women"], bateadoras["members_men"]) == ("bateadoras", 21, 0)
    assert (bateadoras["fine_mg"], bateadoras["premium_paid_usd"], bateadoras["premium_share_bp"]) == (
        360_000, "2160.00", 4_000,
    )  # fmt: skip
    assert rows[("group", "(no group)")]["fine_mg"] == 4_330_000
    assert report.summary["womens_groups_production_share_bp"] == 360_000 * 10_000 // 5_230_000
    assert report.summary["womens_groups_premium_share_bp"] == 4_000
    assert report.summary["women_premium_share_bp"] == 282_972 * 10_000 // 540_000


async def test_every_table_is_there_and_json_ready() -> None:
    report = await report_of(season())
    document = report.to_json()
    assert list(document["tables"]) == list(TABLE_NAMES)
    assert document["period"] == {"from": "2026-03-01", "to": "2026-04-30"}
    assert document["generated_at"] == "2026-05-10T12:00:00Z"
    for name in TABLE_NAMES:
        assert document["tables"][name]["columns"] == list(report.table(name).columns)
    with pytest.raises(KeyError):
        report.table("nothing")


async def test_a_new_organization_gets_empty_tables_not_errors() -> None:
    reads = FakeReportReads(organization_facts=OrganizationFacts("new-trader", "New", ("trader",)))
    found = await reads.organization("new-trader")
    assert found is not None
    report = build_report(await gather_facts(reads, found, Period(), NOW), DEFAULT_POLICY)
    assert report.table("production").rows == ()
    assert report.table("inventory").records() == [
        {"lot_class": "total", "opening_mg": 0, "produced_mg": 0, "received_mg": 0, "shipped_mg": 0,
         "exported_mg": 0, "losses_mg": 0, "closing_mg": 0, "on_hand_mg": 0, "difference_mg": 0},
    ]  # fmt: skip
    assert report.summary["women_production_share_bp"] is None


async def test_pallaqueras_groups_against_the_legal_monthly_limit() -> None:
    reads = season()
    pallaqueras = GroupFacts("pallaqueras-la-rinconada", "pallaqueras", 10, 0)
    reads.organization_facts = replace(organization(), groups=(*organization().groups, pallaqueras))
    shares = ((pallaqueras.group, 5000), (COOPERATIVES, 5000))
    reads.extraction_facts += [
        Extraction("ev-p1", "lot-p1", MINE, at(10), 1_000_000, "660", shares),  # 330,000 mg to the group
        Extraction("ev-p2", "lot-p2", MINE, at(11), 1_000_000, "660", shares),  # 660,000 mg: at the limit
        Extraction("ev-p3", "lot-p3", MINE, at(6, 4), 1_000_001, "660", shares),  # April: 330,000 mg
    ]
    report = await report_of(reads)
    # 10 members x 66,000 mg = 660,000 mg a month; March is exactly at it (not above), April far below.
    assert report.table("pallaqueras").records() == [
        {"group": pallaqueras.group, "month": "2026-03", "fine_mg": 660_000, "members": 10, "limit_mg": 660_000,
         "above_limit": False},
        {"group": pallaqueras.group, "month": "2026-04", "fine_mg": 330_000, "members": 10, "limit_mg": 660_000,
         "above_limit": False},
    ]  # fmt: skip
    reads.extraction_facts.append(Extraction("ev-p4", "lot-p4", MINE, at(12), 1_000, "660", shares))
    above = (await report_of(reads)).table("pallaqueras").records()[0]
    assert (above["fine_mg"], above["above_limit"]) == (660_330, True)
    assert (await report_of(reads)).summary["pallaqueras_months_above_limit"] == 1
    limit = replace(DEFAULT_POLICY, pallaquera_monthly_limit_mg=70_000)
    assert (await report_of(reads, policy=limit)).table("pallaqueras").records()[0]["above_limit"] is False
