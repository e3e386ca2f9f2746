"""Pipeline bench: signed events through gateway -> Kafka -> 2 custody workers -> ledger -> PostgreSQL rows.

    .venv/bin/python bench/pipeline.py [--events 30000] [--rate 500] [--seconds 20] [--profile]

Runs against the Kafka and PostgreSQL of a running stack (StackSettings.from_env(); start them with
`.venv/bin/goldtrace up --infra-only`). Makes a private pipeline (unique topic prefix, scratch database, an
in-memory authority key as trust anchor), starts the ledger, two custody workers and the gateway as real processes,
pre-signs a realistic season (bench/_season.py; signing is not measured), submits the registry and a warm-up batch
(untimed), then measures:
(a) sustained throughput: `--events` submitted in batches of 500 over `--connections` connections, from the first
    submit until every one is a row in `events` -> events/s, beside the raw Ed25519 verify rate of one core
    measured in the same run, and the CPU each process (and the rest of the machine) used meanwhile;
(b) latency from submit to queryable (the accepted row's recorded_at) at a paced `--rate` for `--seconds`.
Prints the targets (>= 2,000 events/s; p99 <= 1 s at 500 events/s), the figures and whether they are met, and each
process's memory. `--profile` runs the services under cProfile (GOLDTRACE_PROFILE_DIR, services/common/profiling.py)
and prints where their time goes; a profiled run is slower than an unprofiled one. Everything is torn down at the
end; the run stops measuring in time to be over within `--time-limit` seconds (290 by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import urllib.request

import asyncpg
import httpx
import psutil
from _cpu import CpuMeter, used
from _load import (
    Submitted,
    flood,
    latencies,
    outcomes,
    paced,
    post_batch,
    row_count,
    sampling_parked,
    stages,
    wait_for_rows,
)
from _profiles import load, report
from _report import Figures, latency_lines, summary_lines, throughput_lines
from _rig import InfraDownError, Rig, check_infra, open_rig, rss_mb
from _season import Season, Triple

from services.common.partitioning import inbound_partitions, partitioner
from services.stack.settings import StackSettings

THROUGHPUT_BATCH = 500
WARMUP_EVENTS = 112  # four groups of 28
SETTLE_TIMEOUT_S = 60.0
TEARDOWN_RESERVE_S = 50.0  # stopping four processes and dropping the database, at worst
Plan = dict[str, list[list[bytes]]]


def raw_verify_rate(triples: list[Triple], rounds: int = 3) -> float:
    """Ed25519 verifications per second on one core (cached key objects), best of `rounds`."""
    best = 0.0
    for _ in range(rounds):
        began = time.perf_counter()
        for t in triples:
            t.public.verify(t.signature, t.message)
        best = max(best, len(triples) / (time.perf_counter() - began))
    return best


def scrape(url: str) -> dict[str, float]:
    """A Prometheus text page as {sample with its labels: value}."""
    with urllib.request.urlopen(url, timeout=5) as answer:
        text = answer.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def ledger_batches(rig: Rig) -> tuple[float, float]:
    """(seconds spent writing batches, batches written) so far, from the ledger's /metrics."""
    samples = scrape(f"{rig.ledger_url}/metrics")
    prefix = "goldtrace_ledger_batch_seconds"
    return samples.get(f"{prefix}_sum", 0.0), samples.get(f"{prefix}_count", 0.0)


def custody_decided(rig: Rig) -> dict[str, int]:
    """Inbound records (events and hand-offs) each custody worker decided."""
    found = {}
    for number in sorted(n for n in rig.workers.processes if n >= 0):
        samples = scrape(f"http://127.0.0.1:{rig.workers.base_port + number}/metrics")
        found[f"custody-{number}"] = int(samples.get("custody_records_decided_total", 0))
    return found


async def settle(http: httpx.AsyncClient, db: asyncpg.Connection, events: list[bytes]) -> None:
    """Submit untimed events (registry, warm-up) and wait until all are rows."""
    expected = await row_count(db) + len(events)
    await post_batch(http, events, Submitted())
    rows, _ = await wait_for_rows(db, expected, SETTLE_TIMEOUT_S)
    if rows < expected:
        raise RuntimeError(f"only {rows} of {expected} untimed events became rows in {SETTLE_TIMEOUT_S:.0f} s")


