"""The fault tests' traffic and their checks: clients that follow Retry-After, and the ledger against a clean run.

Traffic is a season of independent lot chains (extracted, shipped to the trader, received), split among a few
clients that each send their chains in order, one request at a time, paced so that a fault lands mid-stream. A
client retries a 503 after its Retry-After; any other answer but 202 (or an exception out of the app) is counted
and fails the test. The chains are independent, so whatever order the clients interleave in, the final state must
equal the kernel's fold of the same events (the clean run).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from events.codec import SignedEvent
from events.custody.fold import fold
from events.custody.outcome import Accepted
from events.custody.state import initial_state
from services.common.settings import PipelineSettings
from services.sandbox.processes import Workers
from tests.unit.events.scenario import (
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    TRADER,
    Scenario,
    shipment_of,
)

# The season's event times are months behind the wall clock, so the ledger's audit clock would rightly flag every
# shipment still in flight during an outage as "not received"; the fault tests' ledgers use a receipt window wider
# than that gap, so the only findings are the rules' own and a faulty run can be compared with a clean one.
AUDIT_RECEIPT_WINDOW_S = str(20 * 365 * 86_400)
REQUEST_SECONDS = 90.0  # an answer must come within this; a request that hangs longer is a failure
MAX_RETRY_AFTER_S = 5.0


@dataclass(frozen=True)
class Season:
    """The registry, the custody chains, and what a clean run makes of them."""

    world: list[SignedEvent]
    chains: list[list[SignedEvent]]
    outcomes: dict[str, str]  # event id -> "accepted" or the reason code
    lots: dict[str, dict[str, Any]]  # lot -> state as the ledger stores it
    findings: Counter[str]  # finding code -> how many

    @property
    def events(self) -> list[SignedEvent]:
        """Every event, registry first."""
        return [*self.world, *(e for chain in self.chains for e in chain)]


def calm_audit_clock(workers: Workers) -> None:
    """Widen the receipt window of the ledger's audit clock (see AUDIT_RECEIPT_WINDOW_S) before it starts."""
    workers.env["GOLDTRACE_AUDIT_RECEIPT_WINDOW_S"] = AUDIT_RECEIPT_WINDOW_S


def season(lots: int) -> Season:
    """`lots` chains over two certified ASMOs, their outcomes and final lot states from the kernel's fold."""
    scenario = Scenario(step=timedelta(minutes=1))  # a season far inside every time window
    world = scenario.world()
    chains = []
    for i in range(lots):
        asmo, mine, cert = (ECO_ASMO, ECO_MINE, ECO_CERT) if i % 2 else (FM_ASMO, FM_MINE, FM_CERT)
        lot = f"LOT-{i:04d}"
        extracted = scenario.extract(asmo, lot, mine, 50_000, certificate=cert)
        shipped = scenario.ship(asmo, lot, TRADER, 50_000, premium_usd="300.00")
        chains.append([extracted, shipped, scenario.receive(TRADER, lot, shipment_of(shipped), 49_990)])
    clean = initial_state(scenario.anchor())
    every = [*world, *(e for chain in chains for e in chain)]
    outcomes: dict[str, str] = {}
    findings: Counter[str] = Counter()
    for signed, outcome in zip(every, fold(clean, every), strict=True):
        outcomes[signed.id] = "accepted" if isinstance(outcome, Accepted) else getattr(outcome, "code", "duplicate")
        if isinstance(outcome, Accepted):
            findings.update(finding.code for finding in outcome.findings)
    lots_json = {lot: state.to_json() for lot, state in clean.lots.items()}
    return Season(world, chains, outcomes, lots_json, findings)


@dataclass
class Tally:
    """What the clients were answered."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)  # queued / duplicate / rejected, per event answered
    retry_after_missing: int = 0
    failures: list[str] = field(default_factory=list)  # anything but 202 or 503 + Retry-After
    chains_done: int = 0

    def line(self) -> str:
        """The counts, for the test's output."""
        statuses = ", ".join(f"{n} x {s}" for s, n in sorted(self.statuses.items()))
        events = ", ".join(f"{n} {s}" for s, n in sorted(self.events.items()))
        return f"{self.requests} requests ({statuses}); events answered: {events}"


