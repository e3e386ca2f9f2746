"""The audit dashboard's routes over ASGI on a migrated scratch database: who gets which page, the session cookie's
flags, forms from elsewhere, the headers every page carries, and bad input answered with pages, never JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.common.settings import PipelineSettings
from services.query.app import create_app
from services.query.audit import token_store

pytestmark = pytest.mark.integration

SAME_SITE = {"sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def query(pipeline: PipelineSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The query app in-process (its lifespan run), spoken to over ASGI."""
    app = create_app(pipeline)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://query.test") as http:
            yield http


@pytest.fixture
async def tokens(pipeline: PipelineSettings) -> dict[str, str]:
    """An auditor token, a participant token and a revoked auditor token."""
    db = await asyncpg.connect(pipeline.database_url)
    try:
        auditor = await token_store.issue_token(db, "arm", "auditor")
        participant = await token_store.issue_token(db, "cecomip", "participant")
        revoked = await token_store.issue_token(db, "arm", "auditor")
        await token_store.revoke_token(db, revoked.token_id)
    finally:
        await db.close()
    return {"auditor": auditor.text, "participant": participant.text, "revoked": revoked.text}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_pages_answer_by_token(query: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    plain = await query.get("/audit")
    assert plain.status_code == 200
    assert 'action="/audit/login"' in plain.text
    assert "form-action 'self'" in plain.headers["content-security-policy"]
    assert plain.headers["cache-control"] == "private, no-store"
    assert plain.headers["content-type"].startswith("text/html")

    participant = await query.get("/audit", headers=bearer(tokens["participant"]))
    assert participant.status_code == 403
    assert "cecomip" in participant.text

    revoked = await query.get("/audit", headers={"cookie": f"goldtrace_token={tokens['revoked']}"})
    assert revoked.status_code == 401
    assert 'id="refusal"' in revoked.text
    assert 'goldtrace_token=""' in revoked.headers["set-cookie"]  # a dead cookie is removed

    basic = await query.get("/audit", headers={"authorization": "Basic YXJtOnB3"})
    assert basic.status_code == 401

    auditor = await query.get("/audit?lang=en&severity=catastrophic", headers=bearer(tokens["auditor"]))
    assert auditor.status_code == 200
    assert "No finding matches these filters." in auditor.text
    assert "An invalid filter was ignored: Severity (catastrophic)." in auditor.text
    assert "goldtrace_lang=en" in auditor.headers["set-cookie"]


async def test_signing_in_sets_a_strict_http_only_cookie_and_signing_out_removes_it(
    query: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    signed = await query.post("/audit/login", content=f"token={tokens['auditor']}&lang=es", headers=SAME_SITE)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/audit?lang=es"
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"goldtrace_token={tokens['auditor']};")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie

    wrong = await query.post("/audit/login", content="token=gt_nonsense", headers=SAME_SITE)
    assert wrong.status_code == 401
    assert "set-cookie" not in wrong.headers

    elsewhere = {**SAME_SITE, "sec-fetch-site": "cross-site"}
    forged = await query.post("/audit/login", content=f"token={tokens['auditor']}", headers=elsewhere)
    assert forged.status_code == 400
    assert "set-cookie" not in forged.headers
    other_origin = {"origin": "https://elsewhere.example", "content-type": SAME_SITE["content-type"]}
    assert (await query.post("/audit/login", content="token=x", headers=other_origin)).status_code == 400
    huge = await query.post("/audit/login", content="token=" + "x" * 5000, headers=SAME_SITE)
    assert huge.status_code == 400

    out = await query.post("/audit/logout", content="", headers=SAME_SITE)
    assert out.status_code == 303
    assert 'goldtrace_token=""' in out.headers["set-cookie"]
    assert (await query.post("/audit/logout", content="", headers=elsewhere)).status_code == 400


async def test_organization_pages_and_bad_ids_are_pages(query: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    for path in ("/audit/organizations/nobody", "/audit/organizations/%3Cscript%3E"):
        missing = await query.get(path, headers=bearer(tokens["auditor"]))
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "<script>" not in missing.text
    unauthenticated = await query.get("/audit/organizations/nobody")
    assert unauthenticated.status_code == 200
    assert 'action="/audit/login"' in unauthenticated.text
