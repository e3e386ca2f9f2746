"""GET /v1/audit/findings (filters, pages, the events behind each finding) and a participant's own records
(GET /v1/participants/{id}/events, refusals with their reasons), on the season the ledger wrote."""

from __future__ import annotations

from typing import Any

import pytest

from services.query.audit.models import AuditFindingsPage, ParticipantEventsPage
from tests.integration.audit.conftest import AuditWorld, get_json
from tests.unit.events.scenario import ECO_ASMO, FM_ASMO, TRADER

pytestmark = pytest.mark.integration


async def _all_pages(world: AuditWorld, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        status, page = await get_json(world, "auditor", path, **params, **({"cursor": cursor} if cursor else {}))
        assert status == 200, page
        items += page[key]
        cursor = page["next"]
        if cursor is None:
            return items
    raise AssertionError("the pages never ended")


async def test_every_finding_the_kernel_raised_is_listed_with_the_events_behind_it(audit_world: AuditWorld) -> None:
    status, page = await get_json(audit_world, "auditor", "/v1/audit/findings")
    assert status == 200
    AuditFindingsPage.model_validate(page)
    raised = sorted(code for codes in audit_world.season.findings.values() for code in codes)
    assert sorted(f["code"] for f in page["findings"]) == raised
    assert page["next"] is None
    times = [f["time"] for f in page["findings"]]
    assert times == sorted(times, reverse=True)  # newest first
    (premium,) = [f for f in page["findings"] if f["code"] == "premium.missing"]
    sale = audit_world.season.events["sell-eco-2"]
    assert (premium["organization"], premium["lot"], premium["severity"]) == (ECO_ASMO, "lot-eco-2", "alert")
    assert premium["event_ids"] == [sale.id]
    assert premium["events"] == [
        {"event_id": sale.id, "type": "lot.shipped", "signer": ECO_ASMO, "time": sale.event.time, "outcome": "accepted"}
    ]
    assert premium["figures"]["due_usd_cents"] == 255_000  # 425 g fine x USD 6,000 per kg
    (receipt,) = [f for f in page["findings"] if f["code"] == "receipt.weight_mismatch"]
    assert [e["type"] for e in receipt["events"]] == ["lot.shipped", "lot.received"]


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"organization": ECO_ASMO}, ["premium.missing"]),
        ({"organization": TRADER}, ["receipt.weight_mismatch", "transformation.high_loss"]),
        ({"kind": "mine.over_capacity"}, ["mine.over_capacity"]),
        ({"kind": "premium"}, ["premium.missing"]),  # a family
        ({"kind": "premium.missing_not"}, []),
        ({"severity": "alert"}, ["mine.over_capacity", "premium.missing"]),
        ({"severity": "warning", "organization": TRADER}, ["receipt.weight_mismatch", "transformation.high_loss"]),
        ({"lot": "lot-eco-1"}, ["receipt.weight_mismatch", "transformation.high_loss"]),
        ({"mine": "oro-puno-poto"}, ["mine.over_capacity"]),
        (
            {"from": "2026-03-03", "to": "2026-03-03", "organization": TRADER},
            ["receipt.weight_mismatch", "transformation.high_loss"],
        ),
        ({"from": "2026-03-04"}, []),
        ({"to": "2026-03-02"}, []),
    ],
)
async def test_filters(audit_world: AuditWorld, params: dict[str, str], codes: list[str]) -> None:
    status, page = await get_json(audit_world, "auditor", "/v1/audit/findings", **params)
    assert status == 200, page
    assert sorted(f["code"] for f in page["findings"]) == codes


async def test_pages_of_one_walk_the_whole_list_once(audit_world: AuditWorld) -> None:
    whole = (await get_json(audit_world, "auditor", "/v1/audit/findings"))[1]["findings"]
    paged = await _all_pages(audit_world, "/v1/audit/findings", "findings", limit=1)
    assert [f["finding_id"] for f in paged] == [f["finding_id"] for f in whole]
    two = await _all_pages(audit_world, "/v1/audit/findings", "findings", limit=2, organization=TRADER)
    assert len(two) == 2


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"severity": "fatal"}, "request.invalid"),
        ({"kind": "Premium; DROP TABLE findings"}, "request.invalid"),
        ({"organization": "x" * 129}, "request.invalid"),
        ({"limit": 0}, "request.invalid"),
        ({"limit": 201}, "request.invalid"),
        ({"from": "2026-13-01"}, "request.invalid"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "period.reversed"),
        ({"cursor": "123~not-a-number"}, "cursor.invalid"),
        ({"cursor": "garbage"}, "cursor.invalid"),
    ],
)
async def test_bad_parameters_are_422_with_a_reason(audit_world: AuditWorld, params: dict[str, Any], code: str) -> None:
    status, body = await get_json(audit_world, "auditor", "/v1/audit/findings", **params)
    assert status == 422
    assert body["error"] == code
    assert body["detail"]


async def test_a_participant_reads_its_own_events_refusals_included(audit_world: AuditWorld) -> None:
    status, page = await get_json(audit_world, "self", f"/v1/participants/{ECO_ASMO}/events")
    assert status == 200
    ParticipantEventsPage.model_validate(page)
    mine = {n: e for n, e in audit_world.season.events.items() if e.event.source == f"/participants/{ECO_ASMO}"}
    assert {e["event_id"] for e in page["events"]} == {e.id for e in mine.values()}
    (refused,) = [e for e in page["events"] if e["outcome"] == "rejected"]
    again = audit_world.season.events["extract-eco-1-again"]
    assert (refused["event_id"], refused["reason_code"]) == (again.id, "lot.id_reused")
    assert refused["reason"]
    assert refused["leaf_index"] is None
    assert refused["event"] == again.raw
    accepted = [e for e in page["events"] if e["outcome"] == "accepted"]
    assert all(e["leaf_index"] is not None and e["reason_code"] is None for e in accepted)


async def test_participant_events_filters_and_pages(audit_world: AuditWorld) -> None:
    path = f"/v1/participants/{ECO_ASMO}/events"
    status, refused = await get_json(audit_world, "self", path, outcome="rejected")
    assert status == 200
    assert [e["reason_code"] for e in refused["events"]] == ["lot.id_reused"]
    status, sales = await get_json(audit_world, "auditor", path, type="lot.shipped")
    assert sorted(e["event"]["data"]["lot"] for e in sales["events"]) == ["lot-eco-1", "lot-eco-2"]
    whole = (await get_json(audit_world, "auditor", path))[1]["events"]
    paged = await _all_pages(audit_world, path, "events", limit=2)
    assert [e["event_id"] for e in paged] == [e["event_id"] for e in whole]


async def test_an_unknown_participant_is_404_for_the_auditor(audit_world: AuditWorld) -> None:
    status, body = await get_json(audit_world, "auditor", "/v1/participants/nobody-here/events")
    assert (status, body["error"]) == (404, "participant.not_found")
    status, body = await get_json(audit_world, "other", f"/v1/participants/{FM_ASMO}/events")
    assert (status, body["error"]) == (403, "auth.not_your_records")  # no hint whether it exists
