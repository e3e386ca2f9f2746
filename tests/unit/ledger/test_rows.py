"""Row building: one effect per event id, dense leaves, subtree hashes equal to events.merkle's, lots and graph."""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.log_entry import event_log_leaf_hash
from events.merkle import CompactRange, MemoryLog, Node, root_from_leaf_hashes
from services.ledger.errors import ID_CONFLICT
from services.ledger.records import AcceptedEvent, Rejection, Where, read_accepted, read_rejected
from services.ledger.rows import log_rows, plan_batch
from services.ledger.store import sort_accepted
from tests.unit.ledger.season import Season, season

NOW = datetime(2026, 3, 6, tzinfo=UTC)


@functools.cache
def _season() -> Season:
    return season()


@pytest.fixture
def played() -> Season:
    return _season()


def _accepted(played: Season) -> list[AcceptedEvent]:
    read = [read_accepted(v, Where("a", 0, i)) for i, v in enumerate(played.accepted)]
    assert all(isinstance(r, AcceptedEvent) for r in read)
    return [r for r in read if isinstance(r, AcceptedEvent)]


def test_a_redelivered_event_in_the_same_batch_has_one_effect(played: Season) -> None:
    events = _accepted(played)
    plan = plan_batch([*events, *events[:5]])
    assert plan.accepted == events
    assert plan.duplicates == 5
    assert plan.rejections == []


def test_a_second_event_with_the_same_id_and_other_content_is_a_conflict(played: Season) -> None:
    events = _accepted(played)
    impostor = AcceptedEvent(**{**{f: getattr(events[3], f) for f in events[3].__slots__}, "digest": b"\x07" * 32})
    plan = plan_batch([events[3], impostor])
    assert plan.accepted == [events[3]]
    (conflict,) = plan.rejections
    assert conflict.code == ID_CONFLICT
    assert conflict.event_id == events[3].event_id
    assert conflict.digest == b"\x07" * 32
    assert events[3].digest.hex() in conflict.detail


def test_rejections_are_kept_once_per_digest_and_code(played: Season) -> None:
    rejection = read_rejected(played.rejected[0], Where("r", 0, 0))
    other_reason = Rejection(**{**{f: getattr(rejection, f) for f in rejection.__slots__}, "code": "other.code"})
    plan = plan_batch([rejection, rejection, other_reason])
    assert plan.rejections == [rejection, other_reason]


def test_leaves_are_dense_from_the_log_size_and_match_merkle(played: Season) -> None:
    events = _accepted(played)
    first = log_rows(CompactRange(), events[:10], NOW)
    second = log_rows(first.compact, events[10:], NOW)
    leaves = first.leaves + second.leaves
    assert [leaf[0] for leaf in leaves] == list(range(len(events)))
    assert [leaf[1] for leaf in leaves] == [e.event_id for e in events]
    expected = [event_log_leaf_hash(e.digest, e.registry_position) for e in events]
    assert [leaf[4] for leaf in leaves] == expected
    assert second.compact.root() == root_from_leaf_hashes(expected)
    memory = MemoryLog.from_leaf_hashes(expected)
    nodes = first.nodes + second.nodes
    assert len({(level, position) for level, position, _ in nodes}) == len(nodes)
    stored = memory.subtree_hashes([Node(level, position) for level, position, _ in nodes])
    assert stored == [digest for _, _, digest in nodes]
    assert len(nodes) == 2 * len(events) - len(events).bit_count()  # every complete perfect subtree, once


def test_building_rows_leaves_the_callers_compact_range_alone(played: Season) -> None:
    events = _accepted(played)
    compact = CompactRange()
    rows = log_rows(compact, events, NOW)
    assert compact.size == 0
    assert rows.compact.size == len(events)


def test_each_lot_gets_its_state_after_its_last_event_in_the_batch(played: Season) -> None:
    events = _accepted(played)
    rows = log_rows(CompactRange(), events, NOW)
    by_lot = {row[0]: row for row in rows.lots}
    assert len(by_lot) == len(rows.lots)
    assert by_lot["lot-eco-1"][2] == "consumed"
    assert by_lot["bar-eco-1"][1:4] == (None, "in_transit", "fairmined-ecological")
    melt = next(i for i, e in enumerate(events) if e.event_type == "lot.transformed")
    assert by_lot["lot-eco-2"][8:] == (events[melt].event_id, melt)
    state = orjson.loads(by_lot["lot-fm-1"][7])
    assert state["lot"] == "lot-fm-1"
    assert state["custodian"] == "oro-puno"
    assert state["mass_mg"] == 800_000


