"""The log key vouches for the trust anchor; any change to the statement breaks the signature."""

from __future__ import annotations

from dataclasses import replace

import pytest

from events.anchor import AnchorSignatureError, anchor_json, sign_anchor, verify_anchor
from events.custody.registry import TrustAnchor
from events.keys import derive_key_id, generate_private_key
from events.signing import public_key_b64


def _anchor() -> TrustAnchor:
    key = generate_private_key()
    return TrustAnchor("arm", derive_key_id(key.public_key()), public_key_b64(key))


def test_a_signed_anchor_verifies_under_the_log_key() -> None:
    log = generate_private_key()
    anchor = _anchor()
    signature = sign_anchor(anchor, "log-1", log)
    verify_anchor(anchor, "log-1", signature, log.public_key())
    assert anchor_json(anchor, "log-1", signature)["signature"] == signature


@pytest.mark.parametrize("field", ["participant", "keyid", "public_key"])
def test_a_changed_anchor_is_refused(field: str) -> None:
    log = generate_private_key()
    anchor = _anchor()
    signature = sign_anchor(anchor, "log-1", log)
    other = _anchor()
    changed = replace(anchor, **{field: getattr(other, field) if field != "participant" else "mallory"})
    with pytest.raises(AnchorSignatureError) as caught:
        verify_anchor(changed, "log-1", signature, log.public_key())
    assert caught.value.code == "anchor.signature_invalid"


def test_another_log_key_or_keyid_is_refused() -> None:
    log = generate_private_key()
    anchor = _anchor()
    signature = sign_anchor(anchor, "log-1", log)
    with pytest.raises(AnchorSignatureError):
        verify_anchor(anchor, "log-1", signature, generate_private_key().public_key())
    with pytest.raises(AnchorSignatureError):
        verify_anchor(anchor, "log-2", signature, log.public_key())
