"""`goldtrace keys new`, `goldtrace sign`, `goldtrace check`: keys, signing and checking events by hand."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.canonical import canonical_bytes
from events.codec import (
    MAX_BATCH_EVENTS,
    SignedEvent,
    decode_batch,
    decode_event,
    first_flaw,
    strict_json,
    validate_event,
)
from events.errors import DecodeError, GoldtraceError
from events.keys import derive_key_id, generate_private_key, load_private_key, write_private_key
from events.model.envelope import MAX_EVENT_BYTES
from events.model.types import ID_PATTERN
from events.signing import load_public_key, public_key_b64, sign_event, verify_event


def register(subparsers: Any) -> None:
    """Register `keys new`, `sign` and `check`."""
    keys = subparsers.add_parser("keys", help="manage Ed25519 signing keys")
    keys_commands = keys.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND")
    new = keys_commands.add_parser(
        "new",
        help="create a private key file (PEM, mode 0600); print its key id and public key as JSON",
        description="Create an Ed25519 key. The key id defaults to k: + 16 hex digits of SHA-256(raw public key).",
    )
    new.add_argument("--out", required=True, type=Path, help="the new PEM file (never overwritten)")
    new.add_argument("--keyid", help="the key id to print (default: derived from the public key)")
    new.set_defaults(handler=keys_new)

    sign = subparsers.add_parser(
        "sign", help="sign an unsigned event (or a JSON array of them) from stdin; write RFC 8785 JSON to stdout"
    )
    sign.add_argument("--key", required=True, type=Path, help="the PEM private key file")
    sign.add_argument("--keyid", required=True, help="the registered id of that key (set as the event's keyid)")
    sign.set_defaults(handler=sign_events)

    check = subparsers.add_parser(
        "check", help="check a signed event (or array) against the v1 contract and, given a key, its signature"
    )
    check.add_argument("file", help="the JSON file, or - for stdin")
    check.add_argument("--public-key", help="the signer's raw Ed25519 public key, base64url")
    check.set_defaults(handler=check_events)


def keys_new(args: argparse.Namespace) -> int:
    """Create a key file and print `{"keyid": ..., "public_key": ...}`."""
    try:
        key_id = _checked_key_id(args.keyid) if args.keyid is not None else None
        private_key = generate_private_key()
        write_private_key(args.out, private_key)
    except GoldtraceError as error:
        return _refuse(error)
    entry = {"keyid": key_id or derive_key_id(private_key.public_key()), "public_key": public_key_b64(private_key)}
    _write_stdout(orjson.dumps(entry) + b"\n")
    return 0


def sign_events(args: argparse.Namespace) -> int:
    """Sign the event or array of events on stdin with the key file; write the signed JSON to stdout."""
    try:
        key_id = _checked_key_id(args.keyid)
        private_key = load_private_key(args.key)
        document = _strict_document(sys.stdin.buffer.read())
        items = document if isinstance(document, list) else [document]
        if len(items) > MAX_BATCH_EVENTS:
            raise DecodeError("batch.too_many_events", f"Sign at most {MAX_BATCH_EVENTS} events at once.")
        signed = [_sign_one(item, key_id, private_key, index, len(items)) for index, item in enumerate(items)]
    except GoldtraceError as error:
        return _refuse(error)
    output = b"[" + b",".join(signed) + b"]" if isinstance(document, list) else signed[0]
    _write_stdout(output + b"\n")
    return 0


def check_events(args: argparse.Namespace) -> int:
    """Decode (and, given a public key, verify) each event; print `id type digest` or the refusal."""
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else _read(Path(args.file))
        key = load_public_key(args.public_key) if args.public_key is not None else None
        batch = data.lstrip()[:1] == b"["
        results: list[SignedEvent | DecodeError] = decode_batch(data) if batch else [_decoded(data)]
    except GoldtraceError as error:
        return _refuse(error)
    failures = 0
    for index, result in enumerate(results):
        where = f"event {index}: " if batch else ""
        try:
            if isinstance(result, GoldtraceError):
                raise result
            if key is not None:
                verify_event(result, key)
        except GoldtraceError as error:
            failures += 1
            _refuse(error, where)
            continue
        _write_stdout(f"{result.event.id}\t{result.event.type}\t{result.digest.hex()}\n".encode())
    return 1 if failures else 0


def _sign_one(item: Any, key_id: str, private_key: Ed25519PrivateKey, index: int, count: int) -> bytes:
    where = f"Event {index}: " if count > 1 else ""
    if not isinstance(item, dict):
        raise DecodeError("event.not_object", f"{where}An event must be a JSON object.")
    unsigned = {key: value for key, value in item.items() if key != "signature"}
    unsigned["keyid"] = key_id
    try:
        validate_event(unsigned)
    except DecodeError as error:
        raise DecodeError(error.code, where + error.detail) from error
    text = canonical_bytes(sign_event(unsigned, private_key))
    if len(text) > MAX_EVENT_BYTES:
        raise DecodeError("event.too_large", f"{where}The signed event is over {MAX_EVENT_BYTES} bytes.")
    decode_event(text)  # the output must be exactly what a gateway accepts
    return text


def _strict_document(data: bytes) -> Any:
    document = strict_json(data)
    flaw = first_flaw(document)
    if flaw is not None:
        raise flaw
    return document


def _decoded(data: bytes) -> SignedEvent | DecodeError:
    try:
        return decode_event(data)
    except DecodeError as error:
        return error


def _checked_key_id(key_id: str) -> str:
    if re.fullmatch(ID_PATTERN[1:-1], key_id) is None:
        raise GoldtraceError(
            "keyid.invalid", f"The key id {key_id!r} is not 1-128 characters of A-Z a-z 0-9 . _ : - ; choose another."
        )
    return key_id


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GoldtraceError("input.unreadable", f"Cannot read {path}: {exc.strerror}.") from exc


def _refuse(error: GoldtraceError, where: str = "") -> int:
    sys.stderr.write(f"{where}{error.code}: {error.detail}\n")
    return 1


def _write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
