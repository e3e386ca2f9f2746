"""Ledger figures on the running stack: accepted records/s from Kafka to committed rows, batch latency, where the
time goes (parsing vs. the transaction), and proof latency from PostgreSQL.

Run with the stack up (e.g. the test stack's environment):
    .venv/bin/python bench/ledger.py [--events N] [--batch B]
It uses its own topics and a scratch database, both removed afterwards. Prints figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import orjson
import psutil
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from events.custody import Accepted, decide, evolve, initial_state
from services.ledger import consumer as ledger_consumer
from services.ledger.app import Ledger, open_ledger
from services.ledger.settings import LedgerSettings
from services.ledger.store import LedgerStore
from services.ledger.tree_store import PgTreeStore
from services.stack import migrations, postgres
from services.stack.settings import REPO_ROOT, StackSettings

sys.path.insert(0, str(REPO_ROOT))
from tests.unit.events.scenario import ECO_ASMO, ECO_CERT, ECO_MINE, TRADER, Scenario, shipment_of
from tests.unit.ledger.season import accepted_value


def accepted_records(count: int) -> list[bytes]:
    """`count` accepted records of a realistic mix: extraction, shipment, receipt (lots, shipments, findings)."""
    scenario = Scenario(step=timedelta(seconds=1))  # a year of certificate holds the whole run
    state = initial_state(scenario.anchor())
    values: list[bytes] = []
    registry = scenario.world()
    for signed in registry:
        evolve(state, decide(state, signed))
    i = 0
    while len(values) < count:
        lot = f"lot-{i:07d}"
        shipped = scenario.ship(ECO_ASMO, lot, TRADER, 10_000, premium_usd="51.00")
        chain = [scenario.extract(ECO_ASMO, lot, ECO_MINE, 10_000, certificate=ECO_CERT), shipped]
        chain.append(scenario.receive(TRADER, lot, shipment_of(shipped), 10_000))
        for signed in chain:
            outcome = decide(state, signed)
            assert isinstance(outcome, Accepted), outcome
            evolve(state, outcome)
            values.append(accepted_value(signed, outcome, len(registry)))
        i += 1
    return values[:count]


async def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    """Send the records with an idempotent producer."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    try:
        for value in values:
            await producer.send(topic, value)
        await producer.flush()
    finally:
        await producer.stop()


async def bench(events: int, batch: int, rate: int, seconds: float) -> None:
    """Fill fresh topics, time the ledger catching up, time proofs, then measure latency at a steady rate."""
    stack = StackSettings.from_env()
    url = postgres.database_url(stack)
    name = f"gt_bench_{uuid.uuid4().hex[:10]}"
    prefix = name.replace("_", "-")
    admin_db = await asyncpg.connect(url)
    kafka = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await kafka.start()
    topics = [f"{prefix}.events.accepted", f"{prefix}.events.rejected"]
    await admin_db.execute(f'CREATE DATABASE "{name}"')
    scratch = url.rsplit("/", 1)[0] + "/" + name
    try:
        await kafka.create_topics([NewTopic(t, 1, 1) for t in topics])
        await migrations.apply_migrations(scratch)
        started = time.perf_counter()
        steady = int(rate * seconds)
        values = accepted_records(events + steady)
        print(f"built {events + steady} signed, decided records in {time.perf_counter() - started:.1f} s")
        await produce(stack.kafka_bootstrap, topics[0], values[:events])
        await run_ledger(stack, scratch, topics, batch, events, (values[events:], rate))
    finally:
        await kafka.delete_topics(topics)
        await kafka.close()
        await admin_db.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin_db.close()


