"""`goldtrace submit` against the real gateway (in-process, over ASGI), two custody workers and the ledger."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import orjson
import pytest

from events.codec import SignedEvent
from services.cli import submit_commands
from services.cli.main import build_parser
from services.sandbox.processes import Workers
from tests.unit.events.scenario import (
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    shipment_of,
)

pytestmark = pytest.mark.integration


class Outcome:
    """Exit code, status rows (tab-separated columns) and stderr of one run."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.rows = [line.split("\t") for line in out.splitlines()]
        self.err = err

    def status_of(self, event: SignedEvent) -> list[str]:
        return next(row[1:] for row in self.rows if row[0] == event.id)


async def submit(gateway: httpx.AsyncClient, *argv: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    code = await submit_commands.run(build_parser().parse_args(["submit", *argv]), http=gateway, out=out, err=err)
    return Outcome(code, out.getvalue(), err.getvalue())


def write(path: Path, *events: SignedEvent) -> str:
    path.write_bytes(orjson.dumps([event.raw for event in events]) if len(events) > 1 else orjson.dumps(events[0].raw))
    return str(path)


async def test_submit_waits_for_decisions_reports_duplicates_and_refusals(
    gateway: httpx.AsyncClient, workers: Workers, tmp_path: Path
) -> None:
    workers.start_ledger()
    workers.start(0)
    workers.start(1)
    scenario = Scenario()
    world = write(tmp_path / "world.json", *scenario.world())
    extracted = scenario.extract(ECO_ASMO, "LOT-S1", ECO_MINE, 120_000, certificate=ECO_CERT)
    shipped = scenario.ship(ECO_ASMO, "LOT-S1", TRADER, 120_000)  # a certified first sale stating no premium
    received = scenario.receive(TRADER, "LOT-S1", shipment_of(shipped), 120_000)
    files = [write(tmp_path / f"{n}.json", event) for n, event in enumerate((extracted, shipped, received))]

    first = await submit(gateway, world, *files, "--wait", "--timeout", "120")
    assert first.code == 0, (first.rows, first.err)
    assert len(first.rows) == 17
    assert {row[1] for row in first.rows} == {"accepted"}
    assert first.status_of(shipped) == ["accepted", "findings: premium.missing"]

    again = await submit(gateway, world, *files)
    assert again.code == 0
    assert {row[1] for row in again.rows} == {"duplicate"}
    assert again.err.strip() == "17 events: 17 duplicate"

    melt = scenario.transform(TRADER, ["LOT-S1"], [("BAR-S1", 100_000, "995.0")])
    double_spend = scenario.transform(TRADER, ["LOT-S1"], [("BAR-S2", 100_000, "995.0")])
    forged_raw = dict(melt.raw) | {"id": "forged-1"}  # another event under the melt's signature
    late = await submit(
        gateway,
        write(tmp_path / "melt.json", melt),
        write(tmp_path / "spend.json", double_spend),
        "--wait",
        "--timeout",
        "120",
    )
    assert late.code == 1
    assert late.status_of(melt) == ["accepted"]
    code, detail = late.status_of(double_spend)[1].split(": ", 1)
    assert (late.status_of(double_spend)[0], code) == ("rejected", "lot.consumed")
    assert detail.endswith(".")

    (tmp_path / "forged.json").write_bytes(orjson.dumps(forged_raw))
    refused = await submit(gateway, str(tmp_path / "forged.json"))
    assert refused.code == 1
    assert refused.rows[0][:2] == ["forged-1", "rejected"]
    assert refused.rows[0][2].startswith("signature.invalid: ")


async def test_more_than_a_thousand_events_go_in_batches_with_progress(
    gateway: httpx.AsyncClient, workers: Workers, tmp_path: Path
) -> None:
    workers.start_ledger()
    workers.start(0)
    scenario = Scenario()
    lots = [scenario.extract(UNCERTIFIED_ASMO, f"LOT-B{n:04d}", UNCERTIFIED_MINE, 1_000) for n in range(1_001)]
    world = write(tmp_path / "world.json", *scenario.world())
    outcome = await submit(gateway, world, write(tmp_path / "lots.json", *lots), "--wait", "--timeout", "180")
    assert outcome.code == 0, outcome.err
    assert len(outcome.rows) == 14 + 1_001
    assert {row[1] for row in outcome.rows} == {"accepted"}
    assert [row[0] for row in outcome.rows[14:]] == [lot.id for lot in lots]
    assert "submitted 1000/1015" in outcome.err
    assert "decided 1015/1015 (100 %)" in outcome.err
