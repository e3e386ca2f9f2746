"""A lot's provenance as the buyer's API and the /verify page show it: the kernel's verdict over stored events.

The verdict is computed here, not read back from what the processor stored: the accepted events of the lot's
history (services/query/upstream_reads.py) are replayed in the processor's decision order
(`events.bundle.log_order`) through `events.custody.replay.replay` and judged by `events.verdict.lot_verdict`,
exactly as `goldtrace verify` does with a bundle of the same events, so both reach the same verdict.

A lot that no accepted event ever named is still known when a refusal names it: by subject, or as an output a
refused transformation claimed to make. Its document says not verified, with those refusals as the reasons.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg
import orjson

from events.bundle import log_order
from events.codec import decode_event
from events.custody.registry import TrustAnchor
from events.custody.replay import Replay, replay
from events.treehead import utc_timestamp
from events.verdict import LotVerdict, Reason, lot_verdict
from services.common.settings import PipelineSettings
from services.query.upstream_reads import Refusal, StoredEvent, Upstream, fetch_upstream

MEMO_SIZE: Final = 256  # replays kept: a few hundred lots' histories ...
MEMO_EVENTS: Final = 50_000  # ... and at most this many events in all (a refinery melt's history is large)


@dataclass(frozen=True, slots=True)
class Checked:
    """A lot's stored history and the kernel's verdict over it."""

    upstream: Upstream
    ordered: list[StoredEvent]
    replayed: Replay
    verdict: LotVerdict
    checked_at: datetime


async def check_lot(pool: asyncpg.Pool, anchor: TrustAnchor, lot: str, now: datetime) -> Checked | None:
    """Fetch the lot's history and judge it at `now`; None when nothing at all is stored about the lot."""
    async with pool.acquire() as db:
        upstream = await fetch_upstream(db, lot, anchor.participant)
    if not upstream.known:
        return None
    return judge(upstream, anchor, now)


class ReplayMemo:
    """The last replays made, keyed by exactly what was replayed (the anchor and every event, in order).

    A replay is a pure function of those, so a lot asked for again with an unchanged history skips the fold (and
    its Ed25519 checks); any new event, in any database, makes a new key. Only the clock-dependent part of the
    verdict (findings due at `now`) is computed per request.
    """

    def __init__(self, size: int = MEMO_SIZE, max_events: int = MEMO_EVENTS) -> None:
        self._size = size
        self._max_events = max_events
        self._events = 0
        self._replays: OrderedDict[bytes, Replay] = OrderedDict()

    def replay(self, ordered: list[StoredEvent], anchor: TrustAnchor) -> Replay:
        """The replay of these events, from the memo or made now."""
        key = _replay_key(ordered, anchor)
        found = self._replays.get(key)
        if found is not None:
            self._replays.move_to_end(key)
            return found
        made = replay((decode_event(orjson.dumps(event.body)) for event in ordered), anchor)
        self._replays[key] = made
        self._events += len(made.records)
        while self._replays and (len(self._replays) > self._size or self._events > self._max_events):
            _, dropped = self._replays.popitem(last=False)
            self._events -= len(dropped.records)
        return made

    def clear(self) -> None:
        """Forget every replay (benchmarks measure the cold path this way)."""
        self._replays.clear()
        self._events = 0


def _replay_key(ordered: list[StoredEvent], anchor: TrustAnchor) -> bytes:
    digest = hashlib.sha256(f"{anchor.participant}\n{anchor.keyid}\n{anchor.public_key}\n".encode())
    for event in ordered:
        digest.update(f"{event.leaf_index}:{event.registry_position}:".encode())
        digest.update(orjson.dumps(event.body))
    return digest.digest()


REPLAYS: Final = ReplayMemo()


def judge(upstream: Upstream, anchor: TrustAnchor, now: datetime, memo: ReplayMemo = REPLAYS) -> Checked:
    """Replay the stored events in decision order and give the lot's verdict at `now`."""
    ordered = log_order(upstream.events.values())
    replayed = memo.replay(ordered, anchor)
    verdict = lot_verdict(replayed, upstream.lot, now=now)
    return Checked(upstream, ordered, replayed, verdict, now)


