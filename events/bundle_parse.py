"""Step 1 of bundle verification: bytes -> a `Bundle`, refusing what is too large, not JSON or off the format.

Every refusal is a `BundleError` with a stable `bundle.*` code and a sentence that says where the bytes went wrong.
Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Any, Final

import orjson
from pydantic import ValidationError

from events.bundle import BUNDLE_FORMAT, MAX_BUNDLE_BYTES, MAX_BUNDLE_ENTRIES, Bundle, BundleEntry
from events.errors import GoldtraceError

MAX_SCHEMA_ERRORS_SHOWN: Final = 3

# Every code a BundleError may carry, with what it means (events/reasons.py lists them).
BUNDLE_CODES: Final[dict[str, str]] = {
    "bundle.too_large": "the bundle file is larger than 32 MiB",
    "bundle.malformed_json": "the bundle is not valid UTF-8 JSON (the sentence says where it breaks)",
    "bundle.duplicate_key": "an object of the bundle names the same member twice",
    "bundle.unsupported_format": "the bundle's `format` is not `goldtrace.bundle/v1`",
    "bundle.too_many_entries": "the bundle holds more than 20,000 entries",
    "bundle.schema": "the bundle does not match the goldtrace.bundle/v1 schema (the sentence names the member)",
    "bundle.lot_mismatch": "the bundle proves another lot than the one asked for",
    "bundle.entries_unordered": "the entries are not in strictly increasing leaf index order "
    "(moved or repeated entries)",
    "bundle.anchor_wrong_log_key": "the anchor statement names another log key than the tree head",
    "bundle.event_malformed": "an entry's event is not a well-formed signed v1 event",
    "bundle.leaf_out_of_range": "an entry's leaf index lies outside the signed tree",
    "bundle.inclusion_invalid": "an entry's inclusion proof does not lead to the signed root: the event, its "
    "registry position, its leaf index or the proof was changed",
    "bundle.entry_refused": "the replay refuses an entry outside the lot's own history, though the log accepted it",
    "bundle.entry_unrelated": "an entry is not part of the lot's provenance (the lot id or the entries were changed)",
}


class BundleError(GoldtraceError):
    """A bundle cannot be verified: a `bundle.*` code (or a log or anchor code) and a sentence."""


def parse_bundle(document: bytes) -> Bundle:
    """Parse and validate bundle bytes (size, JSON, duplicate members, format, schema, entry order)."""
    if len(document) > MAX_BUNDLE_BYTES:
        raise BundleError(
            "bundle.too_large",
            f"The bundle is {len(document):,} bytes; a bundle may be at most {MAX_BUNDLE_BYTES:,} bytes (32 MiB).",
        )
    try:
        parsed = orjson.loads(document)
    except orjson.JSONDecodeError as exc:
        raise BundleError(
            "bundle.malformed_json",
            f"The bundle is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} (byte {exc.pos}); "
            "the file was cut short or changed.",
        ) from exc
    if len(orjson.dumps(parsed)) != len(document):
        _refuse_duplicate_members(document)
    return _validated(parsed)


def _refuse_duplicate_members(document: bytes) -> None:
    """Raise `bundle.duplicate_key` if an object repeats a member (only texts not in compact form get here).

    orjson keeps the last of repeated members; its compact write of what it read is never longer than the text
    (integers, strings, booleans, null; floats fail the schema anyway), so a text exactly as long as that write
    repeated nothing and this slower check is skipped.
    """
    try:
        json.loads(document, object_pairs_hook=_unique_members)
    except RecursionError as exc:
        raise BundleError("bundle.malformed_json", "The bundle nests objects and arrays too deeply.") from exc


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for key, value in pairs:
        if key in members:
            raise BundleError(
                "bundle.duplicate_key",
                f"The member {key!r} appears twice in one object of the bundle; a reader could take either value.",
            )
        members[key] = value
    return members


def _validated(parsed: Any) -> Bundle:
    if not isinstance(parsed, dict):
        raise BundleError("bundle.schema", "The bundle must be a JSON object; this JSON value is not one.")
    if parsed.get("format") != BUNDLE_FORMAT:
        raise BundleError(
            "bundle.unsupported_format",
            f"The bundle's format is {parsed.get('format')!r}; this verifier reads {BUNDLE_FORMAT!r} only. "
            "Update goldtrace, or fetch the bundle again.",
        )
    entries = parsed.get("entries")
    if isinstance(entries, list) and len(entries) > MAX_BUNDLE_ENTRIES:
        raise BundleError(
            "bundle.too_many_entries",
            f"The bundle holds {len(entries):,} entries; a bundle may hold at most {MAX_BUNDLE_ENTRIES:,}.",
        )
    try:
        bundle = Bundle.model_validate(parsed)
    except ValidationError as exc:
        raise BundleError("bundle.schema", _schema_sentence(exc)) from exc
    _check_order(bundle.entries)
    return bundle


def _schema_sentence(exc: ValidationError) -> str:
    errors = exc.errors()
    shown = [f"at {'.'.join(str(p) for p in e['loc']) or 'the top level'}: {e['msg']}" for e in errors]
    more = len(shown) - MAX_SCHEMA_ERRORS_SHOWN
    listed = "; ".join(shown[:MAX_SCHEMA_ERRORS_SHOWN]) + (f"; and {more} more" if more > 0 else "")
    return f"The bundle does not match the {BUNDLE_FORMAT} format {listed}."


def _check_order(entries: list[BundleEntry]) -> None:
    for number in range(1, len(entries)):
        before, entry = entries[number - 1], entries[number]
        if entry.leaf_index <= before.leaf_index:
            raise BundleError(
                "bundle.entries_unordered",
                f"Entry {number} (leaf {entry.leaf_index}) follows entry {number - 1} (leaf {before.leaf_index}); "
                "entries are sorted by leaf index, each once: entries were moved or repeated.",
            )
