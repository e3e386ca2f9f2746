"""`goldtrace verify`: a bundle file offline, or fetched with --lot (over a mock transport), in words or JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest

from events.signing import public_key_b64
from services.cli import verify_commands
from services.cli.main import build_parser
from tests.unit.events.bundle_builder import BuiltLog, built_log
from tests.unit.events.scenario import Scenario
from tests.unit.events.test_bundle import LOT, chain

SERVER = "http://query.test"


class Ran:
    """Exit code and output of one command."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture(scope="module")
def log() -> BuiltLog:
    scenario = Scenario()
    return built_log(scenario.anchor(), chain(scenario), filler_every=2)


@pytest.fixture
def bundle_file(tmp_path: Path, log: BuiltLog) -> Path:
    path = tmp_path / "bundle.json"
    path.write_bytes(log.bundle_bytes(LOT))
    return path


@pytest.fixture
def trust_file(tmp_path: Path, log: BuiltLog) -> Path:
    path = tmp_path / "trust.json"
    trust = {"authority": "arm", "log_keyid": log.log_keyid, "log_public_key": public_key_b64(log.log_key)}
    path.write_text(json.dumps(trust))
    return path


def run(argv: list[str], handler: Callable[[httpx.Request], httpx.Response] | None = None) -> Ran:
    args = build_parser().parse_args(["verify", *argv])
    out, err = io.StringIO(), io.StringIO()
    http = None if handler is None else httpx.Client(transport=httpx.MockTransport(handler))
    code = verify_commands.run(args, http=http, out=out, err=err)
    return Ran(code, out.getvalue(), err.getvalue())


def test_a_bundle_file_verifies_offline_and_reads_in_plain_words(bundle_file: Path, trust_file: Path) -> None:
    ran = run([str(bundle_file), "--log-key", str(trust_file)])
    assert ran.code == 0, ran.out + ran.err
    lines = ran.out.splitlines()
    assert lines[0] == f"VERIFIED: lot {LOT}"
    assert "Class: Fairmined Ecological" in lines
    assert "Mines: cecomip-ananea 100.00 %" in lines
    assert "Organizations: Cecomip (cecomip) 100.00 %" in lines, "registered names beside the ids"
    assert any(line.startswith("Women's groups: ") and line.endswith(" % of the fine gold") for line in lines)
    assert "Premium evidenced: USD 1,020.00 paid of USD 1,020.00 due at the Fairmined rate" in lines
    assert "Lot: 20.000 g at fineness 750 = 15.000 g of fine gold, held by Joyeria Lima (joyeria-lima)" in lines
    assert lines[-1].startswith("Checked: 6 of 6 steps passed; ")
    assert lines[-1].endswith(" signatures verified.")


def test_the_log_key_can_be_given_itself_or_by_the_trust_file_setting(
    bundle_file: Path, trust_file: Path, log: BuiltLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run([str(bundle_file), f"--log-key={public_key_b64(log.log_key)}"]).code == 0  # it may start with -
    monkeypatch.setenv("GOLDTRACE_TRUST_FILE", str(trust_file))
    assert run([str(bundle_file)]).code == 0


def test_a_changed_bundle_is_not_verified_and_says_why(bundle_file: Path, trust_file: Path) -> None:
    document = orjson.loads(bundle_file.read_bytes())
    document["entries"][3]["event"]["time"] = "2026-03-02T09:00:00Z"
    bundle_file.write_bytes(orjson.dumps(document))
    ran = run([str(bundle_file), "--log-key", str(trust_file)])
    assert ran.code == 1
    assert ran.out.startswith(f"NOT VERIFIED: lot {LOT}\nReasons:\n  - entry 3 (event ")
    assert "[bundle.inclusion_invalid, step 4]" in ran.out


def test_the_json_form_is_the_machine_verdict(bundle_file: Path, trust_file: Path) -> None:
    ran = run([str(bundle_file), "--log-key", str(trust_file), "--json"])
    document = json.loads(ran.out)
    assert (ran.code, document["verified"], document["lot"], document["failures"]) == (0, True, LOT, [])
    assert document["verdict"]["provenance"]["lot_class"] == "fairmined-ecological"
    assert document["signatures_checked"] == document["entries"] + 2


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([], "either a bundle file or --lot"),
        (["b.json", "--lot", LOT], "either a bundle file or --lot"),
        (["b.json", "--server", SERVER], "--server and --save go with --lot"),
        (["--lot", "no/such lot"], "is not a lot id"),
        (["missing.json", "--log-key", "missing-trust.json"], "Cannot read the trust file"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], words: str) -> None:
    ran = run(argv)
    assert ran.code == 2
    assert words in ran.err


def test_a_missing_bundle_file_exits_2(tmp_path: Path, trust_file: Path) -> None:
    ran = run([str(tmp_path / "nowhere.json"), "--log-key", str(trust_file)])
    assert ran.code == 2
    assert "Cannot read the bundle" in ran.err


def test_a_malformed_log_key_exits_2(bundle_file: Path) -> None:
    ran = run([str(bundle_file), "--log-key", "A" * 42 + "B"])  # not canonical base64url
    assert (ran.code, "[key.malformed]" in ran.err) == (2, True)


# -- fetching with --lot -----------------------------------------------------------------------------------------
def serving(body: bytes, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url == f"{SERVER}/v1/lots/{LOT}/bundle"
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    return handler


def test_a_fetched_bundle_is_verified_the_same_way_and_saved(log: BuiltLog, trust_file: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    document = log.bundle_bytes(LOT)
    ran = run(["--lot", LOT, "--server", SERVER, "--save", str(saved), "--log-key", str(trust_file)], serving(document))
    assert ran.code == 0, ran.out + ran.err
    assert ran.out.startswith(f"VERIFIED: lot {LOT}")
    assert saved.read_bytes() == document
    assert run([str(saved), "--log-key", str(trust_file)]).code == 0


def test_a_server_serving_another_lots_bundle_is_caught(log: BuiltLog, trust_file: Path) -> None:
    ran = run(["--lot", LOT, "--server", SERVER, "--log-key", str(trust_file)], serving(log.bundle_bytes("bar-1")))
    assert ran.code == 1
    assert "[bundle.lot_mismatch, step 1]" in ran.out


def test_a_lot_the_server_does_not_know_is_not_verified(trust_file: Path) -> None:
    body = orjson.dumps({"error": "lot.unknown", "detail": "No event names lot 'ring-1'."})
    ran = run(["--lot", LOT, "--server", SERVER, "--log-key", str(trust_file)], serving(body, 404))
    assert ran.code == 1
    assert "The server has no bundle of lot 'ring-1': No event names lot 'ring-1'. [lot.unknown]" in ran.err


def test_a_server_error_or_no_server_exits_2(trust_file: Path) -> None:
    body = orjson.dumps({"error": "log.head_pending", "detail": "Retry in 5 s."})
    ran = run(["--lot", LOT, "--server", SERVER, "--log-key", str(trust_file)], serving(body, 503))
    assert (ran.code, "answered 503" in ran.err, "[log.head_pending]" in ran.err) == (2, True, True)

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    ran = run(["--lot", LOT, "--server", SERVER, "--log-key", str(trust_file)], unreachable)
    assert ran.code == 2
    assert "Cannot fetch the bundle from http://query.test/v1/lots/ring-1/bundle" in ran.err
    assert "Is the query service running" in ran.err


def test_the_command_is_registered(bundle_file: Path, trust_file: Path) -> None:
    from services.cli.main import main

    assert main(["verify", str(bundle_file), "--log-key", str(trust_file), "--json"]) == 0
