"""`goldtrace audit save-head` and `goldtrace audit check-log`: an auditor keeps signed tree heads and later proves
that the transparency log only grew by appending between them.

check-log trusts nothing the server says: every saved head must carry a valid signature of the log key (from
this stack's trust file, or `--log-key`), the server's consistency proof is checked against the roots of the
*saved* heads, and a server that has no head of a size the log key signed, or two different roots for one size,
has rewritten its history. Exit status: 0 consistent, 1 not (or a head is forged), 2 when the check could not
run (files, server, token).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from events.errors import GoldtraceError
from events.keys import derive_key_id
from events.merkle import LogError, verify_consistency
from events.signing import load_public_key
from events.treehead import SignedTreeHead, decode_tree_head, tree_head_json, verify_tree_head
from services.common.settings import PipelineSettings
from services.stack.settings import StackSettings

TOKEN_ENV: Final = "GOLDTRACE_TOKEN"  # noqa: S105 - the variable name
MAX_HEAD_BYTES: Final = 4096
MAX_HEADS: Final = 1000
TIMEOUT_S: Final = 30.0


class CannotCheckError(GoldtraceError):
    """The check could not run: unreadable files, no trusted key, server or token trouble (exit 2)."""


class LogCheckError(GoldtraceError):
    """The check ran and failed: a forged head, a fork, or a proof that does not hold (exit 1)."""


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """The log key heads must be signed with."""

    public_key: Ed25519PublicKey
    keyid: str


def register(subparsers: Any) -> None:
    """Register `audit save-head` and `audit check-log`."""
    audit = subparsers.add_parser("audit", help="keep signed tree heads and check the log only grew by appending")
    commands = audit.add_subparsers(dest="audit_command", metavar="AUDIT_COMMAND")
    save = commands.add_parser(
        "save-head",
        help="fetch the log's latest signed tree head, check its signature, save it to a file",
        description="Fetch GET /v1/log/head, check it is signed by the log key, and save it (never overwriting).",
    )
    save.add_argument("--out", required=True, type=Path, help="the file to write (must not exist)")
    _common_arguments(save)
    save.set_defaults(handler=save_head)

    check = commands.add_parser(
        "check-log",
        help="prove from saved heads that the log only grew by appending (needs an auditor token)",
        description="Check each saved head's signature, then ask the server (GET /v1/audit/log/consistency) for the "
        "RFC 9162 proof between each pair of consecutive heads and verify it locally against the saved roots. "
        "With one head, check it against the server's latest head. The auditor token comes from $GOLDTRACE_TOKEN "
        "or --token-file. Exit 0 consistent, 1 not, 2 when the check could not run.",
    )
    check.add_argument("--heads", nargs="+", type=Path, metavar="FILE", help="saved heads, in any order")
    check.add_argument("--old", type=Path, metavar="FILE", help="the older saved head")
    check.add_argument("--new", type=Path, metavar="FILE", help="the newer saved head (default: the latest)")
    check.add_argument("--token-file", type=Path, help=f"a file holding the auditor token (default: ${TOKEN_ENV})")
    _common_arguments(check)
    check.set_defaults(handler=check_log)


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", metavar="URL", help="the query service (default: this stack's)")
    parser.add_argument("--log-key", metavar="KEY", help="the log's public key, base64url (default: trust file)")
    parser.add_argument("--log-keyid", metavar="ID", help="its key id (default: the trust file's, or derived)")


def save_head(args: argparse.Namespace) -> int:
    """Fetch, check and save the latest signed head."""
    try:
        key = trusted_key(args)
        if args.out.exists():
            raise CannotCheckError("head.file_exists", f"{args.out} exists; a saved head is never overwritten.")
        with _client(args, None) as http:
            head = _verified(decode_tree_head(_get(http, "/v1/log/head", {})), key, "the server's latest head")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("xb") as out:
            out.write(orjson.dumps(tree_head_json(head), option=orjson.OPT_INDENT_2) + b"\n")
    except (CannotCheckError, LogCheckError, LogError) as error:
        return _report(error)
    except OSError as error:
        return _report(CannotCheckError("head.unwritable", f"Cannot write {args.out}: {error.strerror}."))
    sys.stdout.write(f"Saved the head of {head.tree_size} leaves (root {head.root_hash[:16]}...) to {args.out}.\n")
    return 0


def check_log(args: argparse.Namespace) -> int:
    """Check saved heads pairwise (or one against the latest) with proofs from the server."""
    try:
        files = _head_files(args)
        key = trusted_key(args)
        heads = sorted((_read_head(path, key) for path in files), key=lambda h: h.tree_size)
        with _client(args, _token(args)) as http:
            if len(heads) == 1:
                latest = _proof(http, heads[0].tree_size, None)["to"]
                heads.append(_verified(decode_tree_head(latest), key, "the server's latest head"))
            for older, newer in itertools.pairwise(heads):
                check_pair(http, older, newer)
    except LogCheckError as error:
        return _report(error, "FAILED ")
    except (CannotCheckError, LogError) as error:
        return _report(error)
    sys.stdout.write(
        f"OK: the log only grew by appending from {heads[0].tree_size} to {heads[-1].tree_size} leaves "
        f"({len(heads)} heads checked).\n"
    )
    return 0


def check_pair(http: httpx.Client, older: SignedTreeHead, newer: SignedTreeHead) -> None:
    """Verify the server's consistency proof between two verified heads against their own roots."""
    if older.tree_size == newer.tree_size:
        if older.root_hash != newer.root_hash:
            raise LogCheckError("log.fork", _fork(older.tree_size, older.root_hash, newer.root_hash))
        return
    answer = _proof(http, older.tree_size, newer.tree_size)
    for mine, theirs in ((older, answer["from"]), (newer, answer["to"])):
        if theirs.get("root_hash") != mine.root_hash:
            raise LogCheckError("log.fork", _fork(mine.tree_size, mine.root_hash, str(theirs.get("root_hash"))))
    try:
        proof = [bytes.fromhex(step) for step in answer["consistency_proof"]]
        verify_consistency(older.tree_size, newer.tree_size, older.root, newer.root, proof)
    except (ValueError, TypeError, LogError) as error:
        detail = error.detail if isinstance(error, LogError) else "the proof is not a list of hex hashes"
        raise LogCheckError(
            "log.consistency_invalid",
            f"The server's proof from {older.tree_size} to {newer.tree_size} leaves does not hold ({detail}): the "
            "log was not only appended to between your two heads.",
        ) from error
    sys.stdout.write(f"OK {older.tree_size} -> {newer.tree_size}: {len(proof)} proof hashes verified.\n")


