"""Step 3: the signer holds the role the event type needs."""

from __future__ import annotations

from typing import Final

from events.custody.refusal import CustodyError
from events.custody.registry import CUSTODY_ROLES, Registry

ROLE_NEEDED: Final[dict[str, str]] = {
    "participant.registered": "authority",
    "participant.key_added": "authority",
    "mine.registered": "authority",
    "certificate.issued": "certifier",
    "certificate.suspended": "certifier",
    "certificate.reinstated": "certifier",
    "certificate.withdrawn": "certifier",
    "lot.extracted": "asmo",
}


def check_role(registry: Registry, event_type: str, signer: str, subject: str) -> None:
    """Refuse the event unless its signer holds the role its type needs (custody events: a role that holds gold)."""
    role = ROLE_NEEDED.get(event_type)
    if role is not None:
        if not registry.holds_role(signer, role):
            raise CustodyError(
                "role.missing",
                f"{signer!r} is not registered with the role {role!r} that {event_type} events need; "
                "ask the authority to register the role, or have a participant who holds it sign.",
            )
    elif event_type == "participant.key_revoked":
        check_may_revoke(registry, signer, subject)
    elif not registry.may_hold_gold(signer):
        raise CustodyError(
            "role.cannot_hold_gold",
            f"{signer!r} holds none of the roles that may take custody of gold ({', '.join(sorted(CUSTODY_ROLES))}); "
            "only such participants can sign lot events.",
        )


def check_may_revoke(registry: Registry, signer: str, participant: str) -> None:
    """A key is revoked by the authority or by the participant that owns it."""
    if signer != participant and not registry.holds_role(signer, "authority"):
        raise CustodyError(
            "role.missing",
            f"{signer!r} may not revoke keys of {participant!r}: only the authority or the participant itself can.",
        )
