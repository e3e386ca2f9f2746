"""`goldtrace token issue|revoke|list`: the operator's access tokens for the audit API, in the stack's database.

A token is printed once, when it is issued; the database keeps only its SHA-256. Exit status: 0 done, 1 refused
(unknown token, participant not registered), 2 when the database cannot be used.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final, TypeVar

import asyncpg
import orjson

from events.errors import GoldtraceError
from events.model.types import ID_PATTERN
from services.query.audit import token_store
from services.query.audit.tokens import ROLES, IssuedToken, checked_role, token_id_of
from services.stack import postgres
from services.stack.settings import StackSettings

MAX_NOTE_CHARS: Final = 200
_REGISTERED_SQL: Final = """
    SELECT 1 FROM events WHERE type = 'participant.registered' AND subject = $1 AND outcome = 'accepted' LIMIT 1
"""
_T = TypeVar("_T")


def register(subparsers: Any) -> None:
    """Register `token issue`, `token revoke` and `token list`."""
    token = subparsers.add_parser("token", help="issue, revoke and list access tokens of the audit API")
    commands = token.add_subparsers(dest="token_command", metavar="TOKEN_COMMAND")
    issue = commands.add_parser(
        "issue",
        help="issue a token and print it once (only its hash is stored)",
        description="Issue an access token. An auditor token reads every organization's findings, reports and "
        "records; a participant token reads only that participant's own. The token is printed once on stdout.",
    )
    issue.add_argument("--participant", required=True, type=_participant_id, help="who the token is for")
    issue.add_argument("--role", required=True, choices=ROLES, help="auditor or participant")
    issue.add_argument("--note", default="", type=_note, help="a reminder of what the token is for (200 chars)")
    issue.add_argument("--json", action="store_true", help="print {token_id, participant, role, token} as JSON")
    issue.set_defaults(handler=issue_token)

    revoke = commands.add_parser("revoke", help="revoke a token by its id (it stops working at once)")
    revoke.add_argument("token_id", help="the token id (`goldtrace token list` shows them), or the whole token")
    revoke.set_defaults(handler=revoke_token)

    listing = commands.add_parser("list", help="list tokens (id, participant, role, dates), never their secrets")
    listing.add_argument("--participant", type=_participant_id, help="only this participant's tokens")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    listing.add_argument("--json", action="store_true", help="print one JSON object per token")
    listing.set_defaults(handler=list_tokens)


class _CommandFailedError(Exception):
    """A command failed after saying why on stderr; `exit_code` is 1 (refused) or 2 (database unusable)."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


def issue_token(args: argparse.Namespace) -> int:
    """Store a new token and print it."""

    async def issue(db: asyncpg.Connection[asyncpg.Record]) -> IssuedToken:
        if args.role == "participant" and await db.fetchval(_REGISTERED_SQL, args.participant) is None:
            raise GoldtraceError(
                "token.participant_unknown",
                f"Participant {args.participant!r} is not registered in this stack's ledger; check the id, or "
                "register the participant (participant.registered) before giving it a token.",
            )
        return await token_store.issue_token(db, args.participant, checked_role(args.role), args.note)

    try:
        issued = _run(issue)
    except _CommandFailedError as failed:
        return failed.exit_code
    if args.json:
        entry = {"token_id": issued.token_id, "participant": args.participant, "role": args.role, "token": issued.text}
        sys.stdout.write(orjson.dumps(entry).decode() + "\n")
    else:
        sys.stdout.write(issued.text + "\n")
        sys.stderr.write(
            f"Token {issued.token_id} for {args.participant} ({args.role}). It is shown only now: keep it safe. "
            f"Revoke it with `goldtrace token revoke {issued.token_id}`.\n"
        )
    return 0


def revoke_token(args: argparse.Namespace) -> int:
    """Revoke a token by id (or by its whole text)."""

    async def revoke(db: asyncpg.Connection[asyncpg.Record]) -> datetime:
        revoked = await token_store.revoke_token(db, token_id)
        if revoked is None:
            raise GoldtraceError(
                "token.unknown", f"No token has the id {token_id!r}; `goldtrace token list --all` shows them."
            )
        return revoked

    try:
        token_id = _token_id_argument(args.token_id)
        revoked = _run(revoke)
    except _CommandFailedError as failed:
        return failed.exit_code
    sys.stdout.write(f"Token {token_id} revoked at {revoked:%Y-%m-%d %H:%M:%S} UTC.\n")
    return 0


def list_tokens(args: argparse.Namespace) -> int:
    """Print the tokens, oldest first."""
    try:
        found = _run(lambda db: token_store.list_tokens(db, args.participant, args.all))
    except _CommandFailedError as failed:
        return failed.exit_code
    for token in found:
        revoked = None if token.revoked_at is None else token.revoked_at.isoformat()
        if args.json:
            entry = {
                "token_id": token.token_id,
                "participant": token.participant,
                "role": token.role,
                "note": token.note,
                "created_at": token.created_at.isoformat(),
                "revoked_at": revoked,
            }
            sys.stdout.write(orjson.dumps(entry).decode() + "\n")
        else:
            state = "active" if token.revoked_at is None else f"revoked {token.revoked_at:%Y-%m-%d}"
            line = f"{token.token_id}\t{token.participant}\t{token.role}\t{token.created_at:%Y-%m-%d}\t{state}"
            sys.stdout.write(line + ("\t" + token.note if token.note else "") + "\n")
    return 0


def _run(work: Callable[[asyncpg.Connection[asyncpg.Record]], Awaitable[_T]]) -> _T:
    """Run `work` on a connection to the stack's database; on an error say why on stderr and raise."""
    url = postgres.database_url(StackSettings.from_env())

    async def main() -> _T:
        db = await asyncpg.connect(url)
        try:
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except GoldtraceError as error:
        sys.stderr.write(f"{error.code}: {error.detail}\n")
        raise _CommandFailedError(1) from None
    except asyncpg.UndefinedTableError:
        sys.stderr.write(
            "token.no_table: The database has no access_tokens table; apply the migrations with `goldtrace up`.\n"
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        sys.stderr.write(
            f"token.database_unavailable: Cannot use the stack's database ({error}); is the stack up "
            "(`goldtrace status`)?\n"
        )
    raise _CommandFailedError(2)


def _token_id_argument(text: str) -> str:
    """A token id, or the id inside a whole token's text."""
    if re.fullmatch(r"[0-9a-f]{12}", text):
        return text
    try:
        return token_id_of(text)
    except GoldtraceError as error:
        sys.stderr.write(f"token.id_malformed: {text[:16]!r}... is neither a token id (12 hex digits) nor a token.\n")
        raise _CommandFailedError(1) from error


def _participant_id(text: str) -> str:
    """An argparse type: a participant id (1-128 of A-Z a-z 0-9 . _ : -)."""
    if re.fullmatch(ID_PATTERN[1:-1], text) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a participant id (1-128 of A-Z a-z 0-9 . _ : -)")
    return text


def _note(text: str) -> str:
    """An argparse type: a short note."""
    if len(text) > MAX_NOTE_CHARS or not text.isprintable():
        raise argparse.ArgumentTypeError(f"a note is at most {MAX_NOTE_CHARS} printable characters")
    return text
