"""Every reason code reachable through the gateway, on the live broker and database, all triggers in one pipeline.

The world is submitted once, then every trigger's registry events, every history, and every offending item
(tests/unit/events/triggers.py). Each offending item must end with its code: through GET /v1/events/{id}
(rejected with the code, or accepted with the finding), or, for bytes without a readable id, through the
gateway's answer and the ledger's `rejections` table.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from events.codec import SignedEvent
from events.custody import fold, initial_state
from services.common.partitioning import inbound_partitions, partitioner
from services.common.settings import PipelineSettings
from services.gateway.contract import refusal_status
from services.sandbox.processes import Workers
from tests.unit.events.scenario import ECO_ASMO, ECO_MINE, FM_ASMO, FM_MINE, REFINER, TRADER, Scenario
from tests.unit.events.triggers import TRIGGERS, Built, Trigger

pytestmark = pytest.mark.integration

# Decode codes the gateway meets otherwise: it refuses the whole request first (HTTP status and error code, no
# event is kept), or it takes an object body as one event, never as a batch.
AT_THE_GATEWAY: dict[str, tuple[int, str]] = {
    "batch.too_many_events": (413, "batch.too_many_events"),
    "batch.too_large": (413, "request.too_large"),  # the gateway counts the bytes before it decodes them
    "batch.not_array": (422, "event.schema"),  # a body that is an object is one event; other bodies are 400/422
}
WAIT_SECONDS = 60.0
FINAL = {"accepted", "rejected"}


async def post(gateway: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await gateway.post("/v1/events", content=body, headers={"content-type": "application/json"})


async def submit(gateway: httpx.AsyncClient, events: Sequence[SignedEvent]) -> list[dict[str, Any]]:
    """Submit events in arrays of at most 1,000; the gateway's answers, in order."""
    answers: list[dict[str, Any]] = []
    for start in range(0, len(events), 1000):
        response = await post(gateway, orjson.dumps([e.raw for e in events[start : start + 1000]]))
        assert response.status_code == 202, response.text
        answers.extend(response.json())
    return answers


