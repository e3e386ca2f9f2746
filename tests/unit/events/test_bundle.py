"""Provenance bundles: built from a real log, verified offline with the log key alone; each kind of failure."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from events.bundle import (
    BUNDLE_FORMAT,
    MAX_BUNDLE_BYTES,
    MAX_BUNDLE_ENTRIES,
    MAX_PROOF_HASHES,
    Bundle,
    assemble_bundle,
    bundle_json,
    log_order,
    log_position,
)
from events.bundle_verify import BundleVerdict, verify_bundle
from events.codec import SignedEvent, decode_object
from events.signing import sign_event
from tests.unit.events.bundle_builder import BuiltLog, Placed, built_log
from tests.unit.events.scenario import (
    BATEADORAS,
    COOPERATIVES,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    JEWELLER,
    REFINER,
    TRADER,
    Scenario,
    seeded_key,
    shipment_of,
)

LOT = "ring-1"


def chain(scenario: Scenario) -> list[SignedEvent]:
    """The world, then two CECOMIP lots sold to the trader, melted, refined, made into a ring; an unrelated lot."""
    events = scenario.world()
    for lot, mass in (("eco-1", 120_000), ("eco-2", 80_000)):
        contributions = [(BATEADORAS, 4_000), (COOPERATIVES, 6_000)]
        events.append(
            scenario.extract(ECO_ASMO, lot, ECO_MINE, mass, certificate=ECO_CERT, contributions=contributions)
        )
        shipped = scenario.ship(ECO_ASMO, lot, TRADER, mass, premium_usd=f"{mass * 85 // 100 * 6 // 1000}.00")
        events += [shipped, scenario.receive(TRADER, lot, shipment_of(shipped), mass)]
    events.append(scenario.extract(ECO_ASMO, "other", ECO_MINE, 10_000, certificate=ECO_CERT))
    events.append(scenario.transform(TRADER, ["eco-1", "eco-2"], [("dore-1", 199_000, "850")]))
    shipped = scenario.ship(TRADER, "dore-1", REFINER, 199_000)
    events += [shipped, scenario.receive(REFINER, "dore-1", shipment_of(shipped), 199_000)]
    events.append(scenario.transform(REFINER, ["dore-1"], [("bar-1", 168_000, "999.9")], process="refining"))
    shipped = scenario.ship(REFINER, "bar-1", JEWELLER, 168_000)
    events += [shipped, scenario.receive(JEWELLER, "bar-1", shipment_of(shipped), 168_000)]
    events.append(scenario.transform(JEWELLER, ["bar-1"], [(LOT, 20_000, "750")], process="manufacturing"))
    return events


@pytest.fixture
def scenario() -> Scenario:
    return Scenario()


@pytest.fixture
def log(scenario: Scenario) -> BuiltLog:
    return built_log(scenario.anchor(), chain(scenario), filler_every=3)


def verify(log: BuiltLog, document: bytes) -> BundleVerdict:
    return verify_bundle(document, log.log_public_key, log.log_keyid)


def codes(verdict: BundleVerdict) -> list[str]:
    return [failure.code for failure in verdict.failures]


def edited(log: BuiltLog, change: Any) -> bytes:
    """The lot's bundle as a JSON object, changed in place by `change`, written back compactly."""
    document = orjson.loads(log.bundle_bytes(LOT))
    change(document)
    return orjson.dumps(document)


def test_a_bundle_from_a_real_log_verifies_with_the_log_key_alone(log: BuiltLog) -> None:
    document = log.bundle_bytes(LOT)
    verdict = verify(log, document)
    assert verdict.verified, verdict.failures
    assert (verdict.failures, verdict.steps_passed, verdict.lot) == ((), 6, LOT)
    assert verdict.tree_size == log.log.size
    assert verdict.entries == len(orjson.loads(document)["entries"])
    assert verdict.signatures_checked == verdict.entries + 2
    assert verdict.verdict is not None
    provenance = verdict.verdict.provenance
    assert provenance is not None
    assert provenance.lot_class == "fairmined-ecological"
    assert [share.name for share in provenance.mines] == [ECO_MINE]
    assert provenance.women_share_bp > 0
    assert provenance.premium_paid_usd_cents == provenance.premium_due_usd_cents > 0
    # the unrelated lot is not in the bundle; the registry events the chain depends on are
    ids = {entry["event"]["id"] for entry in orjson.loads(document)["entries"]}
    assert not any(placed.signed.event.subject == "other" for placed in log.placed if placed.signed.id in ids)
    assert verdict.to_json()["verified"] is True
    assert verify_bundle(document, log.log_public_key).verified  # the key id is optional


