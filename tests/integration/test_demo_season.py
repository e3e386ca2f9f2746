"""`goldtrace demo` on the live broker and database: the in-process gateway, two custody workers and the ledger.

The private pipeline trusts the demo home's own platform authority key (as `goldtrace up` makes it), so the demo
signs ARM's events exactly as it would on a real stack. Played twice: the second run finds the season there.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import stat
from dataclasses import replace
from pathlib import Path

import asyncpg
import httpx
import pytest

from services.cli.demo_commands import run
from services.cli.main import build_parser
from services.common.platform_keys import PlatformKeys, anchor_from_trust
from services.common.settings import PipelineSettings
from services.demo.auditor import ensure_auditor_token
from services.demo.home import DemoHome, read_seed
from services.query.audit.auth import authenticate
from services.sandbox.pipeline import private_pipeline
from services.sandbox.processes import Workers
from services.stack.settings import StackSettings

pytestmark = pytest.mark.integration

REFUSALS = ("lot.consumed", "transformation.fine_gold_gain", "certificate.not_valid_at_time", "signature.invalid")
FINDINGS = ("premium.below_rate", "receipt.weight_mismatch", "mine.over_capacity", "pallaqueras.above_monthly_limit")
DUE = ("shipment.not_received", "lot.held_past_certificate")


@pytest.fixture
def demo_settings(stack_settings: StackSettings, tmp_path: Path) -> StackSettings:
    """The test stack's settings with a home of its own, holding fresh platform keys."""
    settings = replace(stack_settings, home=tmp_path / "home")
    PlatformKeys(settings.home / "keys").ensure()
    return settings


@pytest.fixture
async def pipeline(
    demo_settings: StackSettings, kafka_bootstrap: str, scratch_database: str, unique_name: str
) -> PipelineSettings:
    """A private pipeline whose trust anchor is the demo home's authority key."""
    trust = PlatformKeys(demo_settings.home / "keys").ensure()
    return await private_pipeline(
        demo_settings, kafka_bootstrap, scratch_database, unique_name, anchor_from_trust(trust)
    )


async def play(gateway: httpx.AsyncClient, settings: StackSettings, database_url: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    token_file = DemoHome(settings.home).auditor_token_file
    code = await run(
        build_parser().parse_args(["demo", "--timeout", "90"]),
        http=gateway,
        out=out,
        settings=settings,
        auditor=lambda: ensure_auditor_token(database_url, token_file),
    )
    return code, out.getvalue().splitlines()


def summary_of(lines: list[str]) -> list[str]:
    """The summary from the ring on (the same on every run)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Ring "))
    return lines[start:]


async def finding_codes(database_url: str, expected: set[str], seconds: float = 60.0) -> set[str]:
    """The distinct finding codes in PostgreSQL, once they include `expected` (or when time is up)."""
    conn = await asyncpg.connect(database_url)
    found: set[str] = set()
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    found = {r["code"] for r in await conn.fetch("SELECT DISTINCT code FROM findings")}
                    if expected <= found:
                        break
                    await asyncio.sleep(0.3)
        return found
    finally:
        await conn.close()


async def test_the_demo_plays_the_season_and_a_rerun_finds_it_there(
    gateway: httpx.AsyncClient, demo_settings: StackSettings, workers: Workers, pipeline: PipelineSettings
) -> None:
    workers.env["GOLDTRACE_AUDIT_INTERVAL_S"] = "0.5"
    workers.start_ledger()
    workers.start(0)
    workers.start(1)

    code, first = await play(gateway, demo_settings, pipeline.database_url)
    text = "\n".join(first)
    assert code == 0, text
    seed = read_seed(DemoHome(demo_settings.home).seed_file)
    ring = f"ring-01-{seed.tag}"
    assert f"Ring {ring}: verified" in text
    assert "as the rules expect." in text
    for refusal in REFUSALS:
        assert f"  {refusal}  " in text, refusal
    findings = text.split("Findings for the auditor")[1].split("Findings that time made due")[0]
    for finding in FINDINGS:
        assert f"  {finding}  " in findings, finding
    due = text.split("Findings that time made due")[1].split("Audit dashboard")[0]
    for finding in DUE:
        assert f"  {finding}  " in due, finding
    assert "from the rules' replay" not in text  # the gateway reports the findings itself
    assert "already there" not in text
    # What the audit dashboard lists: the events' findings and the audit clock's, in PostgreSQL.
    assert await finding_codes(pipeline.database_url, {*FINDINGS, *DUE}) >= {*FINDINGS, *DUE}
    # And how to open it: an auditor token for ARM on file, readable by its owner only, that the database knows.
    token_file = DemoHome(demo_settings.home).auditor_token_file
    assert f"log in with the auditor token in {token_file}" in text
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    db = await asyncpg.connect(pipeline.database_url)
    try:
        assert (await authenticate(db, token)).role == "auditor"
    finally:
        await db.close()

    code, second = await play(gateway, demo_settings, pipeline.database_url)
    assert code == 0, "\n".join(second)
    assert any(line.startswith("The season was already there:") for line in second)
    assert summary_of(second) == summary_of(first)
    steps = [line for line in second if line.startswith("[")]
    assert all(line.endswith("already there") for line in steps if "signature.invalid" not in line), steps
    assert token_file.read_text().strip() == token  # the token on file still works: kept
