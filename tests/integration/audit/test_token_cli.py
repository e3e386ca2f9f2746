"""`goldtrace token issue|list|revoke` on the audit database: shown once, stored as a hash, usable at once, and
refused by the API as soon as it is revoked."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys

import asyncpg
import orjson
import pytest

from services.cli.main import main
from services.query.audit.tokens import token_digest, token_id_of
from services.stack.settings import REPO_ROOT
from tests.integration.audit.conftest import AuditWorld
from tests.unit.events.scenario import ECO_ASMO

pytestmark = pytest.mark.integration


async def _in_process(*argv: str) -> tuple[int, str, str]:
    """`goldtrace token ...` through `main` in a worker thread (it runs its own event loop)."""
    out, err = io.StringIO(), io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(["token", *argv])

    code = await asyncio.to_thread(run)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def audit_database_env(audit_world: AuditWorld, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL pointing the command at the audit database."""
    monkeypatch.setenv("DATABASE_URL", audit_world.settings.database_url)
    return audit_world.settings.database_url


async def test_issue_use_list_and_revoke(audit_world: AuditWorld, audit_database_env: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", "token", "issue", "--participant", ECO_ASMO, "--role", "participant",
        "--note", "CECOMIP's treasurer", env=dict(os.environ), cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err
    token = out.decode().strip()
    token_id = token_id_of(token)
    assert f"Token {token_id} for {ECO_ASMO} (participant)" in err.decode()
    assert token not in err.decode()

    me = await audit_world.query.get("/v1/audit/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"participant": ECO_ASMO, "role": "participant", "token_id": token_id}

    db = await asyncpg.connect(audit_database_env)
    try:
        row = await db.fetchrow("SELECT * FROM access_tokens WHERE token_id = $1", token_id)
        assert row is not None
        assert row["token_sha256"] == token_digest(token)
        secret = token.removeprefix(f"gt_{token_id}_")  # whole: the secret may itself hold "_"
        assert len(secret) >= 40
        assert all(secret not in str(value) for value in row.values())  # the secret is nowhere
    finally:
        await db.close()

    code, listed, _ = await _in_process("list", "--participant", ECO_ASMO, "--json")
    assert code == 0
    entries = [orjson.loads(line) for line in listed.splitlines()]
    (entry,) = [e for e in entries if e["token_id"] == token_id]
    assert (entry["role"], entry["note"], entry["revoked_at"]) == ("participant", "CECOMIP's treasurer", None)
    assert token not in listed

    code, said, _ = await _in_process("revoke", token_id)
    assert code == 0
    assert said.startswith(f"Token {token_id} revoked at ")
    refused = await audit_world.query.get("/v1/audit/me", headers={"Authorization": f"Bearer {token}"})
    assert (refused.status_code, refused.json()["error"]) == (401, "auth.token_revoked")
    code, again, _ = await _in_process("revoke", token)  # the whole token works too; the first time stays
    assert (code, again) == (0, said)
    code, active, _ = await _in_process("list", "--participant", ECO_ASMO)
    assert token_id not in active
    code, everything, _ = await _in_process("list", "--participant", ECO_ASMO, "--all")
    assert f"{token_id}\t{ECO_ASMO}\tparticipant" in everything


async def test_an_auditor_token_as_json(audit_world: AuditWorld, audit_database_env: str) -> None:
    code, out, _ = await _in_process("issue", "--participant", "arm-auditor-2", "--role", "auditor", "--json")
    assert code == 0
    issued = orjson.loads(out)
    assert (issued["participant"], issued["role"]) == ("arm-auditor-2", "auditor")
    answer = await audit_world.query.get("/v1/audit/findings", headers={"Authorization": f"Bearer {issued['token']}"})
    assert answer.status_code == 200


async def test_refusals(audit_world: AuditWorld, audit_database_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = await _in_process("issue", "--participant", "nobody-here", "--role", "participant")
    assert (code, err.split(":")[0]) == (1, "token.participant_unknown")
    code, _, err = await _in_process("revoke", "0123456789ab")
    assert (code, err.split(":")[0]) == (1, "token.unknown")
    code, _, err = await _in_process("revoke", "not-an-id")
    assert (code, err.split(":")[0]) == (1, "token.id_malformed")
    with pytest.raises(SystemExit) as usage:
        await _in_process("issue", "--participant", ECO_ASMO, "--role", "admin")
    assert usage.value.code == 2
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    code, _, err = await _in_process("list")
    assert (code, err.split(":")[0]) == (2, "token.database_unavailable")