def _fork(size: int, saved: str, served: str) -> str:
    return (
        f"The log key signed two different roots for {size} leaves (yours {saved[:16]}..., the server's "
        f"{served[:16]}...): the log was forked or rewritten."
    )


def trusted_key(args: argparse.Namespace) -> TrustedKey:
    """The log key from --log-key, or this stack's trust file."""
    try:
        if args.log_key is not None:
            public_key = load_public_key(args.log_key)
            return TrustedKey(public_key, args.log_keyid or derive_key_id(public_key))
        settings = PipelineSettings.from_env()
        if not settings.log_public_key:
            raise CannotCheckError("log.key_missing", "The trust file names no log key; pass --log-key.")
        return TrustedKey(load_public_key(settings.log_public_key), args.log_keyid or settings.log_keyid)
    except CannotCheckError:
        raise
    except GoldtraceError as error:
        raise CannotCheckError(error.code, error.detail) from error


def _head_files(args: argparse.Namespace) -> list[Path]:
    if args.heads and (args.old or args.new):
        raise CannotCheckError("usage.heads", "Give either --heads FILE... or --old FILE [--new FILE], not both.")
    files = list(args.heads or [p for p in (args.old, args.new) if p is not None])
    if not files:
        raise CannotCheckError("usage.heads", "Give the saved heads: --heads FILE... or --old FILE [--new FILE].")
    if len(files) > MAX_HEADS:
        raise CannotCheckError("usage.heads", f"Check at most {MAX_HEADS} heads at once.")
    return files


def _read_head(path: Path, key: TrustedKey) -> SignedTreeHead:
    try:
        data = path.read_bytes()[: MAX_HEAD_BYTES + 1]
    except OSError as error:
        raise CannotCheckError("head.unreadable", f"Cannot read {path}: {error.strerror}.") from error
    try:
        if len(data) > MAX_HEAD_BYTES:
            raise ValueError("too large")
        document = orjson.loads(data)
        if not isinstance(document, dict):
            raise ValueError("not an object")
    except ValueError as error:
        raise CannotCheckError("head.malformed", f"{path} is not a saved tree head (a JSON object).") from error
    try:
        return _verified(decode_tree_head(document.get("tree_head", document)), key, str(path))
    except LogError as error:
        raise LogCheckError(error.code, f"{path}: {error.detail}") from error


def _verified(head: SignedTreeHead, key: TrustedKey, what: str) -> SignedTreeHead:
    try:
        verify_tree_head(head, key.public_key, key.keyid)
    except LogError as error:
        raise LogCheckError(error.code, f"{what}: {error.detail}") from error
    return head


def _token(args: argparse.Namespace) -> str:
    try:
        text = args.token_file.read_text().strip() if args.token_file is not None else os.environ.get(TOKEN_ENV, "")
    except OSError as error:
        raise CannotCheckError("token.unreadable", f"Cannot read {args.token_file}: {error.strerror}.") from error
    if not text:
        raise CannotCheckError(
            "token.missing",
            f"check-log needs an auditor token: set ${TOKEN_ENV} or pass --token-file (`goldtrace token issue "
            "--participant ID --role auditor` makes one).",
        )
    return text


def _client(args: argparse.Namespace, token: str | None) -> httpx.Client:
    server = args.server or StackSettings.from_env().query_url
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=server, headers=headers, timeout=TIMEOUT_S)


def _proof(http: httpx.Client, first: int, second: int | None) -> dict[str, Any]:
    params = {"from": first} if second is None else {"from": first, "to": second}
    try:
        return _get(http, "/v1/audit/log/consistency", params)
    except CannotCheckError as error:
        if error.code == "log.head_unknown":  # the log key signed a head the server no longer has
            raise LogCheckError(
                "log.head_missing",
                f"The server has no head of {first} leaves, though the log key signed one: its history was "
                f"rewritten or its heads lost ({error.detail})",
            ) from error
        raise


def _get(http: httpx.Client, path: str, params: dict[str, int]) -> dict[str, Any]:
    try:
        answer = http.get(path, params=params)
    except httpx.HTTPError as error:
        raise CannotCheckError("server.unreachable", f"Cannot reach {http.base_url}: {error}.") from error
    try:
        body = answer.json()
    except ValueError:
        body = None
    if answer.status_code != 200 or not isinstance(body, dict):
        code = body.get("error", "server.error") if isinstance(body, dict) else "server.error"
        detail = body.get("detail", answer.text[:200]) if isinstance(body, dict) else answer.text[:200]
        raise CannotCheckError(str(code), f"{path} answered {answer.status_code}: {detail}")
    return body


def _report(error: GoldtraceError, prefix: str = "") -> int:
    sys.stderr.write(f"{prefix}{error.code}: {error.detail}\n")
    return 1 if isinstance(error, LogCheckError) else 2