async def throughput(
    args: argparse.Namespace, rig: Rig, http: httpx.AsyncClient, db: asyncpg.Connection, plan: Plan, f: Figures
) -> None:
    """(a): flood the gateway, count rows until all are in; CPU per process meanwhile."""
    meter = CpuMeter(rig.stack, rig.database, rig.services)
    before_rows = await row_count(db)
    f.batch, f.connections, f.events = THROUGHPUT_BATCH, args.connections, sum(len(b) for b in plan["throughput"])
    cpu_before = meter.snapshot()
    began = time.perf_counter()
    submitted = await sampling_parked(db, flood(http, plan["throughput"], args.connections), f.parked)
    f.intake_s = submitted.last_answer - began
    rows, seen = await wait_for_rows(db, before_rows + f.events, args.drain_timeout, f.parked)
    f.rows_seen, f.window_s = rows - before_rows, seen - began
    f.cpu = used(cpu_before, meter.snapshot())
    if f.rows_seen >= f.events:
        f.throughput_s = f.window_s
    else:
        f.stopped_early = f"(a) did not complete within {args.drain_timeout:.0f} s of the last submit"


async def latency(
    args: argparse.Namespace, rig: Rig, http: httpx.AsyncClient, db: asyncpg.Connection, plan: Plan, f: Figures
) -> None:
    """(b): paced submits; each accepted row's recorded_at against its batch's due time."""
    expected = await row_count(db) + sum(len(b) for b in plan["latency"])
    f.rate, f.seconds, f.pace_batch = args.rate, args.seconds, args.pace_batch
    f.latency_expected = sum(len(b) for b in plan["latency"])
    batches_before = ledger_batches(rig)
    meter = CpuMeter(rig.stack, rig.database, rig.services)
    cpu_before, began = meter.snapshot(), time.perf_counter()
    sent = await sampling_parked(db, paced(http, plan["latency"], args.pace_batch / args.rate), f.latency_parked)
    f.round_trips = sorted(sent.answered_s)
    await wait_for_rows(db, expected, args.latency_timeout, f.latency_parked)
    f.latency_cpu, f.latency_window_s = used(cpu_before, meter.snapshot()), time.perf_counter() - began
    f.latency = await latencies(db, sent.due)
    f.latency_stages = await stages(db, sent.due)
    after = ledger_batches(rig)
    f.ledger_batches = (after[0] - batches_before[0], after[1] - batches_before[1])


async def measure(args: argparse.Namespace, rig: Rig, season: Season, plan: Plan, f: Figures) -> None:
    """Registry and warm-up (untimed), then (a) throughput and (b) paced latency."""
    db = await asyncpg.connect(rig.pipeline.database_url)
    try:
        limits = httpx.Limits(max_connections=max(args.connections, 16))
        async with httpx.AsyncClient(base_url=rig.gateway_url, timeout=120, limits=limits) as http:
            for untimed in (*plan["registry"], *plan["warmup"]):
                await settle(http, db, untimed)
            f.verify_rates.append(raw_verify_rate(season.triples))
            await throughput(args, rig, http, db, plan, f)
            f.verify_rates.append(raw_verify_rate(season.triples))
            if f.throughput_s is not None:
                await latency(args, rig, http, db, plan, f)
            f.outcomes = await outcomes(db)
            f.decided = custody_decided(rig)
    finally:
        await db.close()


def plan_season(args: argparse.Namespace) -> tuple[Season, Plan]:
    """Sign everything the run will send, in the order it will be sent."""
    latency_events = int(args.rate * args.seconds)
    season = Season(partitioner(inbound_partitions()))
    plan = {"registry": [season.registry()], "warmup": [season.batch(WARMUP_EVENTS)]}
    plan["throughput"] = [
        season.batch(min(THROUGHPUT_BATCH, args.events - start)) for start in range(0, args.events, THROUGHPUT_BATCH)
    ]
    plan["latency"] = [
        season.batch(min(args.pace_batch, latency_events - start))
        for start in range(0, latency_events, args.pace_batch)
    ]
    return season, plan


