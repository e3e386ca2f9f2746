"""Findings due with time as `findings` rows (services/ledger/due.py), and the audit clock's settings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import orjson
import pytest

from events.custody import DEFAULT_POLICY, State
from services.ledger.audit_clock import AuditClock
from services.ledger.due import certificates_from_events, due_rows, ended_certificates
from services.ledger.errors import LedgerError
from services.ledger.settings import LedgerSettings
from tests.unit.events.scenario import (
    AUTHORITY,
    CERT_UNTIL,
    CERTIFIER,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    accept,
    shipment_of,
    world_state,
)

END = datetime.fromisoformat(CERT_UNTIL)


@pytest.fixture
def scenario() -> Scenario:
    """A fresh scenario (fixed keys, fixed clock)."""
    return Scenario()


@pytest.fixture
def state(scenario: Scenario) -> State:
    """The standard world's state."""
    return world_state(scenario)


def registry_events(scenario: Scenario) -> list[tuple[str, str, dict[str, object]]]:
    """(signer, type, data) of the standard world's certificate events, as the clock reads them."""
    return [(s.event.signer, s.event.type, s.raw["data"]) for s in scenario.world() if s.event.type.startswith("cert")]


def test_certificates_are_rebuilt_from_their_events_in_order(scenario: Scenario) -> None:
    events = registry_events(scenario)
    certificates = certificates_from_events(events)
    assert certificates[ECO_CERT].holder == ECO_ASMO
    assert certificates[ECO_CERT].issuer == CERTIFIER
    assert certificates[ECO_CERT].status == "active"
    change = {"certificate": ECO_CERT, "reason": "audit"}
    withdrawn = certificates_from_events([*events, (CERTIFIER, "certificate.suspended", change),
                                         (CERTIFIER, "certificate.reinstated", change),
                                         (CERTIFIER, "certificate.withdrawn", change)])  # fmt: skip
    assert withdrawn[ECO_CERT].status == "withdrawn"
    before_end = END - timedelta(days=1)
    assert [c.certificate for c in ended_certificates(withdrawn, before_end)] == [ECO_CERT]
    assert ended_certificates(certificates, before_end) == []
    assert len(ended_certificates(certificates, END)) == 2


def test_a_status_change_of_an_unknown_certificate_is_ignored() -> None:
    assert certificates_from_events([(AUTHORITY, "certificate.withdrawn", {"certificate": "x", "reason": "r"})]) == {}


def in_transit(scenario: Scenario, state: State) -> str:
    """Linda 2 ships a lot to the trader; the shipment id."""
    event = scenario.ship(UNCERTIFIED_ASMO, "lot-1", TRADER, 100_000)
    accept(state, scenario.extract(UNCERTIFIED_ASMO, "lot-1", UNCERTIFIED_MINE, 100_000), event)
    return shipment_of(event)


def test_a_shipment_past_the_window_becomes_one_row_keyed_by_its_shipment(scenario: Scenario, state: State) -> None:
    shipment = in_transit(scenario, state)
    lot = state.lots["lot-1"]
    assert lot.shipment is not None
    shipped = datetime.fromisoformat(lot.shipment.shipped_at)
    window = timedelta(seconds=DEFAULT_POLICY.receipt_window_seconds)
    now = shipped + window + timedelta(days=3)
    (row,) = due_rows([lot], {}, now, DEFAULT_POLICY)
    code, severity, lot_id, organization, mine, ids, figures, detail, event_time, created_at, key = row
    assert (code, severity, lot_id, organization, mine) == (
        "shipment.not_received",
        "warning",
        "lot-1",
        UNCERTIFIED_ASMO,
        UNCERTIFIED_MINE,
    )
    assert orjson.loads(ids) == [lot.shipment.event_id]
    assert orjson.loads(figures)["window_s"] == DEFAULT_POLICY.receipt_window_seconds
    assert "has not been received after 33 days" in detail
    assert (event_time, created_at) == (shipped + window, now)
    assert key == f"shipment.not_received/lot-1/{shipment}"


def test_a_shipment_within_the_window_gives_no_row(scenario: Scenario, state: State) -> None:
    in_transit(scenario, state)
    lot = state.lots["lot-1"]
    assert lot.shipment is not None
    at_the_end = datetime.fromisoformat(lot.shipment.shipped_at) + timedelta(days=30)
    assert due_rows([lot], {}, at_the_end, DEFAULT_POLICY) == []


def test_a_lot_held_past_its_certificate_becomes_a_row_keyed_by_the_certificate(
    scenario: Scenario, state: State
) -> None:
    accept(state, scenario.extract(ECO_ASMO, "lot-1", ECO_MINE, 100_000, certificate=ECO_CERT))
    certificates = certificates_from_events(registry_events(scenario))
    lots = list(state.lots.values())
    assert due_rows(lots, certificates, END - timedelta(seconds=1), DEFAULT_POLICY) == []
    later = END + timedelta(days=2)
    (row,) = due_rows(lots, certificates, later, DEFAULT_POLICY)
    assert row[:5] == ("lot.held_past_certificate", "notice", "lot-1", ECO_ASMO, ECO_MINE)
    assert row[8:] == (END, later, f"lot.held_past_certificate/lot-1/{ECO_CERT}")


def test_the_clock_settings_come_from_the_environment(tmp_path: Path) -> None:
    base = {"GOLDTRACE_HOME": str(tmp_path), "DATABASE_URL": "postgresql://x/y"}
    default = LedgerSettings.from_env(base)
    assert default.audit_interval_s == 30.0
    assert default.audit_policy == DEFAULT_POLICY
    short = LedgerSettings.from_env(
        {**base, "GOLDTRACE_AUDIT_INTERVAL_S": "0.5", "GOLDTRACE_AUDIT_RECEIPT_WINDOW_S": "2"}
    )
    assert short.audit_interval_s == 0.5
    assert short.audit_policy.receipt_window_seconds == 2
    assert short.audit_policy.receipt_weight_tolerance_bp == DEFAULT_POLICY.receipt_weight_tolerance_bp
    with pytest.raises(LedgerError) as caught:
        LedgerSettings.from_env({**base, "GOLDTRACE_AUDIT_RECEIPT_WINDOW_S": "0"})
    assert caught.value.code == "ledger.setting_invalid"


def test_rows_use_timezone_aware_instants(scenario: Scenario, state: State) -> None:
    in_transit(scenario, state)
    (row,) = due_rows(list(state.lots.values()), {}, datetime(2027, 1, 1, tzinfo=UTC), DEFAULT_POLICY)
    assert row[8].tzinfo is not None


async def test_the_clock_waits_until_the_projection_is_current() -> None:
    stop = asyncio.Event()
    answers = iter([False, False, True])
    ticks: list[int] = []

    async def tick() -> list[str]:
        ticks.append(1)
        stop.set()
        return []

    clock = AuditClock(cast(Any, None))
    clock.tick = tick  # type: ignore[method-assign]
    await asyncio.wait_for(clock.run(stop, 0.001, lambda: next(answers)), timeout=10)
    assert ticks == [1]
    assert next(answers, "used up") == "used up"
