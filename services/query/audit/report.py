"""An organization's audit report (pure): its tables computed from `ReportFacts` with the custody policy's figures.

Every threshold, rate and window comes from `events.custody.policy.Policy`; the premium check is the custody
processor's own (`events.custody.findings.first_sale_premium`), so a sale flagged here is a sale it flagged.
Masses are integer milligrams, money USD as decimal strings, ratios basis points (10000 = 100 %).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from events.custody import findings
from events.custody.clock import days_in_month
from events.custody.policy import Policy
from events.model.types import fine_mass_mg
from services.query.audit.report_facts import ReportFacts
from services.query.audit.report_gender import gender_table, pallaqueras_table
from services.query.audit.report_tables import Cell, Table, month, share_bp, table, timestamp, usd

CLASS_ORDER: Final = ("fairmined-ecological", "fairmined", "uncertified")
TableName = Literal[
    "production",
    "productivity",
    "sales",
    "inventory",
    "shipments_not_received",
    "lapsed_lots",
    "gender",
    "pallaqueras",
]
TABLE_NAMES: Final[tuple[TableName, ...]] = get_args(TableName)
_SECONDS_PER_DAY: Final = 86_400


@dataclass(frozen=True, slots=True)
class Report:
    """A report: who, which period, when it was made, the policy figures used, a summary and the tables."""

    organization: str
    name: str
    first_day: str | None
    last_day: str | None
    generated_at: str
    policy: dict[str, int]
    summary: dict[str, Cell]
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        """The table called `name` (KeyError when there is none)."""
        for found in self.tables:
            if found.name == name:
                return found
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """The whole report as JSON."""
        return {
            "organization": self.organization,
            "name": self.name,
            "period": {"from": self.first_day, "to": self.last_day},
            "generated_at": self.generated_at,
            "policy": self.policy,
            "summary": self.summary,
            "tables": {each.name: each.to_json() for each in self.tables},
        }


def build_report(facts: ReportFacts, policy: Policy) -> Report:
    """Compute every table and the summary of one organization's report."""
    production = production_table(facts)
    sales, sales_summary = sales_table(facts, policy)
    gender, gender_summary = gender_table(facts)
    pallaqueras, pallaqueras_summary = pallaqueras_table(facts, policy)
    tables = (
        production,
        productivity_table(facts, policy),
        sales,
        inventory_table(facts),
        shipments_not_received_table(facts, policy),
        lapsed_lots_table(facts),
        gender,
        pallaqueras,
    )
    period = facts.period
    summary: dict[str, Cell] = {
        "fine_mg_produced": sum(int(row[3] or 0) for row in production.rows),
        "lots_produced": len(facts.extractions),
        **sales_summary,
        "shipments_not_received": len(tables[4].rows),
        "lapsed_lots": len({row[0] for row in tables[5].rows}),
        **gender_summary,
        **pallaqueras_summary,
    }
    return Report(
        organization=facts.organization.participant,
        name=facts.organization.name,
        first_day=None if period.first_day is None else period.first_day.isoformat(),
        last_day=None if period.last_day is None else period.last_day.isoformat(),
        generated_at=timestamp(facts.now),
        policy=policy_figures(policy),
        summary=summary,
        tables=tables,
    )


def policy_figures(policy: Policy) -> dict[str, int]:
    """The policy figures a report compares against."""
    return {
        "productivity_threshold_mg_per_miner_day": policy.productivity_threshold_mg_per_miner_day,
        "premium_usd_per_kg_fairmined": policy.premium_usd_per_kg_fairmined,
        "premium_usd_per_kg_ecological": policy.premium_usd_per_kg_ecological,
        "premium_shortfall_tolerance_bp": policy.premium_shortfall_tolerance_bp,
        "receipt_window_seconds": policy.receipt_window_seconds,
        "pallaquera_monthly_limit_mg": policy.pallaquera_monthly_limit_mg,
    }


