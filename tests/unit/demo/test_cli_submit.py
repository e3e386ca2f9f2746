"""`goldtrace submit`: reading files, argument handling, output and exit codes, against a kernel-backed fake gateway."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from pathlib import Path

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.custody import TrustAnchor
from events.signing import sign_event
from services.cli import submit_commands
from services.cli.main import build_parser, main
from services.demo.builder import Season
from services.demo.signing import SignedPlanned
from tests.unit.demo.fake_gateway import FakeGateway


class Outcome:
    """Exit code and output of one `goldtrace submit` run."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err
        self.rows = [line.split("\t") for line in out.splitlines()]


async def submit(gateway: FakeGateway | httpx.AsyncClient, *argv: str) -> Outcome:
    args = build_parser().parse_args(["submit", *argv])
    out, err = io.StringIO(), io.StringIO()
    http = gateway.client() if isinstance(gateway, FakeGateway) else gateway
    async with http:
        code = await submit_commands.run(args, http=http, out=out, err=err)
    return Outcome(code, out.getvalue(), err.getvalue())


def write(path: Path, events: list[SignedPlanned], *, array: bool = True) -> str:
    if array:
        path.write_bytes(orjson.dumps([event.signed.raw for event in events]))
    else:
        (event,) = events
        path.write_bytes(event.body)
    return str(path)


def by_label(signed: list[SignedPlanned], fragment: str) -> SignedPlanned:
    return next(event for event in signed if fragment in event.planned.label)


@pytest.fixture
def registry(season: Season, signed: list[SignedPlanned], tmp_path: Path) -> str:
    ids = {event.id for step in season.steps[:2] for event in step.events}
    return write(tmp_path / "registry.json", [event for event in signed if event.id in ids])


async def test_events_from_several_files_are_submitted_waited_for_and_listed(
    anchor: TrustAnchor, signed: list[SignedPlanned], registry: str, tmp_path: Path
) -> None:
    extraction = write(tmp_path / "c1.json", [by_label(signed, "cecomip/extract/cecomip-01")], array=False)
    outcome = await submit(FakeGateway(anchor), registry, extraction, "--wait")
    assert outcome.code == 0, outcome.err
    assert len(outcome.rows) == 18
    assert {row[1] for row in outcome.rows} == {"accepted"}
    assert outcome.rows[-1][0] == by_label(signed, "cecomip/extract/cecomip-01").id
    assert outcome.err.strip() == "18 events: 18 accepted"


async def test_without_wait_statuses_are_the_gateways_first_answers(anchor: TrustAnchor, registry: str) -> None:
    gateway = FakeGateway(anchor)
    first = await submit(gateway, registry)
    assert (first.code, {row[1] for row in first.rows}) == (0, {"queued"})
    again = await submit(gateway, registry)
    assert (again.code, {row[1] for row in again.rows}) == (0, {"duplicate"})
    waited = await submit(gateway, registry, "--wait", "--timeout", "5")
    assert (waited.code, {row[1] for row in waited.rows}) == (0, {"accepted"})


async def test_a_refused_event_shows_code_and_sentence_and_exits_1(
    anchor: TrustAnchor, signed: list[SignedPlanned], registry: str, tmp_path: Path
) -> None:
    forged = write(tmp_path / "forged.json", [by_label(signed, "/forged")], array=False)
    outcome = await submit(FakeGateway(anchor), registry, forged)
    assert outcome.code == 1
    event_id, status, reason = outcome.rows[-1]
    assert (event_id, status) == (by_label(signed, "/forged").id, "rejected")
    assert reason.startswith("signature.invalid: The signature does not match")
    assert "1 rejected" in outcome.err


