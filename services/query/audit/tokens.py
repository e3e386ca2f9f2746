"""Access tokens (pure): the text `gt_<token_id>_<secret>`, the hash that is stored, the constant-time check.

The secret is `secrets.token_urlsafe(32)` (256 random bits), so a plain SHA-256 of the whole token text is
enough to store (nobody can guess a preimage); the token id in clear lets the server find the row without
scanning, and the hashes are compared with `hmac.compare_digest`. The token text itself is never stored or
logged: the operator sees it once, when it is issued.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Final, Literal, get_args

from events.errors import GoldtraceError

Role = Literal["auditor", "participant"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
TOKEN_PREFIX: Final = "gt_"  # noqa: S105 - a prefix, not a secret
MAX_TOKEN_CHARS: Final = 128  # anything longer is refused before any work
_TOKEN_ID_BYTES: Final = 6  # 12 hex digits
_SECRET_BYTES: Final = 32
_TOKEN_PATTERN: Final = re.compile(r"gt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_HASH_CONTEXT: Final = b"goldtrace/access-token/v1\n"


class TokenError(GoldtraceError):
    """A token is missing, malformed, unknown or revoked, or its holder may not read what was asked."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: its id (stored in clear), its full text (shown once) and the hash that is stored."""

    token_id: str
    text: str

    @property
    def digest(self) -> bytes:
        """The SHA-256 the database keeps instead of the text."""
        return token_digest(self.text)


def new_token() -> IssuedToken:
    """A fresh random token."""
    token_id = secrets.token_hex(_TOKEN_ID_BYTES)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return IssuedToken(token_id, f"{TOKEN_PREFIX}{token_id}_{secret}")


def token_digest(text: str) -> bytes:
    """SHA-256 of a token's text (with a context line, so the hash is of nothing but a goldtrace token)."""
    return hashlib.sha256(_HASH_CONTEXT + text.encode()).digest()


def token_id_of(text: str) -> str:
    """The token id inside a token's text; TokenError `auth.token_malformed` when the text is not a token."""
    found = _TOKEN_PATTERN.fullmatch(text) if len(text) <= MAX_TOKEN_CHARS else None
    if found is None:
        raise TokenError(
            "auth.token_malformed",
            "The token is not a goldtrace access token (gt_ followed by its id and secret, as "
            "`goldtrace token issue` printed it); check that it was copied whole.",
        )
    return found.group(1)


def digest_matches(text: str, stored: bytes) -> bool:
    """Whether a token's text hashes to the stored digest (constant time)."""
    return hmac.compare_digest(token_digest(text), stored)


def checked_role(role: str) -> Role:
    """A role name, validated."""
    for known in ROLES:
        if role == known:
            return known
    raise TokenError("token.role_unknown", f"The role {role!r} is not one of {', '.join(ROLES)}.")
