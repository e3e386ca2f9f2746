"""Decisions on registry events: what each accepted event changes in the registry."""

from __future__ import annotations

from dataclasses import replace

from events.custody.checks import registry as rules
from events.custody.clock import instant_ns
from events.custody.outcome import Change, Decision, PutCertificate, PutKey, PutMine, PutParticipant
from events.custody.policy import Policy
from events.custody.registry import Certificate, CertificateStatus, GroupCounts, Key, Mine, Participant
from events.custody.state import State
from events.model.envelope import (
    CertificateIssuedEvent,
    CertificateStatusEvent,
    MineRegisteredEvent,
    ParticipantKeyAddedEvent,
    ParticipantKeyRevokedEvent,
    ParticipantRegisteredEvent,
)


def participant_registered(state: State, event: ParticipantRegisteredEvent, signer: str, policy: Policy) -> Decision:
    """Admit a participant with its roles, member counts, groups and keys."""
    data = event.data
    registry = state.registry
    rules.require_new_participant(registry, data.participant)
    rules.require_members_of_asmo(list(data.roles), data.members is not None, data.participant)
    changes: list[Change] = []
    for entry in data.keys:
        key = Key(entry.keyid, data.participant, entry.public_key)
        if registry.keys.get(entry.keyid) == key:
            continue  # the authority re-lists its anchor key in its own registration
        rules.require_free_keyid(registry, entry.keyid)
        changes.append(PutKey(key))
    groups = {g.group: GroupCounts(g.kind, g.women, g.men) for g in data.groups or ()}
    members = data.members
    participant = Participant(
        data.participant,
        frozenset(data.roles),
        None if members is None else members.women,
        None if members is None else members.men,
        groups,
    )
    return [PutParticipant(participant), *changes], []


def key_added(state: State, event: ParticipantKeyAddedEvent, signer: str, policy: Policy) -> Decision:
    """Add a key to a registered participant."""
    data = event.data
    rules.require_participant(state.registry, data.participant)
    rules.require_free_keyid(state.registry, data.keyid)
    return [PutKey(Key(data.keyid, data.participant, data.public_key))], []


def key_revoked(state: State, event: ParticipantKeyRevokedEvent, signer: str, policy: Policy) -> Decision:
    """Revoke a key from this point of the log on."""
    data = event.data
    rules.require_participant(state.registry, data.participant)
    key = rules.require_revocable_key(state.registry, data.participant, data.keyid)
    rules.require_other_signing_key(signer, event.keyid, data.participant, data.keyid)
    return [PutKey(replace(key, revoked_by=event.id))], []


def mine_registered(state: State, event: MineRegisteredEvent, signer: str, policy: Policy) -> Decision:
    """Register a mine operated by an ASMO."""
    data = event.data
    rules.require_new_mine(state.registry, data.mine)
    rules.require_asmo(state.registry, data.operator, "mine.operator_not_asmo", "The mine's operator")
    return [PutMine(Mine(data.mine, data.operator, data.capacity_mg_per_month))], []


def certificate_issued(state: State, event: CertificateIssuedEvent, signer: str, policy: Policy) -> Decision:
    """Issue a certificate to an ASMO for some of its mines."""
    data = event.data
    registry = state.registry
    rules.require_new_certificate(registry, data.certificate)
    rules.require_asmo(registry, data.holder, "certificate.holder_not_asmo", "The certificate's holder")
    for mine in data.mines:
        rules.require_mine_of_holder(registry, mine, data.holder)
    certificate = Certificate(
        certificate=data.certificate,
        issuer=signer,
        holder=data.holder,
        standard=data.standard,
        mines=frozenset(data.mines),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        valid_from_ns=instant_ns(data.valid_from),
        valid_until_ns=instant_ns(data.valid_until),
    )
    return [PutCertificate(certificate)], []


_NEW_STATUS: dict[str, CertificateStatus] = {
    "certificate.suspended": "suspended",
    "certificate.reinstated": "active",
    "certificate.withdrawn": "withdrawn",
}


def certificate_status(state: State, event: CertificateStatusEvent, signer: str, policy: Policy) -> Decision:
    """Suspend, reinstate or withdraw a certificate."""
    certificate = rules.require_certificate(state.registry, event.data.certificate)
    rules.require_issuer(certificate, signer)
    rules.require_transition(certificate, event.type)
    return [PutCertificate(replace(certificate, status=_NEW_STATUS[event.type]))], []
