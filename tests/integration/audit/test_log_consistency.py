"""GET /v1/audit/log/consistency and `goldtrace audit save-head` / `check-log` against the query service over
real HTTP: a log that only grew passes, a forged head, a fork (the log key signing another root for a size the
auditor kept) and a missing head fail with exit 1, and a check that cannot run exits 2."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from events.keys import generate_private_key
from events.merkle import verify_consistency
from events.signing import public_key_b64
from events.treehead import SignedTreeHead, make_tree_head, sign_tree_head, tree_head_json
from services.cli.main import main
from services.query.audit.models import AuditConsistencyOut
from services.stack.settings import REPO_ROOT
from tests.integration.audit.conftest import AuditWorld, get_json

pytestmark = pytest.mark.integration


async def test_the_proof_between_two_kept_heads_holds(audit_world: AuditWorld) -> None:
    older, newer = audit_world.heads
    assert older.tree_size < newer.tree_size
    status, body = await get_json(
        audit_world, "auditor", "/v1/audit/log/consistency", **{"from": older.tree_size, "to": newer.tree_size}
    )
    assert status == 200, body
    AuditConsistencyOut.model_validate(body)
    assert body["from"] == tree_head_json(older)
    assert body["to"] == tree_head_json(newer)
    proof = [bytes.fromhex(step) for step in body["consistency_proof"]]
    verify_consistency(older.tree_size, newer.tree_size, older.root, newer.root, proof)
    status, latest = await get_json(audit_world, "auditor", "/v1/audit/log/consistency", **{"from": older.tree_size})
    assert latest["to"] == tree_head_json(newer)  # `to` defaults to the latest head


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"from": "NEW", "to": "OLD"}, 422, "log.size_out_of_range"),
        ({"from": 3}, 404, "log.head_unknown"),
        ({"from": "OLD", "to": 10_000}, 404, "log.head_unknown"),
        ({"from": -1}, 422, "request.invalid"),
        ({}, 422, "request.invalid"),
    ],
)
async def test_refusals(audit_world: AuditWorld, params: dict[str, object], status: int, code: str) -> None:
    sizes = {"OLD": audit_world.heads[0].tree_size, "NEW": audit_world.heads[1].tree_size}
    params = {k: sizes.get(str(v), v) for k, v in params.items()}
    found, body = await get_json(audit_world, "auditor", "/v1/audit/log/consistency", **params)
    assert (found, body["error"]) == (status, code), body


def _log_key(world: AuditWorld) -> list[str]:
    return ["--log-key", world.settings.log_public_key, "--log-keyid", world.settings.log_keyid]


async def _goldtrace(world: AuditWorld, url: str, *argv: str, token: str | None = None) -> tuple[int, str, str]:
    """`goldtrace audit ...` as a process (the token in $GOLDTRACE_TOKEN)."""
    env = {k: v for k, v in os.environ.items() if k != "GOLDTRACE_TOKEN"}
    if token is not None:
        env["GOLDTRACE_TOKEN"] = token
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", "audit", *argv, "--server", url, *_log_key(world),
        env=env, cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _in_process(world: AuditWorld, url: str, *argv: str, token_file: Path | None = None) -> tuple[int, str, str]:
    """The same command through `main` in a worker thread (this loop keeps serving): no interpreter start-up."""
    token = [] if token_file is None else ["--token-file", str(token_file)]
    out, err = io.StringIO(), io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main(["audit", *argv, "--server", url, *_log_key(world), *token])

    assert "GOLDTRACE_TOKEN" not in os.environ
    code = await asyncio.to_thread(run)
    return code, out.getvalue(), err.getvalue()


def _token_file(world: AuditWorld, who: str, folder: Path) -> Path:
    path = folder / f"{who}.token"
    path.write_text(world.tokens[who] + "\n")
    return path


def _write(path: Path, head: SignedTreeHead) -> Path:
    path.write_bytes(orjson.dumps(tree_head_json(head)))
    return path


async def test_save_head_then_check_log_from_saved_heads(
    audit_world: AuditWorld, query_url: str, tmp_path: Path
) -> None:
    older, newer = audit_world.heads
    saved = tmp_path / "heads" / "latest.json"
    code, out, err = await _in_process(audit_world, query_url, "save-head", "--out", str(saved))
    assert code == 0, err
    assert f"head of {newer.tree_size} leaves" in out
    assert orjson.loads(saved.read_bytes()) == tree_head_json(newer)
    code, _, err = await _in_process(audit_world, query_url, "save-head", "--out", str(saved))
    assert (code, err.split(":")[0]) == (2, "head.file_exists")  # a saved head is never overwritten

    old = _write(tmp_path / "old.json", older)
    auditor = audit_world.tokens["auditor"]
    code, out, err = await _goldtrace(
        audit_world, query_url, "check-log", "--old", str(old), "--new", str(saved), token=auditor
    )
    assert code == 0, err
    assert out.splitlines()[-1].startswith(f"OK: the log only grew by appending from {older.tree_size} to")
    code, out, err = await _goldtrace(
        audit_world, query_url, "check-log", "--heads", str(saved), str(old), token=auditor
    )
    assert code == 0, err
    code, out, err = await _goldtrace(audit_world, query_url, "check-log", "--old", str(old), token=auditor)
    assert code == 0, err  # one head: checked against the server's latest
    assert f"to {newer.tree_size} leaves" in out


async def test_a_forged_or_forked_head_fails(audit_world: AuditWorld, query_url: str, tmp_path: Path) -> None:
    older, newer = audit_world.heads
    auditor = _token_file(audit_world, "auditor", tmp_path)
    new = _write(tmp_path / "new.json", newer)

    forged = older.model_copy(update={"root_hash": "00" * 32})  # altered after signing
    code, _, err = await _in_process(
        audit_world, query_url, "check-log", "--old", str(_write(tmp_path / "forged.json", forged)), "--new", str(new),
        token_file=auditor,
    )  # fmt: skip
    assert code == 1
    assert err.startswith("FAILED log.tree_head_signature_invalid")

    # The log key itself signed another root for the same size: the server's history is not the one kept.
    other_root = make_tree_head(older.tree_size, b"\x07" * 32, datetime.now(UTC), audit_world.settings.log_keyid)
    fork = sign_tree_head(other_root, audit_world.log_key.private_key)
    code, _, err = await _in_process(
        audit_world, query_url, "check-log", "--old", str(_write(tmp_path / "fork.json", fork)), "--new", str(new),
        token_file=auditor,
    )  # fmt: skip
    assert code == 1
    assert err.startswith("FAILED log.fork")

    # A head the log key signed for a size the server has no head of: history rewritten or lost.
    lost = sign_tree_head(make_tree_head(3, b"\x01" * 32, datetime.now(UTC), audit_world.settings.log_keyid),
                          audit_world.log_key.private_key)  # fmt: skip
    code, _, err = await _in_process(
        audit_world, query_url, "check-log", "--old", str(_write(tmp_path / "lost.json", lost)), "--new", str(new),
        token_file=auditor,
    )  # fmt: skip
    assert code == 1
    assert err.startswith("FAILED log.head_missing")


async def test_a_check_that_cannot_run_exits_2(audit_world: AuditWorld, query_url: str, tmp_path: Path) -> None:
    old = str(_write(tmp_path / "old.json", audit_world.heads[0]))
    code, _, err = await _in_process(audit_world, query_url, "check-log", "--old", old)
    assert (code, err.split(":")[0]) == (2, "token.missing")
    code, _, err = await _in_process(
        audit_world, query_url, "check-log", "--old", old, token_file=_token_file(audit_world, "self", tmp_path)
    )
    assert (code, err.split(":")[0]) == (2, "auth.auditor_only")
    auditor = _token_file(audit_world, "auditor", tmp_path)
    none = str(tmp_path / "none.json")
    code, _, err = await _in_process(audit_world, query_url, "check-log", "--old", none, token_file=auditor)
    assert (code, err.split(":")[0]) == (2, "head.unreadable")
    code, _, err = await _in_process(audit_world, "http://127.0.0.1:9", "check-log", "--old", old, token_file=auditor)
    assert (code, err.split(":")[0]) == (2, "server.unreachable")


async def test_a_head_signed_by_another_key_is_not_trusted(audit_world: AuditWorld, query_url: str) -> None:
    stranger = public_key_b64(generate_private_key())
    out, err = io.StringIO(), io.StringIO()

    def run() -> int:
        argv = ["audit", "save-head", "--out", "/nonexistent-dir-never/x.json", "--server", query_url]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return main([*argv, "--log-key", stranger, "--log-keyid", audit_world.settings.log_keyid])

    assert await asyncio.to_thread(run) == 1
    assert err.getvalue().startswith("log.tree_head_signature_invalid")
