"""The demo season folded through the kernel: every good event accepted, every bad one refused with its code,
the findings raised, the ring verified; ids and times as the demo needs them (stable per seed, never colliding)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.custody import TrustAnchor, due_findings
from events.custody.replay import Replay, replay
from events.model.types import parse_utc
from events.verdict import lot_verdict
from services.demo import cast
from services.demo.builder import PublicKeyEntry, Season
from services.demo.ids import DemoSeed
from services.demo.season import build_season
from services.demo.signing import SignedPlanned, sign_all
from tests.unit.demo.conftest import cast_keys, make_seed, signing_keys

REFUSALS = {"lot.consumed", "transformation.fine_gold_gain", "certificate.not_valid_at_time", "signature.invalid"}


def folded(signed: list[SignedPlanned], anchor: TrustAnchor) -> Replay:
    return replay([event.signed for event in signed], anchor)


def test_every_event_gets_the_outcome_the_season_expects(signed: list[SignedPlanned], anchor: TrustAnchor) -> None:
    replayed = folded(signed, anchor)
    for event, record in zip(signed, replayed.records, strict=True):
        expected = event.planned.expected
        got = (record.outcome, record.code, tuple(finding.code for finding in record.findings))
        assert got == (expected.outcome, expected.code, expected.findings), (event.planned.label, record.detail)


def test_the_bad_attempts_are_the_four_refusals_each_explained(signed: list[SignedPlanned]) -> None:
    attempts = [event.planned for event in signed if event.planned.attempt is not None]
    assert {planned.expected.code for planned in attempts} == REFUSALS
    refused = [event.planned for event in signed if event.planned.expected.outcome == "rejected"]
    assert refused == attempts
    assert all(planned.attempt and planned.attempt.endswith(".") for planned in attempts)


def test_the_season_raises_at_least_three_kinds_of_finding(signed: list[SignedPlanned], anchor: TrustAnchor) -> None:
    codes = Counter(finding.code for record in folded(signed, anchor).records for finding in record.findings)
    assert set(codes) >= {
        "premium.below_rate",
        "receipt.weight_mismatch",
        "mine.over_capacity",
        "pallaqueras.above_monthly_limit",
    }


def test_time_makes_a_shipment_overdue_and_a_lot_outlive_its_certificate(
    season: Season, seed: DemoSeed, signed: list[SignedPlanned], anchor: TrustAnchor
) -> None:
    state = folded(signed, anchor).state
    assert due_findings(state, seed.day(50)).findings == ()  # the certificate still valid, the bar not yet shipped
    report = due_findings(state, seed.created)
    by_code = {finding.code: finding for finding in report.findings}
    assert set(by_code) == {"shipment.not_received", "lot.held_past_certificate"}
    assert f"bar-1kg-02-{season.tag}" in by_code["shipment.not_received"].detail
    assert f"cruz-pata-03-{season.tag}" in by_code["lot.held_past_certificate"].detail


def test_the_ring_is_verified_back_to_the_ecological_mines_with_the_womens_share(
    season: Season, signed: list[SignedPlanned], anchor: TrustAnchor
) -> None:
    verdict = lot_verdict(folded(signed, anchor), season.ring)
    assert verdict.verified, verdict.reasons
    provenance = verdict.provenance
    assert provenance is not None
    assert provenance.lot_class == "fairmined-ecological"
    assert provenance.custodian == cast.JEWELLER
    assert {share.name for share in provenance.mines} == {cast.CECOMIP_MINE, cast.ORO_PUNO_MINE}
    assert {share.name for share in provenance.organizations} == {cast.CECOMIP, cast.ORO_PUNO}
    assert 0 < provenance.women_share_bp < 10_000
    assert provenance.premium_paid_usd_cents > 0
    made_by = next(record for record in verdict.events if record.event_id == season.ring_made_by)
    assert made_by.type == "lot.transformed"


def test_the_certified_bars_stay_verified_and_the_uncertified_one_shows_its_refusals(
    season: Season, signed: list[SignedPlanned], anchor: TrustAnchor
) -> None:
    replayed = folded(signed, anchor)
    verdicts = {lot: lot_verdict(replayed, lot) for lot in season.notable_lots}
    unverified = {lot for lot, verdict in verdicts.items() if not verdict.verified}
    assert unverified == {lot for lot in season.notable_lots if lot.startswith("bar-u-")}
    (bar,) = unverified
    assert {reason.code for reason in verdicts[bar].reasons} == {"verdict.upstream_rejected"}


def test_each_step_is_one_party_acting(season: Season) -> None:
    for step in season.steps:
        assert step.events
        assert {event.unsigned["source"] for event in step.events} == {f"/participants/{step.actor}"}


def test_event_ids_are_unique_uuid7_and_lot_ids_carry_the_seed_tag(season: Season) -> None:
    events = season.events()
    ids = [event.id for event in events]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(event_id).version == 7 for event_id in ids)
    lots = {event.unsigned["subject"] for event in events if event.type.startswith("lot.")}
    assert all(lot.endswith("-" + season.tag) for lot in lots)


def test_times_lie_in_the_months_before_the_seed_and_in_order(season: Season, seed: DemoSeed) -> None:
    times = [parse_utc(event.unsigned["time"]) for event in season.events()]
    assert times == sorted(times)
    assert seed.created - timedelta(days=183) < times[0]
    assert times[-1] <= seed.created - timedelta(hours=1)


def test_the_same_seed_builds_the_same_bytes_and_another_seed_other_ids(
    seed: DemoSeed, public: dict[str, PublicKeyEntry], signed: list[SignedPlanned]
) -> None:
    keys = signing_keys(seed, cast_keys())
    again = sign_all(build_season(seed, public).events(), keys)
    assert [event.body for event in again] == [event.body for event in signed]
    other = build_season(make_seed(1), public)
    assert not {event.id for event in other.events()} & {event.id for event in signed}
    other_lots = {e.unsigned["subject"] for e in other.events() if e.type.startswith(("lot.", "certificate."))}
    assert not other_lots & {e.planned.unsigned["subject"] for e in signed}


def test_a_season_needs_every_participants_key(public: dict[str, PublicKeyEntry], seed: DemoSeed) -> None:
    partial = {name: entry for name, entry in public.items() if name != cast.LINDA_2}
    with pytest.raises(ValueError, match=cast.LINDA_2):
        build_season(seed, partial)


@settings(max_examples=12, deadline=None)
@given(
    number=st.integers(min_value=0, max_value=10**6),
    created=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC)),
)
def test_any_seed_and_day_plays_the_same_story(
    number: int, created: datetime, public: dict[str, PublicKeyEntry]
) -> None:
    seed = make_seed(number, created)
    keys = cast_keys()
    signed = sign_all(build_season(seed, public).events(), signing_keys(seed, keys))
    anchor = TrustAnchor(cast.AUTHORITY, public[cast.AUTHORITY].keyid, public[cast.AUTHORITY].public_key)
    replayed = folded(signed, anchor)
    for event, record in zip(signed, replayed.records, strict=True):
        expected = event.planned.expected
        got = (record.outcome, record.code, tuple(finding.code for finding in record.findings))
        assert got == (expected.outcome, expected.code, expected.findings), (event.planned.label, created)
    assert lot_verdict(replayed, f"ring-01-{seed.tag}").verified
