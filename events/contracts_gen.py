"""Generate contracts/: a JSON Schema (2020-12) per event type, the provenance bundle's, and the signed test vectors.

Run `python -m events.contracts_gen [DIR]` (default: `contracts` in the working directory) after changing
the models or the vector catalogue; a unit test regenerates into a temporary folder and fails on drift.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter

from events.bundle import EVENT_SCHEMA_ID, Bundle
from events.canonical import canonical_bytes, signing_input
from events.contract_vectors import Vector, vector_key, vector_public_key, vectors
from events.model import envelope as model
from events.signing import sign_event

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
GENERATED_FOLDERS: Final = ("schemas", "vectors")

_MODEL_OF_TYPE: Final[dict[str, type[Any]]] = {
    "participant.registered": model.ParticipantRegisteredEvent,
    "participant.key_added": model.ParticipantKeyAddedEvent,
    "participant.key_revoked": model.ParticipantKeyRevokedEvent,
    "mine.registered": model.MineRegisteredEvent,
    "certificate.issued": model.CertificateIssuedEvent,
    "certificate.suspended": model.CertificateStatusEvent,
    "certificate.reinstated": model.CertificateStatusEvent,
    "certificate.withdrawn": model.CertificateStatusEvent,
    "lot.extracted": model.LotExtractedEvent,
    "lot.assayed": model.LotAssayedEvent,
    "lot.shipped": model.LotShippedEvent,
    "lot.received": model.LotReceivedEvent,
    "lot.transformed": model.LotTransformedEvent,
    "lot.exported": model.LotExportedEvent,
}


def event_schema(event_type: str) -> dict[str, Any]:
    """The published JSON Schema of one signed event type."""
    schema = _published(TypeAdapter(_MODEL_OF_TYPE[event_type]).json_schema())
    schema["properties"]["type"] = {"const": event_type, "title": "Type", "type": "string"}
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": f"urn:goldtrace:contract:v1:{event_type}", **schema}


def union_schema() -> dict[str, Any]:
    """The published JSON Schema of any signed v1 event (one of the types, chosen by `type`)."""
    schema = _published(model.EVENT_ADAPTER.json_schema())
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": "urn:goldtrace:contract:v1:event",
        "title": "Event",
        "description": "A signed goldtrace v1 event: a CloudEvents 1.0 envelope whose `type` selects `data`.",
        **schema,
    }


def bundle_schema() -> dict[str, Any]:
    """The published JSON Schema of a provenance bundle (format goldtrace.bundle/v1, events/bundle.py)."""
    schema = Bundle.model_json_schema()
    entry = schema["$defs"]["BundleEntry"]["properties"]
    entry["event"] = {"$ref": EVENT_SCHEMA_ID, "description": "The signed v1 event exactly as logged."}
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": "urn:goldtrace:contract:v1:bundle", **schema}


def signed_vector(vector: Vector) -> dict[str, Any]:
    """The published form of a vector: description, signed event, canonical text, digest, public key."""
    signed = sign_event(vector.event, vector_key(vector.signer))
    return {
        "description": vector.description,
        "event": signed,
        "canonical": signing_input(signed).decode("utf-8"),
        "digest": hashlib.sha256(canonical_bytes(signed)).hexdigest(),
        "public_key": vector_public_key(vector.signer),
    }


def contract_files() -> dict[str, str]:
    """Every generated file under contracts/, by relative path, with its text."""
    files = {f"schemas/{event_type}.json": _json_text(event_schema(event_type)) for event_type in _MODEL_OF_TYPE}
    files["schemas/event.json"] = _json_text(union_schema())
    files["bundle.schema.json"] = _json_text(bundle_schema())
    for vector in vectors():
        files[f"vectors/{vector.name}.json"] = _json_text(signed_vector(vector))
    return files


def write_contracts(root: Path) -> list[Path]:
    """Write every generated file under `root`, removing stale generated JSON files; return what was written."""
    files = contract_files()
    for folder in GENERATED_FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
        for stale in (root / folder).glob("*.json"):
            if f"{folder}/{stale.name}" not in files:
                stale.unlink()
    written = []
    for relative, text in files.items():
        path = root / relative
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _published(schema: dict[str, Any]) -> dict[str, Any]:
    """Adapt pydantic's schema to the wire: optional members are absent (never null); signatures required."""
    cleaned: dict[str, Any] = _without_null_options(schema)
    for definition in [cleaned, *cleaned.get("$defs", {}).values()]:
        properties = definition.get("properties", {})
        if "signature" in properties and "specversion" in properties:
            definition["required"] = [*definition["required"], "signature"]
    return cleaned


def _without_null_options(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_null_options(item) for item in node]
    if not isinstance(node, dict):
        return node
    options = node.get("anyOf")
    if node.get("default", 0) is None and isinstance(options, list) and {"type": "null"} in options:
        kept = [option for option in options if option != {"type": "null"}]
        rest = {key: value for key, value in node.items() if key not in ("anyOf", "default")}
        node = {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}
    return {key: _without_null_options(value) for key, value in node.items()}


def _json_text(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the contracts to the folder given (default `contracts`)."""
    parser = argparse.ArgumentParser(prog="python -m events.contracts_gen", description=__doc__)
    parser.add_argument("root", nargs="?", default="contracts", type=Path, help="the contracts folder")
    args = parser.parse_args(argv)
    written = write_contracts(args.root)
    print(f"wrote {len(written)} files under {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