async def run_ledger(
    stack: StackSettings, url: str, topics: list[str], batch: int, events: int, steady: tuple[list[bytes], int]
) -> None:
    """Catch up from the beginning (timing parsing and each batch), then run live at a steady rate."""
    settings = LedgerSettings(
        kafka_bootstrap=stack.kafka_bootstrap,
        database_url=url,
        accepted_topic=topics[0],
        rejected_topic=topics[1],
        log_key_file=Path(tempfile.mkdtemp()) / "log.pem",
        log_keyid="bench-log",
        head_interval_s=5.0,
        batch_max_records=batch,
        poll_timeout_ms=200,
        http_host="127.0.0.1",
        http_port=0,
    )
    parse_s: list[float] = []
    write_s: list[float] = []
    committed: dict[str, float] = {}
    real_parse = ledger_consumer.LedgerConsumer._parse
    real_write = LedgerStore.write_batch

    async def timed_parse(self, records):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return await real_parse(self, records)
        finally:
            parse_s.append(time.perf_counter() - began)

    async def timed_write(self, parsed, now):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            result = await real_write(self, parsed, now)
        finally:
            write_s.append(time.perf_counter() - began)
        done = time.perf_counter()
        for _, record in parsed:
            committed.setdefault(getattr(record, "event_id", ""), done)
        return result

    ledger_consumer.LedgerConsumer._parse = timed_parse  # type: ignore[method-assign]
    LedgerStore.write_batch = timed_write  # type: ignore[method-assign]
    async with open_ledger(settings) as ledger:
        cpu_before = cpu_seconds()
        began = time.perf_counter()
        await ledger.consumer.catch_up(timeout_s=600)
        elapsed = time.perf_counter() - began
        cpu = {name: after - cpu_before.get(name, 0.0) for name, after in cpu_seconds().items()}
        head = await ledger.sign_head_now()
        assert head["tree_size"] == events
        print(
            f"ledger: {events} accepted records in {elapsed:.2f} s = {events / elapsed:,.0f} records/s (batch {batch})"
        )
        print(
            f"  batches: {len(write_s)}, transaction (in flight while the next batch is parsed) "
            f"p50 {1000 * statistics.median(write_s):.1f} ms, "
            f"p99 {1000 * quantile(write_s, 0.99):.1f} ms, max {1000 * max(write_s):.1f} ms"
        )
        print(
            f"  parsing/validating records {sum(parse_s):.2f} s, batch transactions {sum(write_s):.2f} s "
            f"(the two overlap), wall {elapsed:.2f} s"
        )
        print(
            "  CPU while catching up: "
            + ", ".join(f"{name} {sec:.2f} s ({1e6 * sec / events:.0f} us/record)" for name, sec in cpu.items())
        )
        async with ledger.pool.acquire() as db:
            await proofs(PgTreeStore(db), events)
        await live(ledger, settings, steady, committed)


async def live(
    ledger: Ledger, settings: LedgerSettings, steady: tuple[list[bytes], int], committed: dict[str, float]
) -> None:
    """Send records at a steady rate while the ledger runs; print send-to-commit latency."""
    values, rate = steady
    if not values:
        return
    ids = [orjson.loads(value)["event"]["id"] for value in values]
    stop = asyncio.Event()
    running = asyncio.create_task(ledger.consumer.run(stop))
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    sent: dict[str, float] = {}
    try:
        began = time.perf_counter()
        for i, (event_id, value) in enumerate(zip(ids, values, strict=True)):
            await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
            sent[event_id] = time.perf_counter()
            await producer.send(settings.accepted_topic, value)
        await producer.flush()
        async with asyncio.timeout(60):
            while not all(event_id in committed for event_id in ids):  # noqa: ASYNC110 - polls a dict, fine here
                await asyncio.sleep(0.05)
    finally:
        await producer.stop()
        stop.set()
        await running
    latencies = [committed[event_id] - sent[event_id] for event_id in ids]
    print(
        f"live at {rate}/s for {len(ids) / rate:.0f} s: send -> committed "
        f"p50 {1000 * statistics.median(latencies):.0f} ms, p99 {1000 * quantile(latencies, 0.99):.0f} ms, "
        f"max {1000 * max(latencies):.0f} ms"
    )


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by this process (the ledger), the PostgreSQL server and the Kafka broker."""
    totals = {"ledger (python)": sum(psutil.Process().cpu_times()[:2]), "postgres": 0.0, "kafka (java)": 0.0}
    for process in psutil.process_iter(["name"]):
        name = process.info["name"] or ""
        key = "postgres" if name.startswith("postgres") else "kafka (java)" if name == "java" else None
        if key is not None:
            with contextlib.suppress(psutil.Error):
                totals[key] += sum(process.cpu_times()[:2])
    return totals


async def proofs(tree: PgTreeStore, size: int, count: int = 500) -> None:
    """Latency of inclusion and consistency proofs and roots, straight from PostgreSQL."""
    for label, action in (
        ("inclusion proof", lambda i: tree.inclusion_proof((i * 7919) % size, size)),
        ("consistency proof", lambda i: tree.consistency_proof(1 + (i * 7919) % size, size)),
        ("root", lambda i: tree.root(size - i % 100)),
    ):
        timings = []
        for i in range(count):
            began = time.perf_counter()
            await action(i)
            timings.append(time.perf_counter() - began)
        print(
            f"  {label} at {size} leaves: p50 {1000 * statistics.median(timings):.2f} ms, "
            f"p99 {1000 * quantile(timings, 0.99):.2f} ms"
        )


def quantile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--rate", type=int, default=500, help="records/s of the live phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the live phase")
    args = parser.parse_args()
    asyncio.run(bench(args.events, args.batch, args.rate, args.seconds))


if __name__ == "__main__":
    main()
