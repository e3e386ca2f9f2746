"""Stage bench: the pipeline's stages one at a time, so each one's CPU per event is its own.

    .venv/bin/python bench/stages.py [--events 20000] [--py-spy PATH]

Runs against the Kafka and PostgreSQL of a running stack (start them with `.venv/bin/goldtrace up --infra-only`),
on a private pipeline like bench/pipeline.py. After the registry and a warm-up have gone through the whole
pipeline, the custody workers and the ledger are stopped and the stages run alone, each draining what the previous
one left in Kafka:
  1. gateway: `--events` signed events posted in batches of 500 -> inbound topic;
  2. custody: two workers started on that backlog -> accepted topic (per inbound record: events and hand-offs); the
     clock starts before the workers do, and what starting costs them on an empty backlog (measured first) is taken off;
  3. ledger: started on that backlog -> rows in PostgreSQL.
For each stage it prints the time, the events/s, and the CPU per event of every process (Kafka and PostgreSQL
included), beside the raw Ed25519 verify rate measured in the same run. With `--py-spy PATH` (py-spy is not a
dependency: `pip install py-spy` anywhere) each stage's service processes are sampled and the functions that
used their time are printed, own time first.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil
from _cpu import CpuMeter, Snapshot, used
from _load import flood, row_count, wait_for_rows
from _profiles import load, report
from _rig import InfraDownError, Rig, check_infra, open_rig
from _season import Season
from aiokafka import AIOKafkaConsumer, TopicPartition
from pipeline import THROUGHPUT_BATCH, WARMUP_EVENTS, custody_decided, raw_verify_rate, settle

from services.common.partitioning import inbound_partitions, partitioner
from services.stack.settings import StackSettings

QUIET_S = 3.0  # custody is done when its decided count has not moved for this long
STAGE_TIMEOUT_S = 240.0


class Stage:
    """One stage's measurement: CPU of every process between two snapshots, the units of work done meanwhile."""

    def __init__(self, name: str, rig: Rig, spy: str | None, processes: list[str]) -> None:
        self.name, self.rig, self.spy, self.processes = name, rig, spy, processes
        self.meter = CpuMeter(rig.stack, rig.database, rig.services)
        self.spies: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def begin(self, attach: bool = True) -> tuple[Snapshot, float]:
        """Snapshot the CPU now (and start sampling, unless `attach` waits until the processes run)."""
        if attach:
            self.attach()
        return self.meter.snapshot(), time.perf_counter()

    def attach(self) -> None:
        """Start sampling the stage's processes (with --py-spy)."""
        if self.spy:
            for name, pid in self.rig.services().items():
                if name in self.processes:
                    out = Path(tempfile.mkstemp(prefix=f"spy-{name}-", suffix=".txt")[1])
                    argv = [self.spy, "record", "-p", str(pid), "-r", "100", "--nonblocking", "-f", "raw", "-o"]
                    spy = subprocess.Popen([*argv, str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    self.spies.append((name, spy, out))

    def end(
        self,
        before: tuple[Snapshot, float],
        events: int,
        units: str = "",
        start_up: StartUp | None = None,
        seconds: float | None = None,
    ) -> None:
        """Print the stage's figures (and its samples); `start_up` is taken off its processes' CPU; `seconds`, when
        given, is the stage's working time instead of the time since `before`."""
        cpu = used(before[0], self.meter.snapshot())
        if seconds is None:
            seconds = time.perf_counter() - before[1]
        if start_up is not None:
            cpu = {name: max(spent - start_up.cpu.get(name, 0.0), 0.0) for name, spent in cpu.items()}
            units += f"; the workers' own start-up taken off their CPU ({start_up.total:.1f} CPU-s)"
        print(f"{self.name}: {events:,} events in {seconds:.1f} s = {events / seconds:,.0f} events/s{units}")
        for name, spent in sorted(cpu.items(), key=lambda kv: -kv[1]):
            if spent >= 0.05:
                print(f"    {name:<40} {figures(spent, seconds, events)}")
        print(f"    {'all':<40} {figures(sum(cpu.values()), seconds, events)}")
        for name, spy, out in self.spies:
            spy.send_signal(2)  # SIGINT: py-spy writes what it has
            spy.wait(timeout=30)
            print("\n".join(spied(name, out)))
            out.unlink(missing_ok=True)


def figures(cpu_s: float, seconds: float, events: int) -> str:
    """CPU seconds, cores and microseconds per event."""
    return f"{cpu_s:6.1f} CPU-s {cpu_s / seconds:5.2f} cores {cpu_s / events * 1e6:6.0f} us/event"


def spied(name: str, path: Path, top: int = 25) -> list[str]:
    """The functions that used a process's sampled time, own time and inclusive."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [re.sub(r"\S*/(site-packages|python3\.\d+|main)/", "", f) for f in stack.split(";")]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    lines = [f"    {name}: {total} samples; own time"]
    lines += [f"      {100 * n / max(total, 1):5.1f}% {f}" for f, n in own.most_common(top)]
    lines.append(f"    {name}: inclusive")
    lines += [f"      {100 * n / max(total, 1):5.1f}% {f}" for f, n in inclusive.most_common(2 * top)]
    return lines


@dataclass(frozen=True)
class StartUp:
    """What starting the custody workers costs by itself: CPU seconds per process."""

    cpu: dict[str, float]

    @property
    def total(self) -> float:
        """CPU seconds of all of them."""
        return sum(self.cpu.values())


async def custody_start_up(rig: Rig) -> StartUp:
    """Start both custody workers on an empty backlog, measure what that costs until they are up, stop them."""
    meter = CpuMeter(rig.stack, rig.database, rig.services)
    before = meter.snapshot()
    for number in range(2):
        await asyncio.to_thread(rig.workers.start, number)
    spent = used(before, meter.snapshot())
    await asyncio.to_thread(rig.workers.stop_all)
    return StartUp({name: spent.get(name, 0.0) for name in ("custody-0", "custody-1")})


async def end_offsets(bootstrap: str, topic: str) -> dict[TopicPartition, int]:
    """The next offset of each partition of a topic."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or {0})]
        found: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        return found
    finally:
        await consumer.stop()


async def decision_span(bootstrap: str, topic: str, since: dict[TopicPartition, int]) -> float:
    """Seconds from the first to the last record written to `topic` after the offsets `since` (their timestamps)."""
    until = await end_offsets(bootstrap, topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    first, last = float("inf"), float("-inf")
    try:
        consumer.assign(list(since))
        for tp, offset in since.items():
            consumer.seek(tp, offset)
        remaining = {tp: until[tp] - offset for tp, offset in since.items() if until[tp] > offset}
        async with asyncio.timeout(60):
            while remaining:
                for tp, messages in (await consumer.getmany(timeout_ms=500)).items():
                    for message in messages:
                        if message.offset < until[tp]:
                            first, last = min(first, message.timestamp), max(last, message.timestamp)
                    if messages and messages[-1].offset >= until[tp] - 1:
                        remaining.pop(tp, None)
    finally:
        await consumer.stop()
    return max((last - first) / 1000, 0.001)


async def custody_done(rig: Rig, timeout_s: float) -> int:
    """Wait until the workers' decided counts stop moving; their sum."""
    last, still_since, deadline = -1, time.perf_counter(), time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        decided = sum(custody_decided(rig).values())
        if decided != last:
            last, still_since = decided, time.perf_counter()
        elif time.perf_counter() - still_since >= QUIET_S:
            return decided
        await asyncio.sleep(0.2)
    raise RuntimeError(f"custody still deciding after {timeout_s:.0f} s")


async def stages(args: argparse.Namespace, rig: Rig, season: Season, spy: str | None) -> None:
    """Warm the pipeline up whole, then run the gateway, custody and the ledger alone, one after the other."""
    db = await asyncpg.connect(rig.pipeline.database_url)
    try:
        async with httpx.AsyncClient(base_url=rig.gateway_url, timeout=120) as http:
            await settle(http, db, season.registry())
            await settle(http, db, season.batch(WARMUP_EVENTS))
            plan = [
                season.batch(min(THROUGHPUT_BATCH, args.events - s)) for s in range(0, args.events, THROUGHPUT_BATCH)
            ]
            print(f"raw Ed25519 verify on one core, this run: {raw_verify_rate(season.triples):,.0f} per s")
            rows_before = await row_count(db)
            await asyncio.to_thread(rig.workers.stop_all)
            start_up = await custody_start_up(rig)

            gateway = Stage("1. gateway alone (HTTP -> inbound topic)", rig, spy, ["gateway"])
            began = gateway.begin()
            await flood(http, plan, args.connections)
            gateway.end(began, args.events)

        # The workers drain a backlog while they are still starting: their CPU is counted from before they start,
        # less what starting alone costs (measured before stage 1, on an empty backlog), and the stage's time is the
        # span of their decisions (the accepted records' timestamps), not the time since they were started.
        accepted = rig.pipeline.topics.accepted
        offsets = await end_offsets(rig.pipeline.kafka_bootstrap, accepted)
        custody = Stage("2. custody alone (inbound -> accepted)", rig, spy, ["custody-0", "custody-1"])
        began = custody.begin(attach=False)
        for number in range(2):
            await asyncio.to_thread(rig.workers.start, number)
        custody.attach()
        decided = await custody_done(rig, STAGE_TIMEOUT_S)
        span = await decision_span(rig.pipeline.kafka_bootstrap, accepted, offsets)
        units = f" ({decided:,} inbound records: packed events and hand-offs; first to last decision)"
        custody.end(began, args.events, units, start_up, seconds=span)

        await asyncio.to_thread(rig.workers.start_ledger)
        ledger = Stage("3. ledger alone (accepted -> PostgreSQL)", rig, spy, ["ledger"])
        rows_started = await row_count(db) - rows_before
        began = ledger.begin()
        rows, _ = await wait_for_rows(db, rows_before + args.events, STAGE_TIMEOUT_S)
        ledger.end(began, rows - rows_before - rows_started, f" (rows; {rows_started:,} written before it was up)")
    finally:
        await db.close()


async def run(args: argparse.Namespace, stack: StackSettings, admin_url: str) -> None:
    """Sign, start the private pipeline, run the stages, tear down (and print the profiles when asked)."""
    season = Season(partitioner(inbound_partitions()))
    async with open_rig(stack, admin_url, season.anchor(), args.profile) as rig:
        await stages(args, rig, season, args.py_spy)
        await asyncio.to_thread(rig.stop)
        if args.profile is not None:
            profiles = sorted(rig.profiles.glob("*.prof"))
            print(f"\nwhere the time goes (cProfile, {args.profile} clock, whole life of each process):")
            for service in ("gateway", "custody", "ledger"):
                entries = load(p for p in profiles if p.name.startswith(f"{service}-"))
                print("\n".join(report(service, entries, args.top)))


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, check the infrastructure, run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000, help="events through each stage")
    parser.add_argument("--connections", type=int, default=4, help="concurrent HTTP connections to the gateway")
    parser.add_argument("--py-spy", help="path of a py-spy binary: sample each stage's processes")
    parser.add_argument(
        "--profile", choices=["wall", "cpu"], help="run the services under cProfile with this clock and print it"
    )
    parser.add_argument("--top", type=int, default=15, help="functions per list with --profile")
    args = parser.parse_args(argv)
    stack = StackSettings.from_env()
    try:
        admin_url = asyncio.run(check_infra(stack))
    except InfraDownError as why:
        print(f"stage bench: {why}; start them with `.venv/bin/goldtrace up --infra-only`", file=sys.stderr)
        return 2
    print(f"stage bench on {psutil.cpu_count()} cores, load average {' '.join(f'{a:.2f}' for a in os.getloadavg())}")
    asyncio.run(run(args, stack, admin_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
