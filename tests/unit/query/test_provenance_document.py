"""The pure half of the provenance read: judging stored events like the kernel, the memo, the document's shape."""

from __future__ import annotations

from datetime import UTC, datetime

from events.codec import SignedEvent
from events.verdict import verify_lot
from services.query.provenance_reads import ReplayMemo, judge, names_of, provenance_document
from services.query.upstream_reads import Edge, Refusal, StoredEvent, Upstream, registry_names, signed_time
from tests.unit.events.scenario import (
    CERTIFIER,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    LAB,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    shipment_of,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def stored(events: list[SignedEvent]) -> dict[str, StoredEvent]:
    """The events as the ledger would store them: registry events at their offsets, custody events after."""
    registry = sum(not e.event.type.startswith("lot.") for e in events)
    found, offset = {}, 0
    for leaf, signed in enumerate(events):
        is_registry = not signed.event.type.startswith("lot.")
        found[signed.id] = StoredEvent(signed.id, signed.raw, offset if is_registry else registry, leaf)
        offset += is_registry
    return found


def history(scenario: Scenario) -> list[SignedEvent]:
    events = scenario.world()
    events.append(scenario.extract(FM_ASMO, "lot-1", FM_MINE, 100_000, certificate=FM_CERT))
    events.append(scenario.assay(FM_ASMO, "lot-1", "860"))
    shipped = scenario.ship(FM_ASMO, "lot-1", TRADER, 100_000, premium_usd="344.00")
    return [*events, shipped, scenario.receive(TRADER, "lot-1", shipment_of(shipped), 100_000)]


def test_judging_stored_events_is_the_kernel_verdict_and_the_memo_reuses_the_replay() -> None:
    scenario = Scenario()
    events = history(scenario)
    upstream = Upstream("lot-1", ["lot-1"], [], stored(events))
    memo = ReplayMemo()
    first = judge(upstream, scenario.anchor(), NOW, memo)
    expected = verify_lot(events, scenario.anchor(), "lot-1", now=NOW)
    assert first.verdict == expected
    assert judge(upstream, scenario.anchor(), NOW, memo).replayed is first.replayed
    assert judge(upstream, scenario.anchor(), NOW, ReplayMemo()).replayed is not first.replayed
    other = Upstream("lot-1", ["lot-1"], [], stored(events[:-1]))
    assert judge(other, scenario.anchor(), NOW, memo).replayed is not first.replayed
    small = ReplayMemo(max_events=len(events))  # holds one history: the next evicts it
    kept = judge(upstream, scenario.anchor(), NOW, small).replayed
    judge(other, scenario.anchor(), NOW, small)
    assert judge(upstream, scenario.anchor(), NOW, small).replayed is not kept


def test_the_document_names_everyone_and_lists_the_verdict_events() -> None:
    scenario = Scenario()
    events = history(scenario)
    edges = [Edge("lot-1", "lot-0", "ev-x", "melting")]
    upstream = Upstream("lot-1", ["lot-0", "lot-1"], edges, stored(events))
    document = provenance_document(judge(upstream, scenario.anchor(), NOW, ReplayMemo()))
    assert document["verified"] is True
    assert document["reasons"] == []
    assert document["checked_at"] == "2026-06-01T00:00:00Z"
    assert {e["type"] for e in document["events"]} >= {"lot.extracted", "lot.assayed", "certificate.issued"}
    assert all(e["outcome"] == "accepted" for e in document["events"])
    assert document["names"]["participants"][LAB]["roles"] == ["assayer"]
    assert document["names"]["participants"][CERTIFIER]["name"] == "Fairmined Cb"
    assert document["names"]["certificates"][FM_CERT]["holder"] == FM_ASMO
    assert document["graph"] == {
        "lots": ["lot-0", "lot-1"],
        "edges": [{"lot": "lot-1", "input_lot": "lot-0", "event_id": "ev-x", "process": "melting"}],
    }


def test_a_lot_only_refused_has_its_refusals_as_reasons() -> None:
    scenario = Scenario()
    world = scenario.world()
    refusal = Refusal("ev-9", "lot.extracted", UNCERTIFIED_ASMO, "lot-x", "certificate.not_holder", "Not yours.", NOW)
    upstream = Upstream("lot-x", ["lot-x"], [], stored(world), [refusal])
    assert upstream.known
    document = provenance_document(judge(upstream, scenario.anchor(), NOW, ReplayMemo()))
    assert document["verified"] is False
    assert document["events"] == []
    assert [r["code"] for r in document["reasons"]] == ["verdict.refused"]
    assert "certificate.not_holder" in document["reasons"][0]["detail"]
    assert document["refusals"][0]["decided_at"] == "2026-06-01T00:00:00Z"
    assert document["refusals"][0]["time"] is None
    assert not Upstream("lot-y", ["lot-y"], [], stored(world)).known


def test_a_lot_only_a_refused_transformation_claimed_is_known_and_the_signer_named_outside_the_replay() -> None:
    scenario = Scenario()
    world = stored(scenario.world())
    signer = next(
        e for e in world.values() if e.body["type"] == "participant.registered" and e.body["subject"] == TRADER
    )
    refusal = Refusal(
        "ev-7",
        "lot.transformed",
        TRADER,
        "lot-in",
        "custody.not_custodian",
        "Not held.",
        NOW,
        time="2026-05-31T10:00:00Z",
        outputs=("lot-out", "lot-other"),
    )
    replayed = {k: v for k, v in world.items() if k != signer.event_id}
    upstream = Upstream("lot-out", ["lot-out"], [], replayed, [refusal], named={signer.event_id: signer})
    assert upstream.known
    document = provenance_document(judge(upstream, scenario.anchor(), NOW, ReplayMemo()))
    assert document["verified"] is False
    (reason,) = document["reasons"]
    assert "No accepted event creates lot 'lot-out'." in reason["detail"]
    assert document["refusals"][0]["outputs"] == ["lot-out", "lot-other"]
    assert document["refusals"][0]["time"] == "2026-05-31T10:00:00Z"
    assert document["names"]["participants"][TRADER]["name"] == "Aurum Trading"
    assert not Upstream("lot-in2", ["lot-in2"], [], replayed, [refusal]).known


def test_only_a_contract_timestamp_is_kept_as_a_refused_event_time() -> None:
    assert signed_time("2026-05-31T10:00:00.123456789Z") == "2026-05-31T10:00:00.123456789Z"
    for unreadable in (None, "yesterday", "2026-02-30T10:00:00Z", "2026-05-31T10:00:00+01:00", "2026-05-31"):
        assert signed_time(unreadable) is None


def test_registry_names_follow_what_each_event_reads() -> None:
    scenario = Scenario()
    events = {e.event.type: e for e in scenario.world()}
    extracted = scenario.extract(UNCERTIFIED_ASMO, "lot-u", UNCERTIFIED_MINE, 1_000)
    assert registry_names(StoredEvent(extracted.id, extracted.raw, 0, 0)) == {UNCERTIFIED_ASMO, UNCERTIFIED_MINE}
    issued = events["certificate.issued"]
    assert registry_names(StoredEvent(issued.id, issued.raw, 0, 0)) == {CERTIFIER, FM_ASMO, FM_MINE}
    assert names_of([])["mines"] == {}