def test_a_transformation_links_each_output_to_each_input(played: Season) -> None:
    events = _accepted(played)
    rows = log_rows(CompactRange(), events, NOW)
    melt = next(e for e in events if e.event_type == "lot.transformed")
    assert sorted(rows.inputs) == [
        ("bar-eco-1", "lot-eco-1", melt.event_id, "melting"),
        ("bar-eco-1", "lot-eco-2", melt.event_id, "melting"),
    ]


def test_shipments_and_receipts(played: Season) -> None:
    events = _accepted(played)
    rows = log_rows(CompactRange(), events, NOW)
    assert [(r[0], r[2], r[3], r[4]) for r in rows.shipped] == [
        ("lot-eco-1", "cecomip", "aurum-trading", 1_000_000),
        ("lot-eco-2", "cecomip", "aurum-trading", 500_000),
        ("bar-eco-1", "aurum-trading", "andes-refinery", 1_480_000),
    ]
    assert [(r[0], r[2]) for r in rows.received] == [("lot-eco-1", 990_000), ("lot-eco-2", 500_000)]
    assert rows.received[0][1] == rows.shipped[0][1]


def test_findings_are_attributed_to_lot_organization_and_event(played: Season) -> None:
    events = _accepted(played)
    rows = log_rows(CompactRange(), events, NOW)
    by_code = {row[0]: row for row in rows.findings}
    assert set(by_code) == {"premium.missing", "receipt.weight_mismatch"}
    premium = by_code["premium.missing"]
    assert premium[1:5] == ("alert", "lot-eco-1", "cecomip", None)
    shipped = next(e for e in events if e.event_id == premium[5])
    assert shipped.event_type == "lot.shipped"
    assert premium[6] == 0
    assert premium[7] == [shipped.event_id]
    assert orjson.loads(premium[8])["due_usd_cents"] > 0
    assert premium[10] == shipped.event_time
    assert by_code["receipt.weight_mismatch"][3] == "aurum-trading"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=6))
def test_any_split_into_batches_gives_the_same_log(cuts: list[int]) -> None:
    events = _accepted(_season())
    compact, leaves, nodes, start = CompactRange(), [], [], 0
    for cut in [*cuts, len(events)]:
        rows = log_rows(compact, events[start : start + cut], NOW)
        compact, start = rows.compact, start + cut
        leaves += rows.leaves
        nodes += rows.nodes
    whole = log_rows(CompactRange(), events, NOW)
    assert leaves == whole.leaves
    assert nodes == whole.nodes
    assert compact.hashes == whole.compact.hashes


def test_what_the_database_holds_decides_what_is_new(played: Season) -> None:
    events = _accepted(played)[:4]
    known = {
        events[1].event_id: (events[1].digest, "accepted"),  # a re-delivery: nothing to do
        events[2].event_id: (b"\x01" * 32, "accepted"),  # another event holds the id: a conflict
        events[3].event_id: (b"\x02" * 32, "rejected"),  # refused once, now accepted: new to the log
    }
    new, conflicts = sort_accepted(events, known)
    assert new == [events[0], events[3]]
    assert [(c.code, c.event_id, c.digest) for c in conflicts] == [(ID_CONFLICT, events[2].event_id, events[2].digest)]
    assert (b"\x01" * 32).hex() in conflicts[0].detail


def test_a_shipment_keeps_its_first_receipt_when_a_batch_holds_two(played: Season) -> None:
    events = _accepted(played)
    receipt = next(e for e in events if e.event_type == "lot.received")
    data = {**receipt.data, "mass_mg": receipt.data["mass_mg"] + 1}
    again = dataclasses.replace(receipt, event_id="ev-second-receipt", event={**receipt.event, "data": data})
    rows = log_rows(CompactRange(), [*events, again], NOW)
    mine = [r for r in rows.received if r[:2] == (receipt.data["lot"], receipt.data["shipment"])]
    assert mine == [(receipt.data["lot"], receipt.data["shipment"], receipt.data["mass_mg"], receipt.event_id,
                     receipt.event_time)]  # fmt: skip
