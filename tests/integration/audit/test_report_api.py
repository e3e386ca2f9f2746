"""GET /v1/audit/organizations/{id}/report on the season the ledger wrote: the SQL adapter's facts give the figures
worked out by hand, and each table downloads as CSV that reads back as the JSON table."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from events.custody.policy import DEFAULT_POLICY
from services.query.audit.csv_tables import cell_text
from services.query.audit.models import ReportOut
from services.query.audit.report import TABLE_NAMES
from tests.integration.audit.conftest import AuditWorld, get_json, query_client
from tests.integration.audit.season import SHORT_CERT
from tests.unit.events.scenario import (
    BATEADORAS,
    ECO_ASMO,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    MINE_CAPACITY_MG,
    TRADER,
)

pytestmark = pytest.mark.integration
ECO = "fairmined-ecological"


async def _report(world: AuditWorld, organization: str, who: str = "auditor", **params: str) -> dict[str, Any]:
    status, body = await get_json(world, who, f"/v1/audit/organizations/{organization}/report", **params)
    assert status == 200, body
    ReportOut.model_validate(body)
    report: dict[str, Any] = body
    return report


def _rows(report: dict[str, Any], table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = report["tables"][table]["rows"]
    return rows


async def test_cecomip_production_sales_premium_and_gender(audit_world: AuditWorld) -> None:
    report = await _report(audit_world, ECO_ASMO, "self")
    assert list(report["tables"]) == list(TABLE_NAMES)
    assert report["policy"]["premium_usd_per_kg_ecological"] == DEFAULT_POLICY.premium_usd_per_kg_ecological
    # 1,000,000 mg at 900 + 500,000 mg at 850 = 900,000 + 425,000 mg fine in March (the refused lot not counted)
    assert _rows(report, "production") == [
        {"mine": ECO_MINE, "month": "2026-03", "lots": 2, "fine_mg": 1_325_000, "capacity_mg": MINE_CAPACITY_MG,
         "capacity_used_bp": 2_650, "over_capacity": False},
    ]  # fmt: skip
    (march,) = _rows(report, "productivity")
    assert (march["members"], march["mg_per_miner_day"], march["above_threshold"]) == (200, 213, False)
    first, second = _rows(report, "sales")
    assert (first["lot"], first["first_sale"], first["premium_due_usd"], first["premium_paid_usd"]) == (
        "lot-eco-1", True, "5400.00", "5400.00",
    )  # fmt: skip
    assert first["below_rate"] is False
    assert (second["lot"], second["premium_due_usd"], second["premium_paid_usd"], second["below_rate"]) == (
        "lot-eco-2", "2550.00", None, True,
    )  # fmt: skip
    assert report["summary"]["sales_below_rate"] == 1
    (open_shipment,) = _rows(report, "shipments_not_received")
    assert (open_shipment["direction"], open_shipment["lot"], open_shipment["receiver"]) == (
        "outgoing", "lot-eco-2", TRADER,
    )  # fmt: skip
    gender = {(r["dimension"], r["name"]): r for r in _rows(report, "gender")}
    bateadoras = gender[("group", BATEADORAS)]
    assert (bateadoras["fine_mg"], bateadoras["premium_paid_usd"], bateadoras["premium_share_bp"]) == (
        360_000, "2160.00", 4_000,
    )  # fmt: skip
    assert report["summary"]["womens_groups_premium_share_bp"] == 4_000


async def test_inventory_balances_for_the_asmo_and_the_trader(audit_world: AuditWorld) -> None:
    (eco, total) = _rows(await _report(audit_world, ECO_ASMO), "inventory")
    assert (eco["produced_mg"], eco["shipped_mg"], eco["closing_mg"], eco["on_hand_mg"]) == (1_500_000, 1_500_000, 0, 0)
    assert total["difference_mg"] == 0
    (eco, _) = _rows(await _report(audit_world, TRADER, "other"), "inventory")
    # received 980,000 (its own weighing), melted it into a 950,000 mg bar: 30,000 mg lost, the bar on hand
    assert (eco["received_mg"], eco["losses_mg"], eco["closing_mg"], eco["on_hand_mg"], eco["difference_mg"]) == (
        980_000, 30_000, 950_000, 950_000, 0,
    )  # fmt: skip


async def test_oro_puno_over_capacity_and_a_lot_on_a_lapsed_certificate(audit_world: AuditWorld) -> None:
    report = await _report(audit_world, FM_ASMO)
    (march,) = _rows(report, "production")
    assert (march["mine"], march["fine_mg"], march["over_capacity"]) == (FM_MINE, 5_490_000, True)
    (lapsed,) = _rows(report, "lapsed_lots")
    assert (lapsed["lot"], lapsed["certificate"], lapsed["certificate_state"]) == ("lot-fm-2", SHORT_CERT, "expired")


async def test_the_report_is_made_at_the_apps_clock(audit_world: AuditWorld) -> None:
    """The day after the world's certificates ended (2027-01-01), Oro Puno's other lot is held on a lapsed one too."""
    async with query_client(audit_world.settings, datetime(2027, 1, 2, tzinfo=UTC)) as query:
        answer = await query.get(f"/v1/audit/organizations/{FM_ASMO}/report", headers=audit_world.auth("auditor"))
    assert answer.status_code == 200, answer.text
    lapsed = {(row["lot"], row["certificate"]) for row in _rows(answer.json(), "lapsed_lots")}
    assert lapsed == {("lot-fm-1", FM_CERT), ("lot-fm-2", SHORT_CERT)}


async def test_the_period_selects_what_is_counted(audit_world: AuditWorld) -> None:
    report = await _report(audit_world, ECO_ASMO, **{"from": "2026-04-01", "to": "2026-04-30"})
    assert report["period"] == {"from": "2026-04-01", "to": "2026-04-30"}
    assert _rows(report, "production") == []
    assert _rows(report, "sales") == []
    eco, _ = _rows(report, "inventory")
    assert (eco["opening_mg"], eco["produced_mg"], eco["closing_mg"]) == (0, 0, 0)
    assert eco["on_hand_mg"] is None  # a period that ended before now is not closed by today's holdings


@pytest.mark.parametrize("table", TABLE_NAMES)
async def test_each_table_as_csv_reads_back_as_the_json_table(audit_world: AuditWorld, table: str) -> None:
    report = await _report(audit_world, ECO_ASMO)
    path = f"/v1/audit/organizations/{ECO_ASMO}/report"
    answer = await audit_world.query.get(path, params={"table": table}, headers=audit_world.auth("auditor") | {
        "accept": "text/csv"
    })  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert f'filename="{ECO_ASMO}-{table}-start-now.csv"' in answer.headers["content-disposition"]
    header, *rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8"), newline="")))
    assert header == report["tables"][table]["columns"]
    assert rows == [[cell_text(row[c]) for c in header] for row in _rows(report, table)]
    again = await audit_world.query.get(
        path, params={"table": table, "format": "csv"}, headers=audit_world.auth("self")
    )
    assert again.content == answer.content


async def test_csv_needs_a_table_and_an_unknown_organization_is_404(audit_world: AuditWorld) -> None:
    status, body = await get_json(audit_world, "auditor", f"/v1/audit/organizations/{ECO_ASMO}/report", format="csv")
    assert (status, body["error"]) == (422, "report.table_required")
    assert "gender" in body["detail"]
    status, body = await get_json(audit_world, "auditor", f"/v1/audit/organizations/{ECO_ASMO}/report", table="x")
    assert status == 422
    status, body = await get_json(audit_world, "auditor", "/v1/audit/organizations/nobody-here/report")
    assert (status, body["error"]) == (404, "organization.not_found")