async def deliver(gateway: httpx.AsyncClient, events: Sequence[SignedEvent], tally: Tally) -> None:
    """POST the events as one array until the gateway answers 202, following each 503's Retry-After."""
    content = orjson.dumps([e.raw for e in events])
    while True:
        tally.requests += 1
        try:
            async with asyncio.timeout(REQUEST_SECONDS):
                answer = await gateway.post("/v1/events", content=content, headers={"content-type": "application/json"})
        except TimeoutError:
            tally.failures.append(f"no answer within {REQUEST_SECONDS:.0f} s")
            tally.statuses[0] += 1
            return
        except Exception as error:  # the app raised instead of answering: a 500 for a real client
            tally.failures.append(f"the gateway raised {type(error).__name__}: {error}")
            tally.statuses[500] += 1
            return
        tally.statuses[answer.status_code] += 1
        if answer.status_code == 202:
            tally.events.update(r["status"] for r in answer.json())
            return
        if answer.status_code != 503:
            tally.failures.append(f"HTTP {answer.status_code}: {answer.text[:200]}")
            return
        retry_after = answer.headers.get("retry-after")
        if retry_after is None or not retry_after.isdigit():
            tally.retry_after_missing += 1
            tally.failures.append(f"a 503 without a usable Retry-After: {answer.text[:200]}")
            return
        refusal = answer.json()
        assert refusal["error"], answer.text
        assert refusal["detail"], answer.text
        await asyncio.sleep(min(float(retry_after), MAX_RETRY_AFTER_S))


async def run_clients(
    gateway: httpx.AsyncClient, chains: Sequence[list[SignedEvent]], tally: Tally, *, clients: int, per_request: int,
    pause_s: float, gate: asyncio.Event | None = None,
) -> None:  # fmt: skip
    """Each client sends its share of chains, `per_request` chains per request, pausing between requests (and, with
    a `gate`, holding each request until the gate is open)."""

    async def client(mine: Sequence[list[SignedEvent]]) -> None:
        for start in range(0, len(mine), per_request):
            if gate is not None:
                await gate.wait()
            group = mine[start : start + per_request]
            await deliver(gateway, [e for chain in group for e in chain], tally)
            tally.chains_done += len(group)
            await asyncio.sleep(pause_s)

    async with asyncio.TaskGroup() as tasks:
        for number in range(clients):
            tasks.create_task(client(chains[number::clients]))