def print_profiles(rig: Rig, top: int, clock: str) -> None:
    """Where each service's time went (the processes have stopped and dumped their profiles)."""
    profiles = sorted(rig.profiles.glob("*.prof"))
    print(f"\nwhere the time goes (cProfile, {clock} clock; a profiled run is slower than an unprofiled one):")
    for service in ("gateway", "custody", "ledger"):
        title = "custody (both workers)" if service == "custody" else service
        print("\n".join(report(title, load(p for p in profiles if p.name.startswith(f"{service}-")), top)))


async def run(args: argparse.Namespace, stack: StackSettings, admin_url: str) -> int:
    """Sign, start the pipeline, measure, tear down, print."""
    load_before = os.getloadavg()
    began = time.perf_counter()
    season, plan = plan_season(args)
    signed = sum(len(b) for batches in plan.values() for b in batches)
    print(f"signed {signed:,} events in {time.perf_counter() - began:.1f} s (not measured)")
    figures = Figures()
    async with open_rig(stack, admin_url, season.anchor(), args.profile, args.keep) as rig:
        print(f"gateway, 2 custody workers and the ledger are up ({time.perf_counter() - began:.0f} s so far)")
        budget = args.time_limit - TEARDOWN_RESERVE_S - (time.perf_counter() - began)
        try:
            async with asyncio.timeout(budget):
                await measure(args, rig, season, plan, figures)
        except TimeoutError:
            figures.stopped_early = f"the time limit of {args.time_limit:.0f} s ran out ({budget:.0f} s of measuring)"
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, httpx.HTTPError, RuntimeError) as error:
            figures.stopped_early = f"{type(error).__name__}: {error}"
        figures.rss = {name: rss_mb(pid) for name, pid in rig.services().items() if psutil.pid_exists(pid)}
        await asyncio.to_thread(rig.stop)
        if args.profile is not None:
            print_profiles(rig, args.top, args.profile)
    print()
    print("\n".join([*throughput_lines(figures), *latency_lines(figures), "", *summary_lines(figures)]))
    print(
        f"machine: {psutil.cpu_count()} cores; load average (1/5/15 min) before {_averages(load_before)}, "
        f"after {_averages(os.getloadavg())}; {time.perf_counter() - began:.0f} s in all"
    )
    return 1 if figures.stopped_early else 0


def _averages(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{a:.2f}" for a in averages)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, check the infrastructure, run the bench."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=30_000, help="events of the throughput phase (a)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent HTTP connections in (a)")
    parser.add_argument("--rate", type=int, default=500, help="events/s of the paced latency phase (b)")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of (b)")
    parser.add_argument("--pace-batch", type=int, default=50, help="events per request in (b)")
    parser.add_argument("--drain-timeout", type=float, default=150.0, help="seconds (a) may take after submitting")
    parser.add_argument("--latency-timeout", type=float, default=30.0, help="seconds (b) may take after submitting")
    parser.add_argument("--time-limit", type=float, default=290.0, help="seconds for the whole run, teardown included")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="wall",
        choices=["wall", "cpu"],
        help="run the services under cProfile (clock: wall, the default, or cpu) and print where the time goes",
    )
    parser.add_argument("--top", type=int, default=12, help="functions per list with --profile")
    parser.add_argument("--keep", action="store_true", help="keep the folder of logs and profiles")
    args = parser.parse_args(argv)
    stack = StackSettings.from_env()
    try:
        admin_url = asyncio.run(check_infra(stack))
    except InfraDownError as why:
        print(
            f"pipeline bench: {why}.\nStart Kafka and PostgreSQL first, with the same GOLDTRACE_* environment:\n"
            "    .venv/bin/goldtrace up --infra-only",
            file=sys.stderr,
        )
        return 2
    print(
        f"pipeline bench on Kafka {stack.kafka_bootstrap} and PostgreSQL 127.0.0.1:{stack.postgres_port}; "
        f"load average {_averages(os.getloadavg())} on {psutil.cpu_count()} cores"
    )
    try:
        return asyncio.run(run(args, stack, admin_url))
    except RuntimeError as error:  # a service did not start: its log's tail says why
        print(f"pipeline bench: the private pipeline did not start: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