def test_the_document_has_the_v1_members_in_order_and_entries_sorted_by_leaf(log: BuiltLog) -> None:
    document = orjson.loads(log.bundle_bytes(LOT))
    assert list(document) == ["format", "lot", "anchor", "tree_head", "entries"]
    assert document["format"] == BUNDLE_FORMAT
    assert list(document["anchor"]) == ["authority", "keyid", "public_key", "log_keyid", "signature"]
    assert list(document["tree_head"]) == ["tree_size", "root_hash", "timestamp", "keyid", "signature"]
    leaves = [entry["leaf_index"] for entry in document["entries"]]
    assert leaves == sorted(leaves)
    assert all(
        list(entry) == ["leaf_index", "registry_position", "event", "inclusion_proof"] for entry in document["entries"]
    )
    assert Bundle.model_validate_json(bundle_json(log.bundle(LOT))) == log.bundle(LOT)


def test_log_order_puts_registry_offset_r_before_custody_decided_at_r_plus_one() -> None:
    assert log_position("participant.registered", 4, 9) == (5, 0, 9)
    assert log_position("lot.shipped", 5, 2) == (5, 1, 2)
    assert log_position("lot.shipped", 4, 1) < log_position("certificate.suspended", 4, 0)
    scenario = Scenario()
    world = scenario.world()
    extraction = scenario.extract(ECO_ASMO, "x", ECO_MINE, 1_000)
    placed = [Placed(0, 14, extraction), *(Placed(i + 1, i, e) for i, e in enumerate(world))]
    assert [p.signed.id for p in log_order(placed)] == [e.id for e in [*world, extraction]]


def test_an_event_decided_before_a_revocation_logged_ahead_of_it_stays_valid(scenario: Scenario) -> None:
    *history, ring = chain(scenario)
    log = built_log(scenario.anchor(), history)
    decided_at = log.registry_end
    # The jeweller's key is revoked (registry offset 14) while the ring, decided at position 14 (before the
    # revocation took effect), is still on its way to the ledger: the revocation's leaf comes first.
    log.append_one(scenario.revoke_key(JEWELLER, f"{JEWELLER}:1"))
    log.append_one(ring, decided_at=decided_at)
    verdict = verify(log, log.bundle_bytes(LOT))
    assert verdict.verified, verdict.failures
    # decided one position later (after the revocation), the same ring is refused: the key was revoked
    late = built_log(scenario.anchor(), history)
    late.append_one(scenario.revoke_key(JEWELLER, f"{JEWELLER}:1"))
    late.append_one(ring)
    assert "verdict.lot_unknown" in codes(verify(late, late.bundle_bytes(LOT)))


# -- steps 1-3: the document, the tree head, the anchor ---------------------------------------------------------
def test_another_log_key_fails_at_the_tree_head(log: BuiltLog) -> None:
    verdict = verify_bundle(log.bundle_bytes(LOT), seeded_key("another log").public_key(), log.log_keyid)
    assert (codes(verdict), verdict.steps_passed, verdict.verified) == (["log.tree_head_signature_invalid"], 1, False)
    assert "tree head signature does not verify" in verdict.failures[0].detail
    named = verify_bundle(log.bundle_bytes(LOT), log.log_public_key, "log:2")
    assert codes(named) == ["log.tree_head_wrong_key"]


@pytest.mark.parametrize(
    ("member", "value"),
    [("tree_size", 5), ("root_hash", "ab" * 32), ("timestamp", "2026-12-01T12:00:01Z")],
)
def test_an_altered_tree_head_fails_its_signature(log: BuiltLog, member: str, value: object) -> None:
    verdict = verify(log, edited(log, lambda d: d["tree_head"].__setitem__(member, value)))
    assert codes(verdict) == ["log.tree_head_signature_invalid"]
    assert verdict.failures[0].step == 2


