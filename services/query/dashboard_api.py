"""The audit dashboard: server-rendered pages under /audit, for auditor tokens, in Spanish and English.

Pages read the token from the `goldtrace_token` cookie (or an `Authorization: Bearer` header, as the audit API
does: `services/query/audit/auth.py`). Without a valid auditor token a page is the sign-in form; POST
/audit/login checks the token and sets the cookie (HttpOnly, SameSite=Strict), POST /audit/logout removes it.
Both POSTs come from the dashboard's own forms only (Origin and Sec-Fetch-Site are checked), and no GET changes
anything. The data come from the audit API's modules: findings (`findings_sql`), reports (`report_sql`).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from events.custody.policy import DEFAULT_POLICY
from events.model.types import ID_PATTERN
from services.common.http import HttpError
from services.query.audit.auth import TOKEN_COOKIE, Caller, authenticate
from services.query.audit.findings_sql import FindingsQuery, read_findings
from services.query.audit.report_sql import read_report
from services.query.dashboard_filters import parse_filters
from services.query.dashboard_reads import organizations
from services.query.deps import Now, Pool
from services.query.web.audit_pages import (
    CSV_TABLES,
    Session,
    render_findings,
    render_login,
    render_missing_organization,
    render_organization,
)
from services.query.web.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_COOKIE_MAX_AGE_S,
    Language,
    choose_language,
    is_language,
    other_language,
)
from services.query.web.render import Links

router = APIRouter(tags=["audit pages"])

ORGANIZATION_ID: Final = re.compile(ID_PATTERN)
MAX_FORM_BYTES: Final = 2048
SESSION_MAX_AGE_S: Final = 12 * 3600
ORGANIZATION_FINDINGS: Final = 10
# No script may run and nothing may be framed; the dashboard's forms post to the dashboard only.
HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # with no-referrer, a browser posts the dashboard's forms with `Origin: null`
    "Cache-Control": "private, no-store",
    "Vary": "Accept-Language, Cookie, Authorization",
}
_STATUS: Final = {"auth.token_missing": 200, "auth.auditor_only": 403}


class _RefusedError(Exception):
    """The request carries no usable auditor token: `code` says why, `holder` whose token it was."""

    def __init__(self, code: str, holder: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.holder = holder


def _language(request: Request, chosen: str | None = None) -> Language:
    return choose_language(
        chosen or request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )


def _session(request: Request, lang: Language, who: str | None = None) -> Session:
    """The page's links: itself, and the language switch keeping the page's other parameters."""
    params = {name: value for name, value in request.query_params.items() if name != "lang"}
    switch = "?" + urlencode({**params, "lang": other_language(lang)})
    return Session(Links(page=request.url.path, switch=switch), who)


def _page(request: Request, body: str, lang: Language, status: int = 200) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers={**HEADERS, "Content-Language": lang})
    if is_language(request.query_params.get("lang")):
        response.set_cookie(
            LANGUAGE_COOKIE, lang, max_age=LANGUAGE_COOKIE_MAX_AGE_S, path="/", httponly=True, samesite="lax"
        )
    return response


async def _auditor(request: Request, pool: Pool, text: str | None = None) -> Caller:
    """The auditor a token stands for: the given text, else the Bearer header, else the cookie (or `_RefusedError`)."""
    if text is None:
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, text = header.partition(" ")
            if scheme.lower() != "bearer":
                raise _RefusedError("auth.scheme_unsupported")
        else:
            text = request.cookies.get(TOKEN_COOKIE)
    if not text or not text.strip():
        raise _RefusedError("auth.token_missing")
    try:
        async with pool.acquire() as db:
            caller = await authenticate(db, text.strip())
    except HttpError as refused:
        raise _RefusedError(refused.code) from None
    if not caller.is_auditor:
        raise _RefusedError("auth.auditor_only", caller.participant)
    return caller


def _sign_in_page(request: Request, refused: _RefusedError, lang: Language, forget_cookie: bool = True) -> HTMLResponse:
    """The sign-in page saying why; a cookie whose token was refused is removed (`forget_cookie`)."""
    refusal = None if refused.code == "auth.token_missing" else refused.code
    body = render_login(lang, _session(request, lang), refusal, refused.holder)
    response = _page(request, body, lang, _STATUS.get(refused.code, 401))
    if forget_cookie and refusal is not None and TOKEN_COOKIE in request.cookies:
        response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/audit", response_class=HTMLResponse, summary="The audit dashboard: findings with filters (HTML)")
async def findings_page(request: Request, pool: Pool) -> HTMLResponse:
    """Findings, newest first, filtered by organization, kind, severity, period, lot and mine; the organizations."""
    lang = _language(request)
    try:
        caller = await _auditor(request, pool)
    except _RefusedError as refused:
        return _sign_in_page(request, refused, lang)
    filters = parse_filters(request.query_params)
    async with pool.acquire() as db:
        page = await read_findings(db, filters.query())
        listed = await organizations(db)
    body = render_findings(
        lang, _session(request, lang, caller.participant), filters, page["findings"], page["next"], listed
    )
    return _page(request, body, lang)


@router.get(
    "/audit/organizations/{organization}",
    response_class=HTMLResponse,
    summary="An organization's report with charts: production against capacity, premium, gender shares (HTML)",
)
async def organization_page(organization: str, request: Request, pool: Pool, now: Now) -> HTMLResponse:
    """The organization's report for a period (`from`, `to`), its latest findings and its tables as CSV."""
    lang = _language(request)
    try:
        caller = await _auditor(request, pool)
    except _RefusedError as refused:
        return _sign_in_page(request, refused, lang)
    session = _session(request, lang, caller.participant)
    period = parse_filters({k: v for k, v in request.query_params.items() if k in ("from", "to")}).period
    report = None
    if ORGANIZATION_ID.fullmatch(organization):
        report = await read_report(pool, organization, period, now, DEFAULT_POLICY)
    if report is None:
        return _page(request, render_missing_organization(lang, session, organization), lang, 404)
    async with pool.acquire() as db:
        found = await read_findings(db, FindingsQuery(organization=organization, limit=ORGANIZATION_FINDINGS))
    dates = {"from": report.first_day, "to": report.last_day}
    csv_links = {
        name: f"/v1/audit/organizations/{organization}/report?"
        + urlencode({"format": "csv", "table": name, **{k: v for k, v in dates.items() if v}})
        for name in CSV_TABLES
    }
    findings_link = "/audit?" + urlencode({"organization": organization, "lang": lang})
    body = render_organization(lang, session, report, found["findings"], findings_link, csv_links)
    return _page(request, body, lang)


