"""`goldtrace demo` on the live broker and database: the in-process gateway, two custody workers and the ledger.

The private pipeline trusts the demo home's own platform authority key (as `goldtrace up` makes it), so the demo
signs ARM's events exactly as it would on a real stack. Played twice: the second run finds the season there.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from services.cli.demo_commands import run
from services.cli.main import build_parser
from services.common.platform_keys import PlatformKeys, anchor_from_trust
from services.common.settings import PipelineSettings
from services.demo.home import DemoHome, read_seed
from services.sandbox.pipeline import private_pipeline
from services.sandbox.processes import Workers
from services.stack.settings import StackSettings

pytestmark = pytest.mark.integration

REFUSALS = ("lot.consumed", "transformation.fine_gold_gain", "certificate.not_valid_at_time", "signature.invalid")
FINDINGS = ("premium.below_rate", "receipt.weight_mismatch", "mine.over_capacity")


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


async def play(gateway: httpx.AsyncClient, settings: StackSettings) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = await run(build_parser().parse_args(["demo", "--timeout", "90"]), http=gateway, out=out, settings=settings)
    return code, out.getvalue().splitlines()


def summary_of(lines: list[str]) -> list[str]:
    """The summary from the ring on (the same on every run)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Ring "))
    return lines[start:]


async def test_the_demo_plays_the_season_and_a_rerun_finds_it_there(
    gateway: httpx.AsyncClient, demo_settings: StackSettings, workers: Workers
) -> None:
    workers.start_ledger()
    workers.start(0)
    workers.start(1)

    code, first = await play(gateway, demo_settings)
    text = "\n".join(first)
    assert code == 0, text
    seed = read_seed(DemoHome(demo_settings.home).seed_file)
    ring = f"ring-01-{seed.tag}"
    assert f"Ring {ring}: verified" in text
    assert "as the rules expect." in text
    for refusal in REFUSALS:
        assert f"  {refusal}  " in text, refusal
    findings = text.split("Findings for the auditor")[1].split("Try next:")[0]
    for finding in FINDINGS:
        assert f"  {finding}  " in findings, finding
    assert "from the rules' replay" not in text  # the gateway reports the findings itself
    assert "already there" not in text

    code, second = await play(gateway, demo_settings)
    assert code == 0, "\n".join(second)
    assert any(line.startswith("The season was already there:") for line in second)
    assert summary_of(second) == summary_of(first)
    steps = [line for line in second if line.startswith("[")]
    assert all(line.endswith("already there") for line in steps if "signature.invalid" not in line), steps