def test_an_altered_anchor_fails_its_statement(log: BuiltLog, scenario: Scenario) -> None:
    other = scenario.new_signer("arm", "arm:9").public_key
    verdict = verify(log, edited(log, lambda d: d["anchor"].__setitem__("public_key", other)))
    assert (codes(verdict), verdict.failures[0].step) == (["anchor.signature_invalid"], 3)
    assert "not vouched for by the log key" in verdict.failures[0].detail
    moved = verify(log, edited(log, lambda d: d["anchor"].__setitem__("log_keyid", "log:2")))
    assert codes(moved) == ["bundle.anchor_wrong_log_key"]


def test_an_anchor_signed_by_another_log_key_fails(log: BuiltLog) -> None:
    forged = BuiltLog(log.anchor, log_key=seeded_key("another log")).anchor_statement()
    verdict = verify(log, edited(log, lambda d: d.__setitem__("anchor", forged.model_dump())))
    assert codes(verdict) == ["anchor.signature_invalid"]


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (b'{"format": "goldtrace.bundle/v1", "lot": ', "bundle.malformed_json", "line 1 column"),
        (b"\xff{}", "bundle.malformed_json", "byte 0"),
        (b"[]", "bundle.schema", "JSON object"),
        (b'{"format": "goldtrace.bundle/v2"}', "bundle.unsupported_format", "goldtrace.bundle/v2"),
        (b'{"format": "goldtrace.bundle/v1"}', "bundle.schema", "at lot"),
        (b'{"format": "goldtrace.bundle/v1", "format": "goldtrace.bundle/v1"}', "bundle.duplicate_key", "'format'"),
    ],
)
def test_documents_that_are_not_bundles_say_where(log: BuiltLog, document: bytes, code: str, words: str) -> None:
    verdict = verify(log, document)
    assert (codes(verdict), verdict.steps_passed, verdict.lot) == ([code], 0, None)
    assert words in verdict.failures[0].detail


def test_size_limits() -> None:
    key = seeded_key("log").public_key()
    assert codes(verify_bundle(b" " * (MAX_BUNDLE_BYTES + 1), key)) == ["bundle.too_large"]
    many = orjson.dumps({"format": BUNDLE_FORMAT, "entries": [{}] * (MAX_BUNDLE_ENTRIES + 1)})
    assert codes(verify_bundle(many, key)) == ["bundle.too_many_entries"]


def test_a_proof_longer_than_the_limit_fails_the_schema(log: BuiltLog) -> None:
    verdict = verify(log, edited(log, lambda d: d["entries"][0].__setitem__("inclusion_proof", ["0" * 64] * 65)))
    assert codes(verdict) == ["bundle.schema"]
    assert "entries.0.inclusion_proof" in verdict.failures[0].detail
    assert MAX_PROOF_HASHES == 64


def test_the_model_refuses_bundles_over_the_limits(log: BuiltLog) -> None:
    bundle = log.bundle(LOT)
    with pytest.raises(ValueError, match="at most 20000"):
        assemble_bundle(LOT, bundle.anchor, bundle.tree_head, [bundle.entries[0]] * (MAX_BUNDLE_ENTRIES + 1))


def test_whitespace_does_not_matter_but_repeated_members_do(log: BuiltLog) -> None:
    pretty = orjson.dumps(orjson.loads(log.bundle_bytes(LOT)), option=orjson.OPT_INDENT_2)
    assert verify(log, pretty).verified
    repeated = pretty.replace(b'"lot": "ring-1",', b'"lot": "ring-1",\n  "lot": "eco-1",', 1)
    assert codes(verify(log, repeated)) == ["bundle.duplicate_key"]


def test_moved_and_repeated_entries_fail(log: BuiltLog) -> None:
    def swap(document: dict[str, Any]) -> None:
        entries = document["entries"]
        entries[3], entries[4] = entries[4], entries[3]

    verdict = verify(log, edited(log, swap))
    assert codes(verdict) == ["bundle.entries_unordered"]
    assert "Entry 4" in verdict.failures[0].detail
    repeated = verify(log, edited(log, lambda d: d["entries"].insert(5, copy.deepcopy(d["entries"][5]))))
    assert codes(repeated) == ["bundle.entries_unordered"]


