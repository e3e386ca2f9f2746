"""The authorization matrix (services/query/audit/README.md): anonymous, the participant itself, another
participant and the auditor, against every audit and participant endpoint; public endpoints stay public; every
route of the query app is in one list or the other; 401 and 403 are JSON errors with a sentence."""

from __future__ import annotations

from typing import Final

import pytest
from fastapi.routing import APIRoute

from services.query.audit.auth import TOKEN_COOKIE
from services.query.audit.tokens import new_token
from tests.integration.audit.conftest import AuditWorld
from tests.unit.events.scenario import ECO_ASMO

pytestmark = pytest.mark.integration

WHO: Final = ("anonymous", "self", "other", "auditor")
# (route, concrete URL) -> expected status for anonymous, self (CECOMIP's token), other (the trader's), auditor.
MATRIX: Final = {
    ("/v1/audit/me", "/v1/audit/me"): (401, 200, 200, 200),
    ("/v1/audit/findings", "/v1/audit/findings"): (401, 200, 200, 200),
    ("/v1/audit/findings", f"/v1/audit/findings?organization={ECO_ASMO}"): (401, 200, 403, 200),
    (
        "/v1/audit/organizations/{organization}/report",
        f"/v1/audit/organizations/{ECO_ASMO}/report",
    ): (401, 200, 403, 200),
    (
        "/v1/audit/organizations/{organization}/report",
        f"/v1/audit/organizations/{ECO_ASMO}/report?format=csv&table=production",
    ): (401, 200, 403, 200),
    ("/v1/audit/log/consistency", "/v1/audit/log/consistency?from={head}"): (401, 403, 403, 200),
    ("/v1/participants/{participant}/events", f"/v1/participants/{ECO_ASMO}/events"): (401, 200, 403, 200),
}
# Routes anybody may read, with a URL that answers 200 on the season.
PUBLIC: Final = {
    "/healthz": "/healthz",
    "/metrics": "/metrics",
    "/v1/lots/{lot}": "/v1/lots/lot-eco-1",
    "/v1/lots/{lot}/provenance": "/v1/lots/lot-eco-1/provenance",
    "/v1/lots/{lot}/bundle": "/v1/lots/lot-eco-1/bundle",
    "/v1/log/head": "/v1/log/head",
    "/v1/log/inclusion": "/v1/log/inclusion?event={extract-eco-1}",
    "/v1/log/consistency": "/v1/log/consistency?from=1&to=2",
    "/v1/log/key": "/v1/log/key",
    "/verify/{lot}": "/verify/lot-eco-1",
    "/verify/{lot}/qr.svg": "/verify/lot-eco-1/qr.svg",
}
DASHBOARD_PREFIX: Final = "/audit"  # the dashboard's pages (engineer E's), tested with the dashboard


def _cells() -> list[tuple[str, str, int]]:
    return [(who, url, statuses[i]) for (_, url), statuses in MATRIX.items() for i, who in enumerate(WHO)]


@pytest.mark.parametrize(("who", "url", "expected"), _cells())
async def test_each_cell_of_the_matrix(audit_world: AuditWorld, who: str, url: str, expected: int) -> None:
    url = url.replace("{head}", str(audit_world.heads[0].tree_size))
    answer = await audit_world.query.get(url, headers=audit_world.auth(who))
    assert answer.status_code == expected, (who, url, answer.text[:300])
    assert expected != 200 or answer.headers["cache-control"] == "private, no-store"
    if expected in (401, 403):
        body = answer.json()
        assert set(body) == {"error", "detail"}
        assert body["error"].startswith("auth.")
        assert len(body["detail"]) > 40
        assert body["detail"].endswith(".")
    if expected == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")


async def test_public_endpoints_stay_public(audit_world: AuditWorld) -> None:
    for url in PUBLIC.values():
        url = url.replace("{extract-eco-1}", audit_world.season.events["extract-eco-1"].id)
        answer = await audit_world.query.get(url)
        assert answer.status_code == 200, (url, answer.text[:300])


async def test_every_route_is_in_the_matrix_or_public(audit_world: AuditWorld) -> None:
    app = audit_world.query._transport.app  # type: ignore[attr-defined]
    routes = {r.path for r in app.routes if isinstance(r, APIRoute)}
    decided = {path for path, _ in MATRIX} | set(PUBLIC)
    undecided = {path for path in routes - decided if not path.startswith(DASHBOARD_PREFIX)}
    assert not undecided, f"add these routes to the access matrix (README.md and this test): {sorted(undecided)}"


async def test_a_participant_token_sees_only_its_own_findings(audit_world: AuditWorld) -> None:
    for who, organization in (("self", ECO_ASMO), ("other", "aurum-trading")):
        answer = await audit_world.query.get("/v1/audit/findings", headers=audit_world.auth(who))
        findings = answer.json()["findings"]
        assert findings, who
        assert {f["organization"] for f in findings} == {organization}
    everything = (await audit_world.query.get("/v1/audit/findings", headers=audit_world.auth("auditor"))).json()
    assert len({f["organization"] for f in everything["findings"]}) >= 3


async def test_the_cookie_works_and_the_header_wins(audit_world: AuditWorld) -> None:
    query = audit_world.query
    url = f"/v1/participants/{ECO_ASMO}/events"
    cookie = {"cookie": f"{TOKEN_COOKIE}={audit_world.tokens['auditor']}"}
    assert (await query.get(url, headers=cookie)).status_code == 200
    assert (await query.get("/v1/audit/me", headers=cookie)).json()["role"] == "auditor"
    other_with_auditor_cookie = {**audit_world.auth("other"), **cookie}
    assert (await query.get(url, headers=other_with_auditor_cookie)).status_code == 403
    me = (await query.get("/v1/audit/me", headers=other_with_auditor_cookie)).json()
    assert (me["participant"], me["role"]) == ("aurum-trading", "participant")


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Basic YXJtOnNlY3JldA==", "auth.scheme_unsupported"),
        ("Bearer not-a-token", "auth.token_malformed"),
        ("Bearer " + new_token().text, "auth.token_invalid"),
        ("Bearer REVOKED", "auth.token_revoked"),
        ("Bearer WRONG-SECRET", "auth.token_invalid"),
    ],
)
async def test_bad_tokens_are_refused_with_their_reason(audit_world: AuditWorld, header: str, code: str) -> None:
    real = audit_world.tokens["auditor"]
    header = header.replace("REVOKED", audit_world.tokens["revoked"])
    header = header.replace("WRONG-SECRET", real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB"))
    answer = await audit_world.query.get("/v1/audit/findings", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.json()["error"] == code
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    assert real not in answer.text


async def test_a_revoked_token_says_when_it_was_revoked(audit_world: AuditWorld) -> None:
    answer = await audit_world.query.get("/v1/audit/me", headers=audit_world.auth("revoked"))
    assert "was revoked on 20" in answer.json()["detail"]
