"""`goldtrace verify BUNDLE` / `goldtrace verify --lot ID`: check a lot's provenance bundle, trusting only the log key.

Offline, a bundle file is verified with the platform's log public key alone (events/bundle_verify.py): no network.
With `--lot`, the bundle is fetched from the query service (`GET /v1/lots/{lot}/bundle`) and then verified exactly
the same way; the server is not trusted, only its log key.

Exit status: 0 verified, 1 not verified, 2 on a usage or input/output error (file missing, server unreachable).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TextIO

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from events.bundle import MAX_BUNDLE_BYTES
from events.bundle_parse import parse_bundle
from events.bundle_verify import verify_bundle
from events.errors import GoldtraceError
from events.model.types import ID_PATTERN
from events.signing import load_public_key
from services.cli.verify_report import report_lines
from services.common.settings import platform_keys
from services.stack.errors import StackError
from services.stack.settings import StackSettings

FETCH_TIMEOUT_S: Final = 30.0
MAX_TRUST_FILE_BYTES: Final = 64 * 1024
_PUBLIC_KEY: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")
_LOT_ID: Final = re.compile(ID_PATTERN)


class VerifyUsageError(GoldtraceError):
    """The command line, a file or the server cannot be used (exit 2)."""


class LotNotServedError(VerifyUsageError):
    """The server answered that it has no bundle of the lot (unknown, or never accepted): not verified (exit 1)."""


def register(subparsers: Any) -> None:
    """Register `verify`."""
    verify = subparsers.add_parser(
        "verify",
        help="verify a lot's provenance bundle offline, trusting only the platform's log key",
        description="Verify a provenance bundle: the signed tree head and trust anchor under the log key, each "
        "event's inclusion proof, and the custody rules replayed over its events. Give a bundle file (offline, no "
        "network) or --lot to fetch the lot's bundle from the query service first. Exit 0 verified, 1 not "
        "verified, 2 on a usage or input/output error.",
    )
    verify.add_argument("bundle", nargs="?", metavar="BUNDLE", help="the bundle file (- for stdin)")
    verify.add_argument("--lot", metavar="ID", help="fetch this lot's bundle from the server, then verify it")
    verify.add_argument(
        "--server", metavar="URL", help="with --lot: the query service (default: this stack's, see `goldtrace status`)"
    )
    verify.add_argument("--save", metavar="FILE", type=Path, help="with --lot: also write the fetched bundle here")
    verify.add_argument(
        "--log-key",
        metavar="KEY",
        help="the log's public key (base64url; write --log-key=KEY when it starts with -), or a trust file holding "
        "`log_public_key` (default: GOLDTRACE_TRUST_FILE or this stack's keys/trust.json)",
    )
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(handler=verify_command)


def verify_command(args: argparse.Namespace) -> int:
    """The `verify` handler."""
    return run(args)


def run(
    args: argparse.Namespace,
    http: httpx.Client | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    """Read or fetch, verify, print; `http` replaces the network client (tests pass one with a mock transport)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        _check_usage(args)
        key, keyid = log_key(args.log_key)
        if args.lot is not None:
            document = fetch_bundle(args.server or StackSettings.from_env().query_url, args.lot, http)
            if args.save is not None:
                _write(args.save, document)
        else:
            document = read_bundle(args.bundle, sys.stdin.buffer)
    except GoldtraceError as error:
        err.write(f"goldtrace verify: {error.detail} [{error.code}]\n")
        return 1 if isinstance(error, LotNotServedError) else 2
    except ValueError as error:  # settings from the environment
        err.write(f"goldtrace verify: {error}\n")
        return 2
    verdict = verify_bundle(document, key, keyid, now=now or datetime.now(UTC), lot=args.lot)
    if args.json:
        out.write(orjson.dumps(verdict.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        names = registry_names(document) if verdict.verified else {}
        out.write("\n".join(report_lines(verdict, names)) + "\n")
    return 0 if verdict.verified else 1


def registry_names(document: bytes) -> dict[str, str]:
    """Participant and mine names from a bundle's registry events (trusted once the bundle verified)."""
    names: dict[str, str] = {}
    for entry in parse_bundle(document).entries:
        data = entry.event.get("data")
        key = {"participant.registered": "participant", "mine.registered": "mine"}.get(entry.event_type)
        if key is not None and isinstance(data, dict):
            identifier, name = data.get(key), data.get("name")
            if isinstance(identifier, str) and isinstance(name, str):
                names[identifier] = name
    return names


def _check_usage(args: argparse.Namespace) -> None:
    if (args.bundle is None) == (args.lot is None):
        raise VerifyUsageError("verify.usage", "Give either a bundle file or --lot ID (one of them).")
    if args.lot is None and (args.server is not None or args.save is not None):
        raise VerifyUsageError("verify.usage", "--server and --save go with --lot (fetching a bundle).")
    if args.lot is not None and not _LOT_ID.match(args.lot):
        raise VerifyUsageError(
            "verify.usage", f"{args.lot!r} is not a lot id (1-128 characters of A-Z a-z 0-9 . _ : -)."
        )


def log_key(given: str | None) -> tuple[Ed25519PublicKey, str | None]:
    """The trusted log key (and its key id when a trust file names it): base64url, a trust file, or the default."""
    if given is not None and _PUBLIC_KEY.match(given) and not Path(given).exists():
        return load_public_key(given), None
    path = Path(given) if given is not None else _default_trust_file()
    trust = _read_trust(path)
    public_key = trust.get("log_public_key")
    if not isinstance(public_key, str):
        raise VerifyUsageError(
            "verify.no_log_key", f"{path} holds no `log_public_key`; give the key itself with --log-key."
        )
    keyid = trust.get("log_keyid")
    return load_public_key(public_key), keyid if isinstance(keyid, str) else None


def _default_trust_file() -> Path:
    try:
        stack = StackSettings.from_env()
    except (StackError, ValueError) as error:
        raise VerifyUsageError("verify.no_log_key", f"No log key given and no stack settings: {error}") from error
    configured = os.environ.get("GOLDTRACE_TRUST_FILE")
    return Path(configured) if configured else platform_keys(stack).trust_file


def _read_trust(path: Path) -> dict[str, Any]:
    try:
        data = _read_limited(path, MAX_TRUST_FILE_BYTES)
        trust = orjson.loads(data)
    except OSError as error:
        raise VerifyUsageError(
            "verify.no_log_key",
            f"Cannot read the trust file {path}: {error.strerror}. Give the log's public key with --log-key "
            "(base64url, or a trust file), or run `goldtrace up` to make this stack's keys.",
        ) from error
    except orjson.JSONDecodeError as error:
        raise VerifyUsageError("verify.no_log_key", f"The trust file {path} is not JSON: {error}.") from error
    if not isinstance(trust, dict):
        raise VerifyUsageError("verify.no_log_key", f"The trust file {path} is not a JSON object.")
    return trust


def read_bundle(name: str, stdin: Any) -> bytes:
    """The bundle's bytes from a file (or stdin for `-`), reading at most one byte past the size limit."""
    if name == "-":
        data: bytes = stdin.read(MAX_BUNDLE_BYTES + 1)
        return data
    try:
        return _read_limited(Path(name), MAX_BUNDLE_BYTES + 1)
    except OSError as error:
        raise VerifyUsageError("verify.unreadable", f"Cannot read the bundle {name}: {error.strerror}.") from error


def _read_limited(path: Path, limit: int) -> bytes:
    with path.open("rb") as file:
        return file.read(limit)


def fetch_bundle(server: str, lot: str, http: httpx.Client | None = None) -> bytes:
    """GET {server}/v1/lots/{lot}/bundle; the body's bytes (at most one byte past the size limit)."""
    url = f"{server.rstrip('/')}/v1/lots/{lot}/bundle"
    client = http or httpx.Client(timeout=FETCH_TIMEOUT_S)
    try:
        with client.stream("GET", url) as answer:
            body = _read_body(answer)
            status = answer.status_code
    except httpx.HTTPError as error:
        raise VerifyUsageError(
            "verify.server_unreachable",
            f"Cannot fetch the bundle from {url}: {error}. Is the query service running (`goldtrace status`)? "
            "Or verify a saved bundle file offline.",
        ) from error
    finally:
        if http is None:
            client.close()
    if status == 200:
        return body
    code, detail = _server_error(body)
    if status in (404, 409):
        raise LotNotServedError(code or "verify.lot_not_served", f"The server has no bundle of lot {lot!r}: {detail}")
    raise VerifyUsageError(
        "verify.server_error", f"The server answered {status} to {url}: {detail}" + (f" [{code}]" if code else "")
    )


def _read_body(answer: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BUNDLE_BYTES:
            break
    return b"".join(chunks)[: MAX_BUNDLE_BYTES + 1]


def _server_error(body: bytes) -> tuple[str | None, str]:
    """The `{"error", "detail"}` of an HTTP error body, or its first characters."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, body[:200].decode("utf-8", "replace") or "no explanation."
    if isinstance(document, dict) and isinstance(document.get("detail"), str):
        code = document.get("error")
        return (code if isinstance(code, str) else None), document["detail"]
    return None, body[:200].decode("utf-8", "replace")


def _write(path: Path, document: bytes) -> None:
    try:
        path.write_bytes(document)
    except OSError as error:
        raise VerifyUsageError("verify.unwritable", f"Cannot save the bundle to {path}: {error.strerror}.") from error
