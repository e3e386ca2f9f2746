"""`goldtrace keys new`, `goldtrace sign` and `goldtrace check`, run through the real entry point."""

from __future__ import annotations

import io
import json
import stat
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
import rfc8785

from events.codec import decode_event
from events.keys import load_private_key
from events.signing import b64url_encode
from services.cli.main import main
from tests.unit.events._language_fixtures import VECTORS, signed

UNSIGNED = {key: value for key, value in VECTORS[0].event.items() if key != "keyid"}


class Run:
    """Runs `goldtrace ARGS` with bytes on stdin; keeps exit code, stdout bytes and stderr text."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
        self.monkeypatch = monkeypatch
        self.capture = capsysbinary

    def __call__(self, *args: str, stdin: bytes = b"") -> tuple[int, bytes, str]:
        self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(list(args))
        out, err = self.capture.readouterr()
        return code, out, err.decode("utf-8")


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> Run:
    return Run(monkeypatch, capsysbinary)


@pytest.fixture
def key_file(run: Run, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "coop.pem"
    code, out, _ = run("keys", "new", "--out", str(path))
    assert code == 0
    return path, json.loads(out)


def test_keys_new_writes_a_0600_pem_and_prints_the_key_id_and_public_key(
    key_file: tuple[Path, dict[str, str]],
) -> None:
    path, printed = key_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(printed) == {"keyid", "public_key"}
    assert printed["keyid"].startswith("k:")
    assert len(printed["keyid"]) == 18
    key = load_private_key(path)
    raw = key.public_key().public_bytes_raw()
    assert printed["public_key"] == b64url_encode(raw)


def test_keys_new_takes_a_key_id(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("keys", "new", "--out", str(tmp_path / "k.pem"), "--keyid", "cecomip-2026-a")
    assert code == 0
    assert json.loads(out)["keyid"] == "cecomip-2026-a"


def test_keys_new_refuses_an_invalid_key_id_and_writes_nothing(run: Run, tmp_path: Path) -> None:
    code, _, err = run("keys", "new", "--out", str(tmp_path / "k.pem"), "--keyid", "not valid/")
    assert code == 1
    assert err.startswith("keyid.invalid: ")
    assert not (tmp_path / "k.pem").exists()


def test_keys_new_refuses_to_overwrite(run: Run, key_file: tuple[Path, dict[str, str]]) -> None:
    path, _ = key_file
    before = path.read_bytes()
    code, out, err = run("keys", "new", "--out", str(path))
    assert (code, out) == (1, b"")
    assert err.startswith("keyfile.exists: ")
    assert path.read_bytes() == before


def test_sign_then_check_with_the_public_key(run: Run, key_file: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    path, printed = key_file
    code, out, err = run("sign", "--key", str(path), "--keyid", printed["keyid"], stdin=orjson.dumps(UNSIGNED))
    assert code == 0, err
    signed_event = orjson.loads(out)
    assert signed_event["keyid"] == printed["keyid"]
    assert out == rfc8785.dumps(signed_event) + b"\n", "sign writes the RFC 8785 form"
    (tmp_path / "signed.json").write_bytes(out)
    code, report, err = run("check", str(tmp_path / "signed.json"), f"--public-key={printed['public_key']}")
    assert code == 0, err
    event_id, event_type, digest = report.decode().strip().split("\t")
    assert (event_id, event_type) == (UNSIGNED["id"], UNSIGNED["type"])
    assert digest == decode_event(out).digest.hex()


def test_sign_accepts_an_array_and_check_reports_each(
    run: Run, key_file: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path, printed = key_file
    unsigned = [{k: v for k, v in vector.event.items() if k != "signature"} for vector in VECTORS[:3]]
    code, out, err = run("sign", "--key", str(path), "--keyid", "k1", stdin=orjson.dumps(unsigned))
    assert code == 0, err
    assert [event["keyid"] for event in orjson.loads(out)] == ["k1"] * 3
    (tmp_path / "batch.json").write_bytes(out)
    code, report, err = run("check", str(tmp_path / "batch.json"), f"--public-key={printed['public_key']}")
    assert code == 0, err
    assert [line.split("\t")[0] for line in report.decode().splitlines()] == [e["id"] for e in unsigned]


def test_sign_replaces_an_old_signature(run: Run, key_file: tuple[Path, dict[str, str]]) -> None:
    path, printed = key_file
    old = signed(VECTORS[0])
    code, out, _ = run("sign", "--key", str(path), "--keyid", printed["keyid"], stdin=orjson.dumps(old))
    assert code == 0
    assert orjson.loads(out)["signature"] != old["signature"]


@pytest.mark.parametrize(
    ("stdin", "code"),
    [
        (orjson.dumps({**UNSIGNED, "extra": 1}), "event.schema"),
        (b'{"id": 1.5}', "event.float"),
        (b'{"id": "a", "id": "b"}', "event.duplicate_key"),
        (b"not json", "event.malformed_json"),
        (b"[1]", "event.not_object"),
    ],
)
def test_sign_refuses_what_is_not_a_valid_event(
    run: Run, key_file: tuple[Path, dict[str, str]], stdin: bytes, code: str
) -> None:
    path, _ = key_file
    exit_code, out, err = run("sign", "--key", str(path), "--keyid", "k1", stdin=stdin)
    assert (exit_code, out) == (1, b"")
    assert err.startswith(code + ": ")


def test_sign_refuses_a_missing_key_file(run: Run, tmp_path: Path) -> None:
    code, _, err = run("sign", "--key", str(tmp_path / "none.pem"), "--keyid", "k1", stdin=orjson.dumps(UNSIGNED))
    assert code == 1
    assert err.startswith("keyfile.unreadable: ")


def signed_file(tmp_path: Path, event: Any) -> str:
    path = tmp_path / "event.json"
    path.write_bytes(orjson.dumps(event) if not isinstance(event, bytes) else event)
    return str(path)


def test_check_without_a_key_checks_the_schema_only(run: Run, tmp_path: Path) -> None:
    code, report, _ = run("check", signed_file(tmp_path, signed(VECTORS[0])))
    assert code == 0
    assert report.decode().split("\t")[1] == VECTORS[0].event["type"]


def test_check_reads_stdin(run: Run) -> None:
    code, report, _ = run("check", "-", stdin=orjson.dumps(signed(VECTORS[0])))
    assert code == 0
    assert report.startswith(VECTORS[0].event["id"].encode())


def test_check_with_the_wrong_key_fails_with_the_reason(
    run: Run, key_file: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, printed = key_file
    code, report, err = run("check", signed_file(tmp_path, signed(VECTORS[0])), f"--public-key={printed['public_key']}")
    assert (code, report) == (1, b"")
    assert err.startswith("signature.invalid: ")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'{"specversion": "1.0"}', "event.schema"),
        (b'{"a": NaN}', "event.non_finite_number"),
        (b"\xff", "event.invalid_utf8"),
    ],
)
def test_check_reports_decode_refusals(run: Run, tmp_path: Path, content: bytes, code: str) -> None:
    exit_code, _, err = run("check", signed_file(tmp_path, content))
    assert exit_code == 1
    assert err.startswith(code + ": ")


def test_check_reports_each_bad_item_of_a_batch(run: Run, tmp_path: Path) -> None:
    good = signed(VECTORS[0])
    bad = {**good, "extra": True}
    code, report, err = run("check", signed_file(tmp_path, [good, bad, good]))
    assert code == 1
    assert len(report.decode().splitlines()) == 2
    assert err.startswith("event 1: event.schema: ")


def test_check_refuses_a_malformed_public_key_and_a_missing_file(run: Run, tmp_path: Path) -> None:
    code, _, err = run("check", signed_file(tmp_path, signed(VECTORS[0])), "--public-key", "short")
    assert (code, err.split(":")[0]) == (1, "key.malformed")
    code, _, err = run("check", str(tmp_path / "missing.json"))
    assert (code, err.split(":")[0]) == (1, "input.unreadable")