@router.post(
    "/audit/login",
    response_class=HTMLResponse,
    summary="Sign in to the dashboard with an auditor token (form field `token`); sets the session cookie",
    responses={303: {"description": "Signed in: to /audit, with the cookie"}, 401: {}, 403: {}},
)
async def login(request: Request, pool: Pool) -> Response:
    """Check the token; on success set it as an HttpOnly, SameSite=Strict cookie and go to the findings."""
    form = await _form(request)
    lang = _language(request, (form or {}).get("lang"))
    if form is None:
        body = render_login(lang, _session(request, lang), "form")
        return _page(request, body, lang, 400)
    try:
        await _auditor(request, pool, form.get("token", ""))
    except _RefusedError as refused:  # the session's own cookie, if any, was not what was refused: kept
        return _sign_in_page(request, refused, lang, forget_cookie=False)
    response = RedirectResponse(f"/audit?lang={lang}", status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        TOKEN_COOKIE,
        form["token"].strip(),
        max_age=SESSION_MAX_AGE_S,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post(
    "/audit/logout",
    response_class=HTMLResponse,
    summary="Sign out of the dashboard: removes the session cookie",
    responses={303: {"description": "To the sign-in page"}},
)
async def logout(request: Request) -> Response:
    """Remove the cookie (only for the dashboard's own form: a request from another site changes nothing)."""
    if await _form(request) is None:
        lang = _language(request)
        return _page(request, render_login(lang, _session(request, lang), "form"), lang, 400)
    response = RedirectResponse("/audit", status_code=303, headers={"Cache-Control": "no-store"})
    response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="strict")
    return response


async def _form(request: Request) -> dict[str, str] | None:
    """The posted form's fields, or None when it came from another site or is too long to be ours."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return None
    origin = request.headers.get("origin")
    if site is None and origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=4)
    except ValueError:  # more fields than the form has
        return None
    return {name: values[0] for name, values in fields.items() if values}
