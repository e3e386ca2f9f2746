"""`goldtrace demo` against a kernel-backed fake gateway: keys, participants.json, the summary, the rerun, failures."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from events.keys import load_private_key
from events.signing import sign_event
from services.cli import demo_commands
from services.cli.main import build_parser
from services.common.platform_keys import PlatformKeys, anchor_from_trust
from services.demo import cast
from services.demo.home import DemoHome, read_seed
from services.stack.settings import StackSettings
from tests.unit.demo.fake_gateway import FakeGateway


class Played:
    """Exit code and output lines of one demo run."""

    def __init__(self, code: int, out: str) -> None:
        self.code = code
        self.lines = out.splitlines()
        self.text = out

    def summary(self) -> list[str]:
        start = next(i for i, line in enumerate(self.lines) if line.startswith("Ring "))
        return self.lines[start:]


@pytest.fixture
def settings(tmp_path: Path) -> StackSettings:
    return StackSettings.from_env({"GOLDTRACE_HOME": str(tmp_path / "home")})


@pytest.fixture
def gateway(settings: StackSettings) -> FakeGateway:
    trust = PlatformKeys(settings.home / "keys").ensure()
    return FakeGateway(anchor_from_trust(trust), queued_polls=0)


async def play(settings: StackSettings, http: httpx.AsyncClient, *argv: str) -> Played:
    out = io.StringIO()
    async with http:
        args = build_parser().parse_args(["demo", *argv])
        code = await demo_commands.run(args, http=http, out=out, settings=settings)
    return Played(code, out.getvalue())


async def test_the_demo_plays_the_season_and_prints_what_to_look_at(
    settings: StackSettings, gateway: FakeGateway
) -> None:
    played = await play(settings, gateway.client())
    assert played.code == 0, played.text
    tag = read_seed(DemoHome(settings.home).seed_file).tag
    assert f"Ring ring-01-{tag}: verified" in played.text
    assert "59 events, 55 accepted, 4 refused, as the rules expect." in played.text
    attempts = played.text.split("Refused attempts")[1].split("Findings")[0]
    for code in ("lot.consumed", "transformation.fine_gold_gain", "certificate.not_valid_at_time", "signature.invalid"):
        assert f"\n  {code}  " in attempts
    findings = played.text.split("Findings for the auditor (accepted, but flagged):")[1].split("Findings that")[0]
    for code in (
        "premium.below_rate",
        "receipt.weight_mismatch",
        "mine.over_capacity",
        "pallaqueras.above_monthly_limit",
    ):
        assert f"\n  {code}  " in findings
    due = played.text.split("Findings that time made due")[1].split("Audit dashboard")[0]
    assert f"\n  shipment.not_received  Lot 'bar-1kg-02-{tag}' was shipped by" in due
    assert f"\n  lot.held_past_certificate  Certified lot 'cruz-pata-03-{tag}'" in due
    assert f"open {settings.query_url}/audit" in played.text
    assert f"goldtrace verify --lot ring-01-{tag}" in played.text
    assert f"{settings.gateway_url}/v1/events/" in played.text
    assert settings.query_url in played.text
    assert gateway.batch_sizes[:2] == [14, 3]  # registry first: ARM's request, then the certifier's
    assert len(gateway.batch_sizes) == 28  # then one request per party step


async def test_a_rerun_finds_the_season_there_and_prints_the_same_summary(
    settings: StackSettings, gateway: FakeGateway
) -> None:
    first = await play(settings, gateway.client())
    claims = dict(gateway.claims)
    second = await play(settings, gateway.client())
    assert second.code == 0, second.text
    assert gateway.claims == claims  # nothing new was claimed: every event was a duplicate (or refused at the door)
    assert "The season was already there: 58 of 59 events were answered as duplicates" in second.text
    assert second.summary() == first.summary()


def key_file_modes(listing: list[dict[str, str]]) -> set[int]:
    return {stat.S_IMODE(Path(entry["key_file"]).stat().st_mode) for entry in listing}


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


async def test_keys_are_kept_0600_and_listed_for_signing_further_events(
    settings: StackSettings, gateway: FakeGateway
) -> None:
    await play(settings, gateway.client())
    demo = DemoHome(settings.home)
    listing = read_json(demo.participants_file)
    assert [entry["participant"] for entry in listing] == [member.participant for member in cast.CAST]
    assert key_file_modes(listing) == {0o600}
    for entry in listing:
        assert gateway.state.registry.keys[entry["keyid"]].participant == entry["participant"]
    arm = next(entry for entry in listing if entry["participant"] == cast.AUTHORITY)
    assert arm["key_file"] == str(settings.home / "keys" / "authority.pem")
    cecomip = next(entry for entry in listing if entry["participant"] == cast.CECOMIP)
    assert cecomip["mines"] == [cast.CECOMIP_MINE]
    assert set(cecomip["groups"]) == {cast.BATEADORAS, cast.COOPERATIVES}

    # What "try next" suggests: sign the example with CECOMIP's key and submit it.
    example = read_json(demo.example_file)
    signed = sign_event(example | {"keyid": cecomip["keyid"]}, load_private_key(Path(cecomip["key_file"])))
    (answer,) = gateway.handle(httpx.Request("POST", "http://g/v1/events", content=orjson.dumps([signed]))).json()
    assert answer["status"] == "queued"
    assert gateway.decided[signed["id"]]["status"] == "accepted"


async def test_without_the_platform_key_the_demo_says_to_run_goldtrace_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = StackSettings.from_env({"GOLDTRACE_HOME": str(tmp_path / "empty")})
    played = await play(settings, httpx.AsyncClient(base_url="http://unused.test"))
    assert played.code == 2
    err = capsys.readouterr().err
    assert "goldtrace up" in err
    assert "[demo.no_authority_key]" in err


async def test_without_a_gateway_the_demo_says_how_to_start_it(
    settings: StackSettings, gateway: FakeGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse), base_url="http://127.0.0.1:18081")
    played = await play(settings, http)
    assert played.code == 2
    err = capsys.readouterr().err
    assert "No gateway answers at http://127.0.0.1:18081" in err
    assert "make demo" in err


async def test_a_gateway_that_trusts_another_authority_is_reported_not_hidden(
    settings: StackSettings, gateway: FakeGateway, tmp_path: Path
) -> None:
    other = anchor_from_trust(PlatformKeys(tmp_path / "other-keys").ensure())
    stranger = FakeGateway(other, queued_polls=0)
    played = await play(settings, stranger.client())
    assert played.code == 1
    assert "not as expected:" in played.text
    assert "expected accepted, got rejected key." in played.text
    assert "NOT verified" in played.text
    assert "does not trust this stack's authority key" in played.text


async def test_while_the_gateway_lists_no_findings_they_come_from_the_replay(
    settings: StackSettings, gateway: FakeGateway
) -> None:
    base = gateway.handle

    def without_findings(request: httpx.Request) -> httpx.Response:
        answer = base(request)
        body = answer.json()
        if request.method == "GET" and isinstance(body, dict) and "findings" in body:
            return httpx.Response(200, json=body | {"findings": []})
        return answer

    http = httpx.AsyncClient(transport=httpx.MockTransport(without_findings), base_url="http://gateway.test")
    played = await play(settings, http)
    assert played.code == 0, played.text
    assert "from the rules' replay of the season" in played.text
    assert "\n  mine.over_capacity  " in played.text


async def test_an_undecided_step_stops_the_demo_with_a_sentence(
    settings: StackSettings, gateway: FakeGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    stuck = FakeGateway(gateway.anchor, queued_polls=10**9)
    played = await play(settings, stuck.client(), "--timeout", "0.3")
    assert played.code == 2
    assert "did not decide" in capsys.readouterr().err


async def test_the_summary_says_how_to_open_the_dashboard_with_the_auditor_token(
    settings: StackSettings, gateway: FakeGateway
) -> None:
    without = await play(settings, gateway.client())
    assert "  with an auditor token: goldtrace token issue --participant arm --role auditor" in without.lines
    token_file = DemoHome(settings.home).auditor_token_file

    async def issued() -> Path:
        return token_file

    out = io.StringIO()
    async with gateway.client() as http:
        args = build_parser().parse_args(["demo"])
        code = await demo_commands.run(args, http=http, out=out, settings=settings, auditor=issued)
    assert code == 0
    lines = out.getvalue().splitlines()
    assert any(line.endswith(f"CSV): open {settings.query_url}/audit") for line in lines)
    assert f"  and log in with the auditor token in {token_file}" in lines