# -- step 4: events and inclusion proofs ------------------------------------------------------------------------
def entry_index(document: dict[str, Any], event_type: str, subject: str) -> int:
    return next(
        i
        for i, entry in enumerate(document["entries"])
        if entry["event"]["type"] == event_type and entry["event"]["subject"] == subject
    )


def test_a_changed_event_fails_its_inclusion_proof_naming_the_entry(log: BuiltLog) -> None:
    document = orjson.loads(log.bundle_bytes(LOT))
    number = entry_index(document, "lot.shipped", "bar-1")
    document["entries"][number]["event"]["data"]["mass_mg"] = 168_001
    verdict = verify(log, orjson.dumps(document))
    assert codes(verdict) == ["bundle.inclusion_invalid"]
    failure = verdict.failures[0]
    assert (failure.step, failure.entry) == (4, number)
    event_id = document["entries"][number]["event"]["id"]
    assert failure.detail.startswith(f"entry {number} (event {event_id!r}, lot.shipped): its inclusion proof")
    assert "the event, its registry position" in failure.detail


def test_an_event_re_signed_by_another_key_in_place_fails_its_proof(log: BuiltLog) -> None:
    document = orjson.loads(log.bundle_bytes(LOT))
    number = entry_index(document, "lot.transformed", "bar-1")
    unsigned = {k: v for k, v in document["entries"][number]["event"].items() if k != "signature"}
    document["entries"][number]["event"] = sign_event(unsigned, seeded_key("forger"))
    assert codes(verify(log, orjson.dumps(document))) == ["bundle.inclusion_invalid"]


def test_a_registry_position_or_leaf_index_changed_fails(log: BuiltLog) -> None:
    document = orjson.loads(log.bundle_bytes(LOT))
    document["entries"][-1]["registry_position"] += 1
    assert codes(verify(log, orjson.dumps(document))) == ["bundle.inclusion_invalid"]
    document = orjson.loads(log.bundle_bytes(LOT))
    document["entries"][-1]["leaf_index"] = log.log.size
    verdict = verify(log, orjson.dumps(document))
    assert codes(verdict) == ["bundle.leaf_out_of_range"]
    assert f"outside the signed tree of {log.log.size} leaves" in verdict.failures[0].detail


def test_a_proof_for_another_tree_size_fails(log: BuiltLog) -> None:
    older = log.log.size
    log.pad(older + 5)
    bundle = log.bundle(LOT)
    entries = [log.entry(placed, older) for placed in log.entries_of(LOT)]
    stale = assemble_bundle(LOT, bundle.anchor, bundle.tree_head, entries)
    verdict = verify(log, bundle_json(stale))
    assert set(codes(verdict)) == {"bundle.inclusion_invalid"}
    assert len(verdict.failures) == len(entries)  # every entry is named
    matching = assemble_bundle(LOT, bundle.anchor, log.tree_head(older), entries)
    assert verify(log, bundle_json(matching)).verified  # the same proofs hold against the head they were made for


def test_a_malformed_event_is_named(log: BuiltLog) -> None:
    verdict = verify(log, edited(log, lambda d: d["entries"][2]["event"].__setitem__("extra", 1)))
    assert codes(verdict) == ["bundle.event_malformed"]
    assert "event.schema" in verdict.failures[0].detail


# -- step 5 and 6: replay and verdict ---------------------------------------------------------------------------
def without(log: BuiltLog, event_type: str, subject: str) -> bytes:
    bundle = log.bundle(LOT)
    kept = [e for e in bundle.entries if (e.event_type, e.event["subject"]) != (event_type, subject)]
    assert len(kept) == len(bundle.entries) - 1
    return bundle_json(assemble_bundle(LOT, bundle.anchor, bundle.tree_head, kept))


def test_a_dropped_upstream_event_leaves_the_lot_unverified(log: BuiltLog) -> None:
    verdict = verify(log, without(log, "lot.extracted", "eco-1"))
    assert not verdict.verified
    assert "verdict.upstream_missing" in codes(verdict)
    assert verdict.steps_passed == 4
    assert verdict.verdict is not None
    assert not verdict.verdict.verified


def test_a_dropped_registry_event_leaves_the_lot_unverified(log: BuiltLog) -> None:
    verdict = verify(log, without(log, "participant.registered", "fairmined-cb"))
    assert "verdict.upstream_missing" in codes(verdict)