async def test_findings_are_listed_and_json_rows_carry_everything(
    anchor: TrustAnchor, season: Season, signed: list[SignedPlanned], registry: str, tmp_path: Path
) -> None:
    linda = [event for event in signed if event.planned.label.startswith("linda-2/extract/")]
    lots = write(tmp_path / "linda.json", linda)
    outcome = await submit(FakeGateway(anchor), registry, lots, "--wait", "--json")
    assert outcome.code == 0
    rows = [json.loads(line) for line in outcome.out.splitlines()]
    assert rows[-1]["file"] == lots
    assert rows[-1]["index"] == 1
    assert rows[-1]["status"] == "accepted"
    assert [finding["code"] for finding in rows[-1]["findings"]] == ["mine.over_capacity"]
    text = await submit(FakeGateway(anchor), registry, lots, "--wait")
    assert text.rows[-1][2] == "findings: mine.over_capacity"


async def test_an_id_reused_for_other_content_is_refused(
    anchor: TrustAnchor,
    keys: dict[str, Ed25519PrivateKey],
    signed: list[SignedPlanned],
    registry: str,
    tmp_path: Path,
) -> None:
    gateway = FakeGateway(anchor)
    await submit(gateway, registry)
    changed = by_label(signed, "register/cecomip").signed.raw | {"time": "2026-01-01T00:00:00Z"}
    path = tmp_path / "changed.json"
    path.write_bytes(orjson.dumps(sign_event(changed, keys["arm"])))
    outcome = await submit(gateway, str(path))
    assert outcome.code == 1
    assert outcome.rows[0][1:] == ["rejected", "event.id_conflict: The id was used for other content."]


async def test_an_undecodable_item_is_named_by_its_file_and_place(anchor: TrustAnchor, tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text('[{"not": "an event"}]')
    outcome = await submit(FakeGateway(anchor), str(path))
    assert outcome.code == 1
    assert outcome.rows[0][:2] == [f"{path}[0]", "rejected"]
    assert outcome.rows[0][2].startswith("event.schema")


async def test_progress_is_shown_for_many_files(
    anchor: TrustAnchor, signed: list[SignedPlanned], tmp_path: Path
) -> None:
    files = [write(tmp_path / f"e{n}.json", [event], array=False) for n, event in enumerate(signed[:6])]
    outcome = await submit(FakeGateway(anchor), *files)
    assert outcome.code == 0
    assert "submitted 6/6 (100 %)" in outcome.err


@pytest.mark.parametrize(
    ("argv", "sentence"),
    [
        (["--timeout", "5", "FILE"], "--timeout only makes sense with --wait"),
        (["missing.json"], "Cannot read missing.json"),
        (["NOTJSON"], "is not JSON"),
        (["EMPTY"], "The files hold no events"),
    ],
)
async def test_usage_errors_exit_2_with_a_sentence(
    anchor: TrustAnchor, registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], sentence: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "NOTJSON").write_text("{nope")
    (tmp_path / "EMPTY").write_text("[]")
    gateway = FakeGateway(anchor)
    outcome = await submit(gateway, *[registry if arg == "FILE" else arg for arg in argv])
    assert outcome.code == 2
    assert sentence in outcome.err
    assert gateway.batch_sizes == []


async def test_no_gateway_exits_2_saying_how_to_start_one(registry: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse), base_url="http://127.0.0.1:9")
    outcome = await submit(http, registry)
    assert outcome.code == 2
    assert "No gateway answers at http://127.0.0.1:9" in outcome.err
    assert "goldtrace up" in outcome.err


async def test_stdin_is_read_for_a_dash(
    anchor: TrustAnchor, signed: list[SignedPlanned], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(signed[0].body)))
    outcome = await submit(FakeGateway(anchor), "-")
    assert (outcome.code, outcome.rows) == (0, [[signed[0].id, "queued"]])


def test_bad_arguments_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["submit", "--wait", "--timeout", "soon", "x.json"])
    assert exited.value.code == 2
    assert "not a number of seconds" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["submit"])


def test_the_default_gateway_is_the_stacks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOLDTRACE_GATEWAY_PORT", "1")  # nothing listens on port 1
    path = tmp_path / "e.json"
    path.write_text('{"id": "x"}')
    args: argparse.Namespace = build_parser().parse_args(["submit", str(path)])
    err = io.StringIO()
    code = asyncio.run(submit_commands.run(args, out=io.StringIO(), err=err))
    assert code == 2
    assert "http://127.0.0.1:1" in err.getvalue()