async def when(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Wait until `condition()` holds."""
    async with asyncio.timeout(seconds):
        while True:
            if condition():
                return
            await asyncio.sleep(0.05)


@dataclass(frozen=True)
class LedgerState:
    """What the ledger wrote: outcome per event, lot states, leaves, findings."""

    outcomes: dict[str, str]
    lots: dict[str, dict[str, Any]]
    leaves: int
    leaf_events: int
    findings: Counter[str]


async def ledger_state(database_url: str) -> LedgerState:
    """Read the ledger's tables."""
    db = await asyncpg.connect(database_url)
    try:
        rows = await db.fetch("SELECT event_id, outcome, reason_code FROM events")
        lots = await db.fetch("SELECT lot, state FROM lots")
        leaves = await db.fetchrow("SELECT count(*) AS n, count(DISTINCT event_id) AS events FROM log_leaves")
        findings = await db.fetch("SELECT code, count(*) AS n FROM findings GROUP BY code")
    finally:
        await db.close()
    assert leaves is not None
    return LedgerState(
        {r["event_id"]: r["reason_code"] or r["outcome"] for r in rows},
        {r["lot"]: orjson.loads(r["state"]) for r in lots},
        int(leaves["n"]),
        int(leaves["events"]),
        Counter({r["code"]: int(r["n"]) for r in findings}),
    )


async def settled(database_url: str, expected: int, workers: Workers, seconds: float = 120.0) -> LedgerState:
    """The ledger's tables once `expected` events are decided; fails at once when a process died, or with what is
    there when time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            state = await ledger_state(database_url)
        except (OSError, asyncpg.PostgresError):
            state = None  # the server is still coming back
        if state is not None and len(state.outcomes) >= expected:
            return state
        died = {n: workers.log_tail(n, 12) for n, p in workers.processes.items() if p.poll() is not None}
        assert not died, f"a pipeline process died (-1 is the ledger): {died}"
        if time.monotonic() > deadline:
            found = "no answer" if state is None else f"{len(state.outcomes)} decided"
            raise AssertionError(
                f"the ledger did not decide {expected} events in {seconds:.0f} s ({found}); "
                f"{await undecided(database_url)}"
            )
        await asyncio.sleep(0.5)


async def undecided(database_url: str) -> str:
    """Where the events the ledger lacks are: parked in custody, or nowhere the database knows."""
    db = await asyncpg.connect(database_url)
    try:
        parked = await db.fetch("SELECT partition, lot, json_array_length(records) AS n FROM custody_parked")
        missing = await db.fetch(
            "SELECT s.event_id, s.type, s.signer FROM submissions s LEFT JOIN events e USING (event_id) "
            "WHERE e.event_id IS NULL ORDER BY s.event_id LIMIT 20"
        )
        sessions = await db.fetch(
            "SELECT pid, state, wait_event_type, wait_event, left(query, 60) AS query FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await db.close()
    where = [f"{r['event_id']} {r['type']} by {r['signer']}" for r in missing]
    return (
        f"parked in custody: {[tuple(r) for r in parked]}; claimed but not in the ledger: {where}; "
        f"database sessions: {[tuple(r) for r in sessions]}"
    )


async def topic_sizes(bootstrap: str, topics: Sequence[str]) -> dict[str, int]:
    """Records on each topic (sum of the partitions' end offsets; nothing is compacted or expired in a test)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    partitions = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return {topic: sum(end for tp, end in ends.items() if tp.topic == topic) for topic in topics}


def check_against_clean(expected: Season, state: LedgerState, tally: Tally) -> None:
    """No loss, no duplicate, the clean run's final state, and every client answered 202 or 503 + Retry-After."""
    assert not tally.failures, f"clients got answers that are neither 202 nor 503 + Retry-After: {tally.failures[:5]}"
    assert tally.events["rejected"] == 0, tally.line()
    assert tally.chains_done == len(expected.chains), "every client got through all its chains"
    missing = sorted(set(expected.outcomes) - set(state.outcomes))
    assert not missing, f"{len(missing)} events answered 202 are not in the ledger, e.g. {missing[:5]}"
    differ = {i: (o, expected.outcomes.get(i)) for i, o in state.outcomes.items() if o != expected.outcomes.get(i)}
    assert not differ, f"{len(differ)} events differ from the clean run (ledger, clean): {list(differ.items())[:5]}"
    accepted = sum(1 for o in expected.outcomes.values() if o == "accepted")
    assert (state.leaves, state.leaf_events) == (accepted, accepted), f"{state.leaves} leaves for {accepted} events"
    differ_lots = [lot for lot in expected.lots if state.lots.get(lot) != expected.lots[lot]]
    assert not differ_lots, f"{len(differ_lots)} lots differ from the clean run, e.g. {differ_lots[:3]}"
    assert state.findings == expected.findings, f"findings {dict(state.findings)}, clean run {dict(expected.findings)}"


async def report(
    what: str, pipeline: PipelineSettings, expected: Season, state: LedgerState, tally: Tally, extra: str = ""
) -> str:
    """The counts a fault test prints: answers, records on the topics (re-sends included), rows in the ledger."""
    topics = pipeline.topics
    sizes = await topic_sizes(pipeline.kafka_bootstrap, [topics.inbound, topics.accepted])
    custody = sum(len(chain) for chain in expected.chains)
    assert sizes[topics.inbound] > 0, sizes
    assert sizes[topics.accepted] >= len(expected.outcomes), sizes
    return (
        f"\n{what}: {len(expected.outcomes)} events ({custody} custody) from clients: {tally.line()}\n"
        f"  topics: inbound {sizes[topics.inbound]} records for {custody} custody events "
        f"(packed per partition and request, re-sends, hand-offs); accepted {sizes[topics.accepted]} records for "
        f"{len(expected.outcomes)} events ({sizes[topics.accepted] - len(expected.outcomes)} re-sent)\n"
        f"  ledger: {len(state.outcomes)} events, {state.leaves} leaves, {len(state.lots)} lots, "
        f"{sum(state.findings.values())} findings: lost 0, duplicated 0, equal to the clean run{extra}"
    )


Fault = Callable[[], Awaitable[str]]