def production_table(facts: ReportFacts) -> Table:
    """Fine gold extracted per mine and month against the mine's declared monthly capacity."""
    lots: dict[tuple[str, str], int] = defaultdict(int)
    fine: dict[tuple[str, str], int] = defaultdict(int)
    for extraction in facts.extractions:
        key = (month(extraction.time), extraction.mine)
        lots[key] += 1
        fine[key] += fine_mass_mg(extraction.mass_mg, extraction.fineness)
    capacity = {mine.mine: mine.capacity_mg_per_month for mine in facts.mines}
    rows: list[list[Cell]] = []
    for when, mine in sorted(fine):
        cap = capacity.get(mine)
        produced = fine[(when, mine)]
        used = None if cap is None else share_bp(produced, cap)
        rows.append([mine, when, lots[(when, mine)], produced, cap, used, None if cap is None else produced > cap])
    columns = ("mine", "month", "lots", "fine_mg", "capacity_mg", "capacity_used_bp", "over_capacity")
    return table("production", "Fine gold per mine and month against declared capacity", columns, rows)


def productivity_table(facts: ReportFacts, policy: Policy) -> Table:
    """Fine gold per member and day, month by month, against the Fairmined productivity threshold."""
    organization = facts.organization
    members = None
    if organization.members_women is not None and organization.members_men is not None:
        members = organization.members_women + organization.members_men
    fine: dict[str, int] = defaultdict(int)
    for extraction in facts.extractions:
        fine[month(extraction.time)] += fine_mass_mg(extraction.mass_mg, extraction.fineness)
    per_day = policy.productivity_threshold_mg_per_miner_day
    rows: list[list[Cell]] = []
    for when in sorted(fine):
        days = days_in_month(when)
        if members:
            threshold = members * days * per_day
            rows.append([when, fine[when], members, days, fine[when] // (members * days), per_day, threshold])
            rows[-1].append(fine[when] > threshold)
        else:
            rows.append([when, fine[when], members, days, None, per_day, None, None])
    columns = (
        "month",
        "fine_mg",
        "members",
        "days",
        "mg_per_miner_day",
        "threshold_mg_per_miner_day",
        "threshold_mg",
        "above_threshold",
    )
    return table("productivity", "Productivity per miner and day against the Fairmined threshold", columns, rows)


def sales_table(facts: ReportFacts, policy: Policy) -> tuple[Table, dict[str, Cell]]:
    """Every shipment the organization made, with the premium due and paid on certified first sales."""
    rows: list[list[Cell]] = []
    due_total = paid_total = below = first = 0
    for sale in sorted(facts.sales, key=lambda s: (s.time, s.shipment)):
        paid = findings.usd_cents(sale.premium)
        certified_first = sale.first_sale and policy.premium_rate_usd_per_kg(sale.lot_class) > 0
        rate = due = share = flagged = None
        if certified_first:
            first += 1
            rate, due = policy.premium_rate_usd_per_kg(sale.lot_class), sale.premium_due_cents
            share = share_bp(paid or 0, due)
            missing = findings.first_sale_premium(sale.event_id, sale.lot, "", due, paid, policy)
            flagged = missing is not None
            due_total, paid_total, below = due_total + due, paid_total + (paid or 0), below + flagged
        row: list[Cell] = [sale.shipment, timestamp(sale.time), sale.lot, sale.buyer, sale.lot_class, sale.mass_mg]
        row += [usd(findings.usd_cents(sale.price)), sale.first_sale, rate, usd(due), usd(paid), share, flagged]
        rows.append(row)
    columns = (
        "shipment",
        "shipped_at",
        "lot",
        "buyer",
        "lot_class",
        "mass_mg",
        "price_usd",
        "first_sale",
        "rate_usd_per_kg",
        "premium_due_usd",
        "premium_paid_usd",
        "paid_share_bp",
        "below_rate",
    )
    summary: dict[str, Cell] = {
        "sales": len(rows),
        "certified_first_sales": first,
        "premium_due_usd": usd(due_total),
        "premium_paid_usd": usd(paid_total),
        "premium_paid_share_bp": share_bp(paid_total, due_total),
        "sales_below_rate": below,
    }
    return table("sales", "Sales and premium received against the Fairmined rate", columns, rows), summary


def inventory_table(facts: ReportFacts) -> Table:
    """Mass balance per class: opening + produced + received - shipped - exported - losses = closing (on hand).

    `on_hand_mg` is what the ledger records as held now (lots held and not exported); it is only shown when the
    period runs until now, and `difference_mg` is that minus the closing balance the flows give.
    """
    flows: dict[tuple[str, bool], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for flow in facts.flows:
        flows[(flow.lot_class, flow.before_period)][flow.kind] += flow.mass_mg
    on_hand: dict[str, int] = defaultdict(int)
    for holding in facts.holdings:
        if not holding.exported:
            on_hand[holding.lot_class] += holding.mass_mg
    classes = sorted({c for c, _ in flows} | set(on_hand), key=_class_rank)
    closes_now = facts.period.reaches(facts.now)
    rows: list[list[Cell]] = []
    totals = [0] * 7
    for lot_class in classes:
        during = flows[(lot_class, False)]
        opening = _net(flows[(lot_class, True)])
        losses = during["consumed"] - during["transformed"]
        values = [opening, during["produced"], during["received"], during["shipped"], during["exported"], losses]
        values.append(opening + _net(during))
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        recorded = on_hand[lot_class] if closes_now else None
        rows.append([lot_class, *values, recorded, None if recorded is None else recorded - values[-1]])
    recorded_total = sum(on_hand.values()) if closes_now else None
    rows.append(["total", *totals, recorded_total, None if recorded_total is None else recorded_total - totals[6]])
    columns = (
        "lot_class",
        "opening_mg",
        "produced_mg",
        "received_mg",
        "shipped_mg",
        "exported_mg",
        "losses_mg",
        "closing_mg",
        "on_hand_mg",
        "difference_mg",
    )
    return table("inventory", "Inventory as a mass balance (gross mass)", columns, rows)


def _net(moved: dict[str, int]) -> int:
    """Gross mass gained minus mass that left: what a set of flows adds to the balance."""
    gained = moved["produced"] + moved["received"] + moved["transformed"]
    return gained - moved["shipped"] - moved["exported"] - moved["consumed"]


def _class_rank(lot_class: str) -> tuple[int, str]:
    return (CLASS_ORDER.index(lot_class) if lot_class in CLASS_ORDER else len(CLASS_ORDER), lot_class)


def shipments_not_received_table(facts: ReportFacts, policy: Policy) -> Table:
    """Shipments from or to the organization, shipped in the period, that nobody has received yet."""
    rows: list[list[Cell]] = []
    organization = facts.organization.participant
    for shipment in sorted(facts.open_shipments, key=lambda s: (s.time, s.shipment)):
        waited = (facts.now - shipment.time).total_seconds()
        direction = "outgoing" if shipment.sender == organization else "incoming"
        rows.append(
            [
                direction,
                shipment.shipment,
                shipment.lot,
                shipment.lot_class,
                shipment.sender,
                shipment.receiver,
                timestamp(shipment.time),
                shipment.mass_mg,
                int(waited // _SECONDS_PER_DAY),
                waited > policy.receipt_window_seconds,
            ]
        )
    columns = (
        "direction",
        "shipment",
        "lot",
        "lot_class",
        "sender",
        "receiver",
        "shipped_at",
        "mass_mg",
        "days_in_transit",
        "overdue",
    )
    return table("shipments_not_received", "Shipments not received", columns, rows)


def lapsed_lots_table(facts: ReportFacts) -> Table:
    """Certified lots the organization holds now on its own certificates that expired, were withdrawn or suspended."""
    certificates = {c.certificate: c for c in facts.certificates}
    rows: list[list[Cell]] = []
    for holding in sorted(facts.holdings, key=lambda h: h.lot):
        for certificate_id in holding.certificates:
            certificate = certificates.get(certificate_id)
            if certificate is None or certificate.holder != facts.organization.participant:
                continue
            state = lapse_state(certificate.status, facts.now >= certificate.valid_until)
            if state is not None:
                rows.append(
                    [
                        holding.lot,
                        holding.lot_class,
                        holding.mass_mg,
                        holding.fine_mg,
                        certificate_id,
                        certificate.standard,
                        timestamp(certificate.valid_until),
                        state,
                    ]
                )
    columns = ("lot", "lot_class", "mass_mg", "fine_mg", "certificate", "standard", "valid_until", "certificate_state")
    return table("lapsed_lots", "Lots held on lapsed certificates", columns, rows)


def lapse_state(status: str, expired: bool) -> str | None:
    """Why a certificate no longer covers the gold held on it (withdrawn, expired, suspended), or None."""
    if status == "withdrawn":
        return "withdrawn"
    if expired:
        return "expired"
    return "suspended" if status == "suspended" else None