async def lot_provenance(
    pool: asyncpg.Pool, settings: PipelineSettings, lot: str, now: datetime
) -> dict[str, Any] | None:
    """The provenance document of a lot at `now` (None when nothing is known about it); its shape is stable:

    {
      "lot": id, "verified": bool, "checked_at": RFC 3339,
      "reasons": [{"code", "detail"}],                 # empty when verified; refusals of a never-accepted lot
      "state": {lot, custodian, status, lot_class, mass_mg, fineness, fine_mg, state, last_event_id,
                last_leaf_index, updated_at} | null,   # the `lots` row: the processor's current state
      "provenance": {lot_class, status, custodian, mass_mg, fineness, fine_mg,
                     mines/organizations/contributors: [{name, fine_mg, share_bp}], women_share_bp,
                     premium_paid_usd_cents, premium_due_usd_cents} | null,
      "events": [{id, type, subject, signer, keyid, time, digest, outcome, code, detail, findings,
                  registry_position, leaf_index, data}],   # the verdict's events (= the bundle's), log order
      "findings": [{code, severity, event_ids, detail, figures}],  # of the events, and due now
      "refusals": [{event_id, type, signer, subject, outputs, code, detail, time, decided_at}],
                                     # naming a lot of the history by subject, or claiming to make the lot itself
                                     # (outputs: the lots a refused lot.transformed claimed to make, else []);
                                     # time: the event's own `time` as signed (null when the refused bytes were not
                                     # a readable event); decided_at: when the pipeline refused it
      "names": {"participants": {id: {name, roles, country}},   # also the signers of the refusals
                "mines": {id: {name, region, operator, capacity_mg_per_month}},
                "certificates": {id: {holder, standard, mines, valid_from, valid_until, status}}},
      "graph": {"lots": [ids], "edges": [{lot, input_lot, event_id, process}]}
    }
    """
    checked = await check_lot(pool, settings.anchor, lot, now)
    return None if checked is None else provenance_document(checked)


def provenance_document(checked: Checked) -> dict[str, Any]:
    """The provenance document of a judged lot (see `lot_provenance`)."""
    verdict, upstream = checked.verdict, checked.upstream
    reasons = list(verdict.reasons)
    if verdict.provenance is None:
        refused = [refusal_reason(r, upstream.lot) for r in upstream.refusals if r.names(upstream.lot)]
        if refused:
            reasons = refused
    document = verdict.to_json()
    records = document["events"]
    if not any(record["type"].startswith("lot.") for record in records):
        records = []  # a lot never accepted: the authority's registration alone says nothing about it
    events = []
    for record in records:
        stored = upstream.events[record["id"]]
        events.append(
            {
                **record,
                "registry_position": stored.registry_position,
                "leaf_index": stored.leaf_index,
                "data": stored.body["data"],
            }
        )
    return {
        "lot": upstream.lot,
        "verified": verdict.verified and not reasons,
        "checked_at": utc_timestamp(checked.checked_at),
        "reasons": [{"code": r.code, "detail": r.detail} for r in reasons],
        "state": upstream.current,
        "provenance": document["provenance"],
        "events": events,
        "findings": document["findings"],
        "refusals": [refusal_json(r) for r in upstream.refusals],
        "names": names_of(log_order([*checked.ordered, *upstream.named.values()])),
        "graph": {
            "lots": upstream.lots,
            "edges": [
                {"lot": e.lot, "input_lot": e.input_lot, "event_id": e.event_id, "process": e.process}
                for e in upstream.edges
            ],
        },
    }


def refusal_reason(refusal: Refusal, lot: str) -> Reason:
    """A refused event naming `lot`, a lot that was never accepted, as a reason in plain words."""
    return Reason(
        "verdict.refused",
        f"Event {refusal.event_id!r} ({refusal.type} signed by {refusal.signer!r}) was refused: {refusal.code}: "
        f"{refusal.detail} No accepted event creates lot {lot!r}.",
    )


def refusal_json(refusal: Refusal) -> dict[str, Any]:
    """A refusal as the provenance document lists it."""
    return {
        "event_id": refusal.event_id,
        "type": refusal.type,
        "signer": refusal.signer,
        "subject": refusal.subject,
        "outputs": list(refusal.outputs),
        "code": refusal.code,
        "detail": refusal.detail,
        "time": refusal.time,
        "decided_at": utc_timestamp(refusal.decided_at),
    }


def names_of(ordered: list[StoredEvent]) -> dict[str, dict[str, dict[str, Any]]]:
    """Display names of the participants, mines and certificates, from their registry events (log order)."""
    participants: dict[str, dict[str, Any]] = {}
    mines: dict[str, dict[str, Any]] = {}
    certificates: dict[str, dict[str, Any]] = {}
    for event in ordered:
        data: dict[str, Any] = event.body["data"]
        kind = event.event_type
        if kind == "participant.registered":
            participants[data["participant"]] = {k: data[k] for k in ("name", "roles", "country")}
        elif kind == "mine.registered":
            mines[data["mine"]] = {k: data[k] for k in ("name", "region", "operator", "capacity_mg_per_month")}
        elif kind == "certificate.issued":
            fields = ("holder", "standard", "mines", "valid_from", "valid_until")
            certificates[data["certificate"]] = {**{k: data[k] for k in fields}, "status": "issued"}
        elif kind.startswith("certificate.") and data["certificate"] in certificates:
            certificates[data["certificate"]]["status"] = kind.split(".", 1)[1]
    return {"participants": participants, "mines": mines, "certificates": certificates}
