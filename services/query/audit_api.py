"""The auditor's API (access token required): findings, organization reports, log consistency, own records.

Who may read what is in services/query/audit/README.md; the dependencies are in services/query/audit/auth.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from events.custody.policy import DEFAULT_POLICY
from events.model.types import ID_PATTERN
from events.treehead import MAX_TREE_SIZE
from services.common.http import HttpError
from services.common.openapi import error_responses
from services.query.audit.auth import AuditorOnly, Authenticated, require_reader
from services.query.audit.csv_tables import CSV_MEDIA_TYPE, table_csv
from services.query.audit.findings_sql import FindingsQuery, read_findings
from services.query.audit.log_consistency import consistency_between_heads
from services.query.audit.models import (
    AuditCallerOut,
    AuditConsistencyOut,
    AuditFindingsPage,
    ParticipantEventsPage,
    ReportOut,
)
from services.query.audit.pages import DEFAULT_LIMIT, MAX_LIMIT, parse_cursor
from services.query.audit.participant_sql import EventsQuery, participant_known, read_participant_events
from services.query.audit.report import TABLE_NAMES, TableName
from services.query.audit.report_facts import Period
from services.query.audit.report_sql import read_report
from services.query.deps import Now, Pool
from services.query.lots_api import json_response

router = APIRouter(tags=["audit"])

PRIVATE: Final = {"Cache-Control": "private, no-store"}
_REFUSALS: Final = error_responses(401, 403, 404, 422)
ParticipantId = Annotated[str, Path(pattern=ID_PATTERN, max_length=128, description="A participant id")]
FirstDay = Annotated[date | None, Query(alias="from", description="First day included, YYYY-MM-DD (UTC)")]
LastDay = Annotated[date | None, Query(alias="to", description="Last day included, YYYY-MM-DD (UTC)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")]
CursorText = Annotated[str | None, Query(max_length=160, description="The `next` of the previous page")]


def _period(first: date | None, last: date | None) -> Period:
    if first is not None and last is not None and first > last:
        raise HttpError(422, "period.reversed", f"The period starts ({first}) after it ends ({last}); swap them.")
    return Period(first, last)


def _private(document: Any) -> Response:
    return json_response(document, PRIVATE)


@router.get(
    "/v1/audit/me",
    summary="Who the presented access token stands for (any valid token)",
    response_model=AuditCallerOut,
    responses=error_responses(401),
)
async def get_me(caller: Authenticated) -> Response:
    """The token's participant, role and id (never the token)."""
    return _private({"participant": caller.participant, "role": caller.role, "token_id": caller.token_id})


@router.get(
    "/v1/audit/findings",
    summary="Findings, newest first, filtered by organization, kind, severity, lot, mine and period; each names "
    "the events behind it. A participant token sees its own organization's findings only.",
    response_model=AuditFindingsPage,
    responses=_REFUSALS,
)
async def get_findings(
    caller: Authenticated,
    pool: Pool,
    first_day: FirstDay = None,
    last_day: LastDay = None,
    organization: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=128)] = None,
    kind: Annotated[
        str | None, Query(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=64, description="code or family")
    ] = None,
    severity: Literal["notice", "warning", "alert"] | None = None,
    lot: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=128)] = None,
    mine: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=128)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorText = None,
) -> Response:
    """One page of findings and the cursor of the next."""
    if organization is None and not caller.is_auditor:
        organization = caller.participant
    if organization is not None:
        require_reader(caller, organization)
    period = _period(first_day, last_day)
    query = FindingsQuery(
        organization, kind, severity, lot, mine, period.start, period.end, limit, parse_cursor(cursor)
    )
    async with pool.acquire() as db:
        return _private(await read_findings(db, query))


@router.get(
    "/v1/audit/organizations/{organization}/report",
    summary="An organization's report: production against capacity, productivity against the threshold, sales "
    "and premium against the Fairmined rate, inventory mass balance, shipments not received, lots on lapsed "
    "certificates, women's and groups' shares, pallaqueras against their monthly limit. One table as CSV with "
    "?format=csv&table=NAME (or Accept: text/csv).",
    response_model=ReportOut,
    responses={**_REFUSALS, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def get_report(
    organization: ParticipantId,
    caller: Authenticated,
    pool: Pool,
    request: Request,
    now: Now,
    first_day: FirstDay = None,
    last_day: LastDay = None,
    format: Literal["json", "csv"] | None = None,
    table: TableName | None = None,
) -> Response:
    """The report as JSON, or one of its tables as CSV."""
    require_reader(caller, organization)
    period = _period(first_day, last_day)
    as_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
    if as_csv and table is None:
        raise HttpError(
            422,
            "report.table_required",
            f"Name the table to download as CSV with ?table=, one of: {', '.join(TABLE_NAMES)}.",
        )
    report = await read_report(pool, organization, period, now, DEFAULT_POLICY)
    if report is None:
        raise HttpError(
            404,
            "organization.not_found",
            f"No participant {organization!r} was ever registered here; check the id (findings name organizations).",
        )
    if not as_csv or table is None:
        return _private(report.to_json())
    name = f"{organization}-{table}-{report.first_day or 'start'}-{report.last_day or 'now'}.csv"
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(table_csv(report.table(table)).encode(), media_type=CSV_MEDIA_TYPE, headers=headers)


@router.get(
    "/v1/audit/log/consistency",
    summary="Both signed tree heads and the RFC 9162 proof that the log only grew by appending from the head of "
    "`from` leaves to the head of `to` leaves (default: the latest). Auditor tokens only.",
    response_model=AuditConsistencyOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_log_consistency(
    caller: AuditorOnly,
    pool: Pool,
    first: Annotated[int, Query(alias="from", ge=0, le=MAX_TREE_SIZE, description="Tree size of the older head")],
    second: Annotated[
        int | None, Query(alias="to", ge=0, le=MAX_TREE_SIZE, description="Tree size of the newer head")
    ] = None,
) -> Response:
    """404 when no head of that size was signed; 422 when `from` is larger than `to`."""
    async with pool.acquire() as db:
        return _private(await consistency_between_heads(db, first, second))


@router.get(
    "/v1/participants/{participant}/events",
    tags=["participants"],
    summary="A participant's own records: every event it signed, accepted or rejected with the reason, newest "
    "first. Its own token or an auditor token.",
    response_model=ParticipantEventsPage,
    responses=_REFUSALS,
)
async def get_participant_events(
    participant: ParticipantId,
    caller: Authenticated,
    pool: Pool,
    first_day: FirstDay = None,
    last_day: LastDay = None,
    outcome: Literal["accepted", "rejected"] | None = None,
    event_type: Annotated[str | None, Query(alias="type", pattern=r"^[a-z]+\.[a-z_]+$", max_length=64)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorText = None,
) -> Response:
    """One page of the participant's events and the cursor of the next."""
    require_reader(caller, participant)
    period = _period(first_day, last_day)
    query = EventsQuery(participant, outcome, event_type, period.start, period.end, limit, parse_cursor(cursor))
    async with pool.acquire() as db:
        page = await read_participant_events(db, query)
        if not page["events"] and query.after is None and not await participant_known(db, participant):
            raise HttpError(
                404, "participant.not_found", f"No participant {participant!r} was ever registered here; check the id."
            )
    return _private(page)