async def final_statuses(gateway: httpx.AsyncClient, event_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """GET /v1/events/{id} for each id until every one is accepted or rejected."""
    found: dict[str, dict[str, Any]] = {}
    pending = list(dict.fromkeys(event_ids))
    async with asyncio.timeout(WAIT_SECONDS):
        while pending:
            for event_id in pending:
                body = (await gateway.get(f"/v1/events/{event_id}")).json()
                if body.get("status") in FINAL:
                    found[event_id] = body
            pending = [i for i in pending if i not in found]
            if pending:
                await asyncio.sleep(0.2)
    return found


async def all_accepted(gateway: httpx.AsyncClient, events: Sequence[SignedEvent]) -> None:
    """Submit events that must be queued and then accepted."""
    answers = await submit(gateway, events)
    assert [a["status"] for a in answers] == ["queued"] * len(events), [a for a in answers if a["status"] != "queued"]
    statuses = await final_statuses(gateway, [e.id for e in events])
    refused = {i: s for i, s in statuses.items() if s["status"] != "accepted"}
    assert not refused, refused


def expected_answer(trigger: Trigger) -> str:
    """What the gateway answers at once for an offending event: refused (signature, id) or queued."""
    return "rejected" if trigger.kind == "signature" or trigger.code == "event.id_conflict" else "queued"


def check_final(trigger: Trigger, status: dict[str, Any]) -> None:
    """Accepted with exactly the finding, or rejected with the code (by the gateway for signatures)."""
    if trigger.kind == "finding":
        assert status["status"] == "accepted", (trigger.code, status)
        assert [f["code"] for f in status["findings"]] == [trigger.code], status
        return
    assert status["status"] == "rejected", (trigger.code, status)
    assert status["error"]["code"] == trigger.code, status
    assert status["refused_by"] == ("gateway" if trigger.kind == "signature" else "custody"), status


async def gateway_rejections(database_url: str, codes: set[str], seconds: float = WAIT_SECONDS) -> list[asyncpg.Record]:
    """The ledger's rows of events the gateway refused without a readable id, once every code is there."""
    conn = await asyncpg.connect(database_url)
    try:
        async with asyncio.timeout(seconds):
            while True:
                rows = await conn.fetch(
                    "SELECT code, detail, raw FROM rejections WHERE event_id IS NULL AND decided_by = 'gateway'"
                )
                if codes <= {row["code"] for row in rows}:
                    return rows
                await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def id_conflict_rejection(database_url: str, offending: SignedEvent) -> asyncpg.Record:
    """The ledger's rejection of an event whose id another event holds (GET by id shows the first event)."""
    conn = await asyncpg.connect(database_url)
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                row = await conn.fetchrow(
                    "SELECT code, decided_by FROM rejections WHERE event_id = $1 AND digest = $2",
                    offending.id,
                    offending.digest,
                )
                if row is not None:
                    return row
                await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def check_decode_triggers(
    gateway: httpx.AsyncClient, database_url: str, triggers: dict[str, tuple[Trigger, Built]]
) -> None:
    """Each body alone (whole, or as the one item of an array): the answer at once, then the ledger's row."""
    kept: dict[str, str] = {}  # trigger prefix -> the code the ledger must keep
    for code, (trigger, built) in triggers.items():
        assert isinstance(built.offending, bytes)
        body = built.offending if trigger.whole_body else b"[" + built.offending + b"]"
        single = body.lstrip().startswith(b"{")  # one event: refused with a 4xx naming the code, and kept
        status, expected = AT_THE_GATEWAY.get(code, (refusal_status(code) if single else 202, code))
        response = await post(gateway, body)
        assert response.status_code == status, (code, response.status_code, response.text[:300])
        answer = response.json() if single or status != 202 else response.json()[0]
        if single:
            assert (answer["id"], answer["status"], answer["error"]) == (None, "rejected", expected), (code, answer)
        elif status != 202:
            assert answer["error"] == expected, (code, answer)
            continue
        else:
            assert answer["id"] is None
            assert (answer["status"], answer["error"]["code"]) == ("rejected", expected), (code, answer)
        kept[trigger.prefix] = expected
    rows = await gateway_rejections(database_url, set(kept.values()))
    for prefix, expected in kept.items():
        matching = [r for r in rows if r["code"] == expected and prefix.encode() in bytes(r["raw"])]
        assert matching, f"no rejection {expected} of the bytes of {prefix!r} in the ledger"
        assert len(matching[0]["detail"]) > 20


async def test_every_reason_code_reachable_through_the_gateway(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers, capsys: pytest.CaptureFixture[str]
) -> None:
    partition_of = partitioner(inbound_partitions())
    for trigger in TRIGGERS.values():
        partitions = {p: partition_of(p) for p in trigger.shares_partition}
        assert len(set(partitions.values())) <= 1, (
            f"{trigger.code} needs {sorted(partitions)} in one inbound partition to be met by a partitioned "
            f"processor, but they fall in {partitions}: choose other participants in its trigger"
        )
    workers.start_ledger()
    workers.start(0)
    workers.start(1)
    built = {code: (trigger, trigger.build()) for code, trigger in TRIGGERS.items()}
    decode = {code: pair for code, pair in built.items() if pair[0].kind == "decode"}
    events = {code: pair for code, pair in built.items() if pair[0].kind != "decode"}

    await all_accepted(gateway, Scenario().world())
    await all_accepted(gateway, [e for _, b in events.values() for e in b.registry])
    await all_accepted(gateway, [e for _, b in events.values() for e in b.history])

    offending = {code: b.offending for code, (_, b) in events.items() if isinstance(b.offending, SignedEvent)}
    assert len(offending) == len(events)
    answers = await submit(gateway, list(offending.values()))
    for (code, (trigger, _)), answer in zip(events.items(), answers, strict=True):
        assert answer["status"] == expected_answer(trigger), (code, answer)
        if answer["status"] == "rejected":
            assert answer["error"]["code"] == code, answer
    await check_decode_triggers(gateway, pipeline.database_url, decode)

    conflict = offending.pop("event.id_conflict")
    statuses = await final_statuses(gateway, [e.id for e in offending.values()])
    for code, signed in offending.items():
        check_final(events[code][0], statuses[signed.id])
    row = await id_conflict_rejection(pipeline.database_url, conflict)
    assert (row["code"], row["decided_by"]) == ("event.id_conflict", "gateway")
    status = (await final_statuses(gateway, [conflict.id]))[conflict.id]
    assert status["status"] == "accepted", status  # the id keeps answering for the first event that took it

    otherwise = {code: answer for code, (_, answer) in AT_THE_GATEWAY.items() if answer != code}
    met = Counter(trigger.kind for code, (trigger, _) in built.items() if code not in otherwise)
    with capsys.disabled():
        print(
            f"\n{sum(met.values())} reason codes met through the gateway ({dict(met)}); "
            f"{len(otherwise)} decode codes it answers otherwise: {otherwise}"
        )


async def test_the_kernels_reason_whatever_partition_the_signer_falls_in(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers
) -> None:
    partition_of = partitioner(inbound_partitions())
    assert len({partition_of(p) for p in (ECO_ASMO, FM_ASMO, TRADER)}) == 3, "the cases need three partitions"
    workers.start_ledger()
    workers.start(0)
    workers.start(1)
    s = Scenario()
    world = s.world()
    to_trader = [s.ship(ECO_ASMO, lot, TRADER, 10_000, shipment=f"{lot}.s") for lot in ("L2", "L3")]
    history = [*(s.extract(ECO_ASMO, lot, ECO_MINE, 10_000) for lot in ("L1", "L2", "L3")), *to_trader]
    history.append(s.receive(TRADER, "L2", "L2.s", 10_000))
    refused = {
        "a non-custodian in another partition ships a lot": s.ship(FM_ASMO, "L1", TRADER, 10_000),
        "the former custodian ships a lot its receiver received": s.ship(ECO_ASMO, "L2", REFINER, 10_000),
        "another partition's participant signs a receipt for the trader": s.receive(FM_ASMO, "L3", "L3.s", 10_000),
        "a receipt names a lot never created": s.receive(FM_ASMO, "ghost", "ghost.s", 10_000),
    }
    # Later events of the same partitions: once they are decided, every event before them was taken up.
    later = [s.extract(FM_ASMO, "FM-later", FM_MINE, 1_000), s.extract(ECO_ASMO, "ECO-later", ECO_MINE, 1_000)]
    kernel = fold(initial_state(s.anchor()), [*world, *history, *refused.values()])[-len(refused) :]
    expected = {what: getattr(outcome, "code", None) for what, outcome in zip(refused, kernel, strict=True)}
    assert expected == {
        "a non-custodian in another partition ships a lot": "custody.not_custodian",
        "the former custodian ships a lot its receiver received": "custody.not_custodian",
        "another partition's participant signs a receipt for the trader": "receipt.not_receiver",
        "a receipt names a lot never created": "lot.unknown",
    }

    await all_accepted(gateway, world)
    await all_accepted(gateway, history)
    await submit(gateway, list(refused.values()))
    await all_accepted(gateway, later)
    seen: dict[str, str | None] = {}
    for what, signed in refused.items():
        status = (await gateway.get(f"/v1/events/{signed.id}")).json()
        seen[what] = status["error"]["code"] if status["status"] == "rejected" else status["status"]
    assert seen == expected
