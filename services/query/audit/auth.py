"""Who is calling: the access token from `Authorization: Bearer` or the `goldtrace_token` cookie, as dependencies.

`Authenticated` is any valid token, `AuditorOnly` a token with the auditor role; `require_reader` refuses a
participant token that asks for another participant's records. Missing, malformed, unknown and revoked tokens
answer 401 (with `WWW-Authenticate: Bearer`); a valid token asking for what its role may not read answers 403.
The header wins when both are sent. The cookie is for the dashboard's pages (all reads: nothing a cookie
authenticates may change state without a CSRF check). See README.md in this folder for the access matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from services.common.http import HttpError
from services.ledger.tree_store import Db
from services.query.audit.token_store import find_token
from services.query.audit.tokens import Role, TokenError, digest_matches, token_id_of
from services.query.deps import Pool

TOKEN_COOKIE: Final = "goldtrace_token"  # noqa: S105 - the cookie name
_CHALLENGE: Final = 'Bearer realm="goldtrace"'
_ISSUE_HINT: Final = "the operator issues tokens with `goldtrace token issue --participant ID --role ROLE`"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AccessToken",
    description="An access token from `goldtrace token issue` (auditor or participant role).",
)
_cookie = APIKeyCookie(
    name=TOKEN_COOKIE,
    auto_error=False,
    scheme_name="AccessTokenCookie",
    description="The same access token in a cookie (the audit dashboard's pages).",
)


@dataclass(frozen=True, slots=True)
class Caller:
    """The holder of a valid access token: the participant it was issued for and its role."""

    token_id: str
    participant: str
    role: Role

    @property
    def is_auditor(self) -> bool:
        """Whether the token reads every participant's records."""
        return self.role == "auditor"

    def may_read(self, participant: str) -> bool:
        """Whether the token may read this participant's own records."""
        return self.is_auditor or participant == self.participant


def unauthenticated(code: str, detail: str) -> HttpError:
    """A 401 refusal with the Bearer challenge."""
    challenge = _CHALLENGE if code == "auth.token_missing" else f'{_CHALLENGE}, error="invalid_token"'
    return HttpError(401, code, detail, {"WWW-Authenticate": challenge})


async def authenticate(db: Db, text: str) -> Caller:
    """The caller a token's text stands for; HttpError 401 when it is malformed, unknown or revoked."""
    try:
        token_id = token_id_of(text)
    except TokenError as error:
        raise unauthenticated(error.code, error.detail) from None
    stored = await find_token(db, token_id)
    if stored is None or not digest_matches(text, stored.digest):
        raise unauthenticated(
            "auth.token_invalid",
            f"This access token is not known here (mistyped, or issued by another stack); {_ISSUE_HINT}.",
        )
    if stored.revoked_at is not None:
        raise unauthenticated(
            "auth.token_revoked",
            f"This access token was revoked on {stored.revoked_at:%Y-%m-%d %H:%M} UTC; ask the operator for a new one.",
        )
    return Caller(stored.token_id, stored.participant, stored.role)


async def _caller(
    request: Request,
    pool: Pool,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Caller:
    header = request.headers.get("authorization")
    if header is not None and bearer is None:
        raise unauthenticated(
            "auth.scheme_unsupported",
            "The Authorization header must read `Bearer <token>`, with the token `goldtrace token issue` printed.",
        )
    text = bearer.credentials if bearer is not None else cookie
    if not text:
        raise unauthenticated(
            "auth.token_missing",
            f"This endpoint needs an access token: send `Authorization: Bearer <token>`; {_ISSUE_HINT}.",
        )
    async with pool.acquire() as db:
        return await authenticate(db, text)


async def _auditor(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
    if not caller.is_auditor:
        raise HttpError(
            403,
            "auth.auditor_only",
            f"Only an auditor token may read this; the token presented is a participant token of "
            f"{caller.participant!r}, which reads that participant's own records only.",
        )
    return caller


Authenticated = Annotated[Caller, Depends(_caller)]
AuditorOnly = Annotated[Caller, Depends(_auditor)]


def require_reader(caller: Caller, participant: str) -> None:
    """Refuse (403) a participant token asking for the records of another participant."""
    if not caller.may_read(participant):
        raise HttpError(
            403,
            "auth.not_your_records",
            f"This token reads only the records of {caller.participant!r}; the records of {participant!r} need "
            "an auditor token or that participant's own token.",
        )
