"""Access tokens: their text, the id inside it, the stored hash and the constant-time check."""

from __future__ import annotations

import pytest

from services.query.audit.tokens import (
    TokenError,
    checked_role,
    digest_matches,
    new_token,
    token_digest,
    token_id_of,
)


def test_a_new_token_is_random_prefixed_and_names_its_id() -> None:
    first, second = new_token(), new_token()
    assert first.text != second.text
    assert first.token_id != second.token_id
    assert first.text.startswith(f"gt_{first.token_id}_")
    assert len(first.text) == len("gt_") + 12 + 1 + 43
    assert token_id_of(first.text) == first.token_id


def test_only_the_hash_is_kept_and_it_matches_only_the_same_text() -> None:
    token = new_token()
    assert len(token.digest) == 32
    assert token.text.encode() not in token.digest
    assert digest_matches(token.text, token.digest)
    altered = token.text[:-1] + ("A" if token.text[-1] != "A" else "B")
    assert not digest_matches(altered, token.digest)
    assert not digest_matches(new_token().text, token.digest)
    assert token_digest(token.text) == token.digest


@pytest.mark.parametrize(
    "text",
    [
        "",
        "gt_",
        "Bearer gt_0123456789ab_" + "a" * 43,
        "gt_0123456789ab_" + "a" * 42,  # secret one short
        "gt_0123456789ab_" + "a" * 44,
        "gt_0123456789AB_" + "a" * 43,  # upper-case id
        "xx_0123456789ab_" + "a" * 43,
        "gt_0123456789ab_" + "a" * 42 + "=",
        "gt_0123456789ab_" + "a" * 2000,
    ],
)
def test_text_that_is_not_a_token_is_refused_with_a_sentence(text: str) -> None:
    with pytest.raises(TokenError) as refused:
        token_id_of(text)
    assert refused.value.code == "auth.token_malformed"
    assert "goldtrace token issue" in refused.value.detail


def test_roles_are_auditor_and_participant_only() -> None:
    assert checked_role("auditor") == "auditor"
    assert checked_role("participant") == "participant"
    with pytest.raises(TokenError) as refused:
        checked_role("admin")
    assert refused.value.code == "token.role_unknown"
