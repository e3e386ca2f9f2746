"""Provenance documents built from the kernel, in the shape the query service serves (provenance_reads.py).

`document(events, anchor, lot)` replays every event, keeps the refused ones apart (`refusals`), and judges the lot
over the accepted ones, as the server does with the stored log; `kernel_document` judges over all events (refused
records inside `events`), the shape `events.verdict` gives for a set with refusals in it. `demo_season()` signs
the demo's season with seeded keys, so tests see the very ring `goldtrace demo` makes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.codec import SignedEvent
from events.custody.registry import TrustAnchor
from events.custody.replay import replay, upstream_lots
from events.verdict import verify_lot
from services.demo import cast
from services.demo.ids import DemoSeed
from services.demo.keys import public_entries
from services.demo.season import build_season
from services.demo.signing import sign_all

DEMO_SEED = DemoSeed(bytes(range(32)), datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


def _with_data(verdict: dict[str, Any], events: Sequence[SignedEvent]) -> dict[str, Any]:
    bodies = {event.id: event.raw for event in events}
    verdict["events"] = [{**record, "data": bodies[record["id"]]["data"]} for record in verdict["events"]]
    return verdict


def _names(events: Sequence[SignedEvent]) -> dict[str, dict[str, dict[str, Any]]]:
    participants: dict[str, dict[str, Any]] = {}
    mines: dict[str, dict[str, Any]] = {}
    certificates: dict[str, dict[str, Any]] = {}
    for event in events:
        data = event.raw["data"]
        if event.event.type == "participant.registered":
            participants[data["participant"]] = {"name": data["name"], "roles": data["roles"]}
        elif event.event.type == "mine.registered":
            mines[data["mine"]] = {"name": data["name"], "region": data["region"]}
        elif event.event.type == "certificate.issued":
            certificates[data["certificate"]] = {"standard": data["standard"], "holder": data["holder"]}
    return {"participants": participants, "mines": mines, "certificates": certificates}


def document(events: Sequence[SignedEvent], anchor: TrustAnchor, lot: str) -> dict[str, Any]:
    """The server's document: the verdict over the accepted events, refusals naming the history listed apart."""
    replayed = replay(events, anchor)
    accepted_ids = {record.event_id for record in replayed.records if record.outcome == "accepted"}
    accepted = [event for event in events if event.id in accepted_ids]
    verdict = _with_data(verify_lot(accepted, anchor, lot).to_json(), events)
    history = set(upstream_lots(replayed, lot))
    refusals = [
        {
            "event_id": r.event_id,
            "type": r.type,
            "signer": r.signer,
            "subject": r.subject,
            "code": r.code,
            "detail": r.detail,
            "decided_at": r.time,
        }
        for r in replayed.records
        if r.outcome == "rejected" and r.subject in history
    ]
    if verdict["provenance"] is None and any(r["subject"] == lot for r in refusals):
        verdict["reasons"] = [{"code": "verdict.refused", "detail": "refused"}]
    return {**verdict, "refusals": refusals, "names": _names(accepted)}


def kernel_document(events: Sequence[SignedEvent], anchor: TrustAnchor, lot: str) -> dict[str, Any]:
    """`events.verdict.verify_lot` over every event (refused ones included), with each record's data."""
    return {**_with_data(verify_lot(events, anchor, lot).to_json(), events), "names": _names(events)}


@dataclass(frozen=True)
class DemoSeason:
    """The demo season signed with seeded keys: its events in submission order, its trust anchor, notable lots."""

    events: list[SignedEvent]
    anchor: TrustAnchor
    ring: str
    notable: dict[str, str]

    def lot(self, name: str) -> str:
        """A season lot id from its name in the story (`bar-u-01` -> `bar-u-01-<tag>`)."""
        return DEMO_SEED.named(name)


def _demo_key(participant: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"goldtrace/test/demo/" + participant.encode()).digest())


def demo_season() -> DemoSeason:
    """Sign the demo's season (the one `goldtrace demo` plays) with keys derived from fixed seeds."""
    keys = {member.participant: _demo_key(member.participant) for member in cast.CAST}
    keys[cast.FORGER] = _demo_key(cast.FORGER)
    public = public_entries(keys)
    season = build_season(DEMO_SEED, {name: entry for name, entry in public.items() if name != cast.FORGER})
    signed = [planned.signed for planned in sign_all(season.events(), keys)]
    authority = public[cast.AUTHORITY]
    anchor = TrustAnchor(cast.AUTHORITY, authority.keyid, authority.public_key)
    return DemoSeason(signed, anchor, season.ring, dict(season.notable_lots))
