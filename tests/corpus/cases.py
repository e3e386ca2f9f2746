"""The corpus of bad requests (gateway/cases.toml): each case's body, headers and the answer it must get."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent
KNOWN_KEYS = frozenset(
    {
        "name", "why", "status", "error", "item", "text", "file", "replace", "expand", "wrap", "hex_prefix",
        "prefix", "open", "close", "times", "suffix", "content_type", "headers",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One bad request and the answer it must get: `error` for a refused request, `item` for a refused array item."""

    name: str
    why: str
    body: bytes
    headers: dict[str, str]
    status: int
    error: str | None
    item: str | None


def _core(spec: dict[str, Any], folder: Path) -> bytes:
    """The text or file of a case, with its replacements (each must match exactly once) and expansions."""
    core: bytes = (folder / spec["file"]).read_bytes() if "file" in spec else str(spec.get("text", "")).encode()
    for old, new in spec.get("replace", []):
        found = core.count(old.encode())
        if found != 1:
            raise ValueError(f"{spec['name']}: {old!r} occurs {found} times in the body, not once")
        core = core.replace(old.encode(), new.encode())
    if "expand" in spec:
        expand = spec["expand"]
        core = core.replace(expand["marker"].encode(), expand["with"].encode() * expand["times"])
    return b"[" + core + b"]" if spec.get("wrap") else core


def build(spec: dict[str, Any], folder: Path) -> Case:
    """A case from its table: hex_prefix + prefix + open * times + core + close * times + suffix."""
    unknown = set(spec) - KNOWN_KEYS
    if unknown:
        raise ValueError(f"{spec.get('name')}: unknown keys {sorted(unknown)}")
    if ("error" in spec) == ("item" in spec):
        raise ValueError(f"{spec['name']}: give exactly one of error (a refused request) or item (a refused item)")
    times = int(spec.get("times", 0))
    body = b"".join(
        [
            bytes.fromhex(spec.get("hex_prefix", "")),
            spec.get("prefix", "").encode(),
            spec.get("open", "").encode() * times,
            _core(spec, folder),
            spec.get("close", "").encode() * times,
            spec.get("suffix", "").encode(),
        ]
    )
    headers = {"content-type": spec.get("content_type", "application/json"), **spec.get("headers", {})}
    if not headers["content-type"]:
        del headers["content-type"]
    return Case(spec["name"], spec["why"], body, headers, int(spec["status"]), spec.get("error"), spec.get("item"))


def gateway_cases() -> list[Case]:
    """Every case of gateway/cases.toml, in file order (names are unique)."""
    folder = CORPUS / "gateway"
    cases = [build(spec, folder) for spec in tomllib.loads((folder / "cases.toml").read_text())["case"]]
    names = [case.name for case in cases]
    if len(set(names)) != len(names):
        raise ValueError("case names must be unique")
    return cases