def test_an_extra_entry_or_another_lot_id_is_unrelated(log: BuiltLog) -> None:
    bundle = log.bundle(LOT)
    other = next(p for p in log.placed if p.signed.event.subject == "other")
    extended = assemble_bundle(LOT, bundle.anchor, bundle.tree_head, [*bundle.entries, log.entry(other)])
    verdict = verify(log, bundle_json(extended))
    assert codes(verdict) == ["bundle.entry_unrelated"]
    assert f"event {other.signed.id!r}, lot.extracted" in verdict.failures[0].detail
    renamed = verify(log, edited(log, lambda d: d.__setitem__("lot", "eco-1")))
    assert codes(renamed) == ["bundle.entry_unrelated"]  # one failure naming the entries eco-1 does not need
    assert "and" in renamed.failures[0].detail


def test_the_lot_id_is_not_signed_a_renamed_bundle_proves_the_lot_it_names(log: BuiltLog) -> None:
    """The ring was made from bar-1 alone, so its events are exactly bar-1's: the renamed bundle verifies bar-1
    (consumed), never the ring. A verifier compares the lot id with the item's (`goldtrace verify --lot` does)."""
    renamed = verify(log, edited(log, lambda d: d.__setitem__("lot", "bar-1")))
    assert renamed.verified
    assert renamed.verdict is not None
    assert renamed.verdict.provenance is not None
    assert (renamed.lot, renamed.verdict.provenance.status) == ("bar-1", "consumed")


def test_an_event_the_log_accepted_but_the_rules_refuse_is_caught(scenario: Scenario) -> None:
    """A dishonest log logs the ring re-signed by a key that is not the jeweller's: the replay refuses it."""
    events = chain(scenario)
    ring = events.pop()
    forged = decode_object(sign_event({k: v for k, v in ring.raw.items() if k != "signature"}, seeded_key("forger")))
    log = built_log(scenario.anchor(), events)
    logged = log.append_one(forged)
    entries = [log.entry(placed) for placed in [*log.entries_of("bar-1"), logged]]
    verdict = verify(log, bundle_json(assemble_bundle(LOT, log.anchor_statement(), log.tree_head(), entries)))
    assert not verdict.verified
    assert "verdict.lot_unknown" in codes(verdict)
    assert "verdict.upstream_rejected" in codes(verdict)
    assert any("signature.invalid" in f.detail for f in verdict.failures)


def test_clock_dependent_findings_come_with_now(log: BuiltLog) -> None:
    verdict = verify_bundle(log.bundle_bytes(LOT), log.log_public_key, now=datetime(2027, 6, 1, tzinfo=UTC))
    assert verdict.verified
    assert verdict.verdict is not None
    assert "lot.held_past_certificate" not in {f.code for f in verdict.verdict.findings}  # the jeweller holds it


def test_a_caller_naming_the_lot_refuses_another_lots_bundle(log: BuiltLog) -> None:
    renamed = edited(log, lambda d: d.__setitem__("lot", "bar-1"))
    verdict = verify_bundle(renamed, log.log_public_key, lot=LOT)
    assert (codes(verdict), verdict.steps_passed) == (["bundle.lot_mismatch"], 0)
    assert verify_bundle(log.bundle_bytes(LOT), log.log_public_key, lot=LOT).verified


# -- the published schema (contracts/bundle.schema.json) --------------------------------------------------------
def published_validator() -> Draft202012Validator:
    contracts = Path(__file__).resolve().parents[3] / "contracts"
    bundle = json.loads((contracts / "bundle.schema.json").read_text())
    event = json.loads((contracts / "schemas" / "event.json").read_text())
    resources = [(schema["$id"], Resource.from_contents(schema)) for schema in (bundle, event)]
    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft202012Validator(bundle, registry=registry)


def test_a_real_bundle_matches_the_published_schema_and_a_broken_one_does_not(log: BuiltLog) -> None:
    validator = published_validator()
    document = orjson.loads(log.bundle_bytes(LOT))
    assert list(validator.iter_errors(document)) == []
    document["entries"][0]["event"]["data"]["extra"] = 1
    document["tree_head"]["root_hash"] = "AB" * 32
    assert len(list(validator.iter_errors(document))) >= 2
