"""contracts/openapi/: the committed OpenAPI documents match the apps, and say what refusals really look like."""

from __future__ import annotations

import json
from pathlib import Path

from services.common.openapi import SERVICES, main, openapi_files

OPENAPI = Path(__file__).resolve().parents[3] / "contracts" / "openapi"


def test_the_committed_openapi_documents_match_a_fresh_generation(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 0
    fresh = sorted(path.name for path in tmp_path.glob("*.json"))
    assert fresh == sorted(f"{name}.json" for name in SERVICES)
    assert sorted(path.name for path in OPENAPI.glob("*.json")) == fresh, "run `python -m services.common.openapi`"
    drifted = [name for name in fresh if (OPENAPI / name).read_bytes() != (tmp_path / name).read_bytes()]
    assert drifted == [], f"OpenAPI drifted from the apps: {drifted}; run `python -m services.common.openapi`"


def test_generation_is_deterministic_and_removes_stale_documents(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text("{}")
    assert main([str(tmp_path)]) == 0
    assert not (tmp_path / "old.json").exists()
    assert openapi_files() == openapi_files()


def test_malformed_parameters_are_documented_as_error_bodies() -> None:
    for text in openapi_files().values():
        document = json.loads(text)
        assert "HTTPValidationError" not in text
        for path in document["paths"].values():
            for operation in path.values():
                invalid = operation["responses"].get("422")
                if invalid is None or "text/html" in invalid["content"]:  # the /verify pages answer in HTML
                    continue
                schema = invalid["content"]["application/json"]["schema"]
                assert schema["$ref"] in {"#/components/schemas/ErrorBody", "#/components/schemas/EventRefusal"}
