"""The lot verdict: rebuilt from a set of signed events and the trust anchor alone."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from events.codec import SignedEvent
from events.custody.replay import replay
from events.verdict import lot_verdict, verify_lot
from tests.unit.events.scenario import (
    CERTIFIER,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    REFINER,
    TRADER,
    Scenario,
    shipment_of,
)

CRUZ = "cruz-pata"
CRUZ_MINE = "cruz-pata-chaquiminas"


def season(scenario: Scenario) -> list[SignedEvent]:
    """Two Fairmined ASMOs sell to the trader, who melts their lots into one bar and ships it to the refiner."""
    events = scenario.world()
    events += [
        scenario.register(CRUZ, ["asmo"], members=(20, 60)),
        scenario.mine(CRUZ_MINE, CRUZ),
        scenario.certificate("cert-cruz-pata", CRUZ, [CRUZ_MINE], by=CERTIFIER),
        scenario.extract(FM_ASMO, "op-1", FM_MINE, 300_000, certificate=FM_CERT, fineness="900"),
        scenario.extract(CRUZ, "cp-1", CRUZ_MINE, 100_000, certificate="cert-cruz-pata", fineness="900"),
    ]
    for asmo, lot, mass, premium in ((FM_ASMO, "op-1", 300_000, "1080.00"), (CRUZ, "cp-1", 100_000, "300.00")):
        shipped = scenario.ship(asmo, lot, TRADER, mass, premium_usd=premium)
        events += [shipped, scenario.receive(TRADER, lot, shipment_of(shipped), mass)]
    events.append(scenario.transform(TRADER, ["op-1", "cp-1"], [("bar-1", 396_000, "905")]))
    to_refiner = scenario.ship(TRADER, "bar-1", REFINER, 396_000)
    events += [
        to_refiner,
        scenario.receive(REFINER, "bar-1", shipment_of(to_refiner), 396_000),
        scenario.extract(FM_ASMO, "unrelated", FM_MINE, 10_000, certificate=FM_CERT),
    ]
    return events


def test_a_complete_history_is_verified_with_its_origins(scenario: Scenario) -> None:
    verdict = verify_lot(season(scenario), scenario.anchor(), "bar-1")
    assert verdict.verified
    assert verdict.reasons == ()
    provenance = verdict.provenance
    assert provenance is not None
    assert (provenance.lot_class, provenance.custodian, provenance.fine_mg) == ("fairmined", REFINER, 358_380)
    # op-1 brought 270,000 mg of fine gold and cp-1 90,000 mg: 75 % and 25 %.
    assert [(s.name, s.fine_mg, s.share_bp) for s in provenance.mines] == [
        (CRUZ_MINE, 89_595, 2_500),
        (FM_MINE, 268_785, 7_500),
    ]
    assert [(s.name, s.share_bp) for s in provenance.organizations] == [(CRUZ, 2_500), (FM_ASMO, 7_500)]
    # Oro Puno: 30 women of 80 members; Cruz Pata: 20 of 80 -> 0.75 x 37.5 % + 0.25 x 25 % = 34.375 %;
    # 3437.5 bp is a tie between men and women, which largest remainder gives to the earlier name (men).
    assert provenance.women_share_bp == 3_437
    assert (provenance.premium_paid_usd_cents, provenance.premium_due_usd_cents) == (138_000, 144_000)


def test_the_verdict_lists_every_upstream_event_and_nothing_else(scenario: Scenario) -> None:
    events = season(scenario)
    verdict = verify_lot(events, scenario.anchor(), "bar-1")
    ids = [record.event_id for record in verdict.events]
    by_id = {e.id: e for e in events}
    lot_types = [by_id[i].event.type for i in ids if by_id[i].event.type.startswith("lot.")]
    assert lot_types.count("lot.extracted") == 2
    assert lot_types.count("lot.received") == 3
    assert "unrelated" not in {by_id[i].event.subject for i in ids}
    registry_subjects = {by_id[i].event.subject for i in ids if not by_id[i].event.type.startswith("lot.")}
    assert {FM_MINE, CRUZ_MINE, FM_CERT, "cert-cruz-pata", TRADER, REFINER, CRUZ, FM_ASMO} <= registry_subjects
    record = verdict.events[-1]
    assert (record.signer, record.outcome, record.digest) == (REFINER, "accepted", by_id[record.event_id].digest.hex())
    assert ids == sorted(ids)  # log order


def test_an_unknown_lot_is_not_verified(scenario: Scenario) -> None:
    verdict = verify_lot(season(scenario), scenario.anchor(), "no-such-lot")
    assert not verdict.verified
    assert [r.code for r in verdict.reasons] == ["verdict.lot_unknown"]
    assert verdict.provenance is None


def test_a_missing_upstream_event_is_named(scenario: Scenario) -> None:
    events = [e for e in season(scenario) if e.event.subject != "cp-1" or e.event.type != "lot.extracted"]
    verdict = verify_lot(events, scenario.anchor(), "bar-1")
    assert not verdict.verified
    codes = {r.code for r in verdict.reasons}
    assert codes == {"verdict.lot_unknown", "verdict.upstream_missing"}


def test_a_rejected_upstream_event_is_named(scenario: Scenario) -> None:
    events = season(scenario)
    events.insert(-3, scenario.ship(FM_ASMO, "bar-1", REFINER, 1_000))  # Oro Puno never held the bar
    verdict = verify_lot(events, scenario.anchor(), "bar-1")
    assert not verdict.verified
    (reason,) = verdict.reasons
    assert reason.code == "verdict.upstream_rejected"
    assert "custody.not_custodian" in reason.detail


def test_a_key_revoked_before_use_is_named(scenario: Scenario) -> None:
    events = season(scenario)
    receipt = events.pop(-2)
    events[-2:-2] = [scenario.revoke_key(REFINER, f"{REFINER}:1"), receipt]
    verdict = verify_lot(events, scenario.anchor(), "bar-1")
    assert not verdict.verified
    assert [r.code for r in verdict.reasons] == ["verdict.key_revoked"]


def test_a_redelivered_event_does_not_spoil_the_verdict(scenario: Scenario) -> None:
    events = season(scenario)
    events.append(events[-3])
    verdict = verify_lot(events, scenario.anchor(), "bar-1")
    assert verdict.verified
    assert [r.outcome for r in verdict.events].count("duplicate") == 1


def test_findings_of_the_history_and_due_findings_are_reported(scenario: Scenario) -> None:
    events = season(scenario)
    replayed = replay(events, scenario.anchor())
    extraction = scenario.extract(FM_ASMO, "kept-lot", FM_MINE, 1_000, certificate=FM_CERT)
    verdict = lot_verdict(replayed, "op-1", now=datetime(2027, 6, 1, tzinfo=UTC))
    assert verdict.verified
    assert verdict.findings == ()
    held = lot_verdict(
        replay([*events, extraction], scenario.anchor()), "kept-lot", now=datetime(2027, 6, 1, tzinfo=UTC)
    )
    assert [f.code for f in held.findings] == ["lot.held_past_certificate"]


def test_the_verdict_is_json(scenario: Scenario) -> None:
    verdict = verify_lot(season(scenario), scenario.anchor(), "bar-1")
    document = orjson.loads(orjson.dumps(verdict.to_json()))
    assert document["verified"] is True
    assert document["provenance"]["women_share_bp"] == 3_437
    assert document["events"][-1]["outcome"] == "accepted"
