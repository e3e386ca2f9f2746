"""contracts/: generated schemas and vectors do not drift, and the vectors verify with independent code."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest
import rfc8785
from jsonschema import Draft202012Validator

from events.codec import decode_event
from events.contracts_gen import contract_files, main, write_contracts
from events.model.envelope import EVENT_TYPES
from events.model.types import MAX_SAFE_INTEGER

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"
NODE_CHECK = CONTRACTS / "verify-node"
VECTOR_FILES = sorted((CONTRACTS / "vectors").glob("*.json"))


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


VECTORS = {path.name: load(path) for path in VECTOR_FILES}


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_the_committed_contracts_match_a_fresh_generation(tmp_path: Path) -> None:
    written = write_contracts(tmp_path)
    fresh = {str(path.relative_to(tmp_path)) for path in written}
    committed = {
        str(p.relative_to(CONTRACTS)) for folder in ("schemas", "vectors") for p in (CONTRACTS / folder).glob("*.json")
    }
    committed |= {p.name for p in CONTRACTS.glob("*.json")}  # bundle.schema.json
    assert committed == fresh, "run `python -m events.contracts_gen` and commit contracts/"
    drifted = [name for name in sorted(fresh) if (CONTRACTS / name).read_bytes() != (tmp_path / name).read_bytes()]
    assert drifted == [], f"contracts drifted from the code: {drifted}; run `python -m events.contracts_gen`"


def test_generation_is_deterministic_and_removes_stale_files(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "lot.stale.json").write_text("{}")
    (tmp_path / "README.md").write_text("kept")
    assert main([str(tmp_path)]) == 0
    assert not (tmp_path / "schemas" / "lot.stale.json").exists()
    assert (tmp_path / "README.md").read_text() == "kept"
    assert contract_files() == contract_files()


def test_there_are_at_least_12_vectors_covering_every_event_type() -> None:
    assert len(VECTORS) >= 12
    assert {vector["event"]["type"] for vector in VECTORS.values()} == set(EVENT_TYPES)


def test_each_vector_file_has_exactly_the_published_members() -> None:
    for name, vector in VECTORS.items():
        assert list(vector) == ["description", "event", "canonical", "digest", "public_key"], name
        assert isinstance(vector["description"], str)
        assert vector["description"]


def all_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [key, *all_strings(item)]]
    if isinstance(value, list):
        return [s for item in value for s in all_strings(item)]
    return []


def all_ints(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [n for child in children for n in all_ints(child)]


def test_the_vectors_cover_non_ascii_astral_text_and_edge_values() -> None:
    strings = [s for vector in VECTORS.values() for s in all_strings(vector["event"])]
    ints = [n for vector in VECTORS.values() for n in all_ints(vector["event"])]
    assert any(ch in "áéíóúñÑ" for s in strings for ch in s), "Spanish accents"
    assert any(ord(ch) > 0xFFFF for s in strings for ch in s), "an astral character"
    assert any('"' in s for s in strings), "a character that needs escaping"
    assert MAX_SAFE_INTEGER in ints
    assert 1 in ints
    events = [vector["event"] for vector in VECTORS.values()]
    finenesses = {e["data"].get("fineness") for e in events}
    assert {"1000", "0.0001"} <= finenesses
    assert any(len(e["subject"]) == 1 for e in events)
    assert any(len(e["subject"]) == 128 for e in events)
    times = [e["time"] for e in events] + [e["data"].get("valid_from", "") for e in events]
    assert any("." in t for t in times), "a fractional-second timestamp"


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vectors_verify_with_rfc8785_and_libsodium(name: str) -> None:
    vector = VECTORS[name]
    event = vector["event"]
    unsigned = {key: value for key, value in event.items() if key != "signature"}
    canonical = rfc8785.dumps(unsigned)
    assert canonical.decode("utf-8") == vector["canonical"]
    assert hashlib.sha256(rfc8785.dumps(event)).hexdigest() == vector["digest"]
    verify_key = nacl.signing.VerifyKey(b64url(vector["public_key"]))
    verify_key.verify(canonical, b64url(event["signature"]))
    with pytest.raises(nacl.exceptions.BadSignatureError):
        verify_key.verify(canonical + b" ", b64url(event["signature"]))


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vectors_decode_with_our_codec_to_the_published_forms(name: str) -> None:
    vector = VECTORS[name]
    decoded = decode_event(json.dumps(vector["event"], ensure_ascii=False).encode("utf-8"))
    assert decoded.signing_input == vector["canonical"].encode("utf-8")
    assert decoded.digest.hex() == vector["digest"]


def test_vectors_verify_with_node_crypto_and_the_npm_canonicalize_package() -> None:
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js is not installed, so the independent Node.js verification cannot run here")
    if not (NODE_CHECK / "node_modules" / "canonicalize").is_dir():
        installed = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=NODE_CHECK,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert installed.returncode == 0, f"npm ci failed in {NODE_CHECK}:\n{installed.stderr}"
    checked = subprocess.run(
        [node, "verify.mjs", str(CONTRACTS / "vectors")],
        cwd=NODE_CHECK,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [json.loads(line) for line in checked.stdout.splitlines()]
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert lines[-1] == {"vectors": len(VECTORS), "failed": 0}


def schema(name: str) -> Draft202012Validator:
    document = load(CONTRACTS / "schemas" / name)
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def test_every_schema_is_valid_json_schema_2020_12_and_accepts_its_vectors() -> None:
    union = schema("event.json")
    assert {p.stem for p in (CONTRACTS / "schemas").glob("*.json")} == {*EVENT_TYPES, "event"}
    for name, vector in VECTORS.items():
        event = vector["event"]
        assert list(union.iter_errors(event)) == [], name
        assert list(schema(f"{event['type']}.json").iter_errors(event)) == [], name


def mutated(path: list[str | int], value: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(VECTORS["lot-extracted.json"]["event"])
    node: Any = event
    for part in path[:-1]:
        node = node[part]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return event


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["data", "mass_mg"], 1.5),
        (["data", "mass_mg"], MAX_SAFE_INTEGER + 1),
        (["data", "mass_mg"], "66000"),
        (["data", "certificate"], None),
        (["data", "fineness"], "1000.1"),
        (["data", "extra"], 1),
        (["extra"], 1),
        (["signature"], ...),
        (["signature"], "A" * 85 + "B"),
        (["type"], "lot.mined"),
        (["id"], "x" * 129),
    ],
)
def test_the_schemas_refuse_what_the_models_refuse(path: list[str | int], value: Any) -> None:
    event = mutated(path, value)
    assert list(schema("event.json").iter_errors(event)) != []
    if path != ["type"]:
        assert list(schema("lot.extracted.json").iter_errors(event)) != []


def test_per_type_schemas_fix_the_type() -> None:
    suspended = next(v["event"] for v in VECTORS.values() if v["event"]["type"] == "certificate.suspended")
    assert list(schema("certificate.suspended.json").iter_errors(suspended)) == []
    assert list(schema("certificate.withdrawn.json").iter_errors(suspended)) != []
