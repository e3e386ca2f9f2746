"""Rules of registry events: participants, keys, mines and certificates."""

from __future__ import annotations

from events.custody.refusal import CustodyError
from events.custody.registry import Certificate, Key, Mine, Participant, Registry


def require_new_participant(registry: Registry, participant: str) -> None:
    """A participant is registered once."""
    if participant in registry.participants:
        raise CustodyError(
            "participant.already_registered",
            f"Participant {participant!r} is registered already; add keys with participant.key_added instead.",
        )


def require_participant(registry: Registry, participant: str) -> Participant | None:
    """The participant must be registered (the authority anchor counts even before it registers itself)."""
    found = registry.participants.get(participant)
    if found is None and participant != registry.authority:
        raise CustodyError(
            "participant.unknown",
            f"Participant {participant!r} is not registered; register it with participant.registered first.",
        )
    return found


def require_members_of_asmo(roles: list[str], has_members: bool, participant: str) -> None:
    """An ASMO declares its member counts: the productivity threshold and the women's share depend on them."""
    if "asmo" in roles and not has_members:
        raise CustodyError(
            "participant.members_required",
            f"ASMO {participant!r} must be registered with `members` (counts of women and men); "
            "add them to the registration.",
        )


def require_free_keyid(registry: Registry, keyid: str) -> None:
    """A key id names one key of one participant forever."""
    known = registry.keys.get(keyid)
    if known is None:
        return
    raise CustodyError(
        "key.id_taken",
        f"Key id {keyid!r} is already used by {known.participant!r}; choose a new key id (ids are never reused).",
    )


def require_revocable_key(registry: Registry, participant: str, keyid: str) -> Key:
    """The key to revoke belongs to the participant and is still valid."""
    key = registry.keys.get(keyid)
    if key is None or key.participant != participant:
        raise CustodyError(
            "revocation.unknown_key",
            f"Participant {participant!r} has no key {keyid!r}; check the key id to revoke.",
        )
    if key.revoked_by is not None:
        raise CustodyError(
            "revocation.already_revoked",
            f"Key {keyid!r} of {participant!r} was already revoked by event {key.revoked_by!r}.",
        )
    return key


def require_other_signing_key(signer: str, signing_keyid: str, participant: str, keyid: str) -> None:
    """A participant revokes one of its keys with another of its valid keys, never with the key itself."""
    if signer == participant and signing_keyid == keyid:
        raise CustodyError(
            "revocation.own_signing_key",
            f"Key {keyid!r} cannot revoke itself; sign the revocation with another valid key of {participant!r}, "
            "or ask the authority to revoke it.",
        )


def require_new_mine(registry: Registry, mine: str) -> None:
    """A mine id is registered once."""
    if mine in registry.mines:
        raise CustodyError(
            "mine.already_registered", f"Mine {mine!r} is registered already; mine ids are never reused."
        )


def require_asmo(registry: Registry, participant: str, code: str, what: str) -> None:
    """The participant is a registered ASMO (operator of a mine, holder of a certificate)."""
    if not registry.holds_role(participant, "asmo"):
        raise CustodyError(
            code,
            f"{what} {participant!r} is not a registered ASMO; register it with the role 'asmo' first.",
        )


def require_mine(registry: Registry, mine: str) -> Mine:
    """The mine is registered."""
    found = registry.mines.get(mine)
    if found is None:
        raise CustodyError("mine.unknown", f"Mine {mine!r} is not registered; the authority registers mines first.")
    return found


def require_mine_of_holder(registry: Registry, mine: str, holder: str) -> None:
    """A certificate covers only mines its holder operates."""
    operator = require_mine(registry, mine).operator
    if operator != holder:
        raise CustodyError(
            "certificate.mine_not_of_holder",
            f"Mine {mine!r} is operated by {operator!r}, not by the certificate's holder {holder!r}; "
            "certify only the holder's own mines.",
        )


def require_new_certificate(registry: Registry, certificate: str) -> None:
    """A certificate id is issued once."""
    if certificate in registry.certificates:
        raise CustodyError(
            "certificate.already_issued",
            f"Certificate {certificate!r} was issued already; a renewal is a new certificate with a new id.",
        )


def require_certificate(registry: Registry, certificate: str) -> Certificate:
    """The certificate was issued."""
    found = registry.certificates.get(certificate)
    if found is None:
        raise CustodyError(
            "certificate.unknown",
            f"Certificate {certificate!r} was never issued; check the id or wait for the certifier's event.",
        )
    return found


def require_issuer(certificate: Certificate, signer: str) -> None:
    """Only the certifier that issued a certificate changes its status."""
    if certificate.issuer != signer:
        raise CustodyError(
            "certificate.not_issuer",
            f"Certificate {certificate.certificate!r} was issued by {certificate.issuer!r}; "
            f"only that certifier can change its status, not {signer!r}.",
        )


_ALLOWED_FROM = {
    "certificate.suspended": ("active",),
    "certificate.reinstated": ("suspended",),
    "certificate.withdrawn": ("active", "suspended"),
}


def require_transition(certificate: Certificate, event_type: str) -> None:
    """Suspend an active certificate, reinstate a suspended one, withdraw one not yet withdrawn."""
    if certificate.status not in _ALLOWED_FROM[event_type]:
        raise CustodyError(
            "certificate.invalid_transition",
            f"Certificate {certificate.certificate!r} is {certificate.status}; "
            f"{event_type} does not apply to a {certificate.status} certificate.",
        )
