"""Load bench: the gateway driven at rising rates until p99 passes 1 s; the knee, each process's memory, and whether
anything was lost or duplicated.

    .venv/bin/python bench/load.py [--start 200] [--factor 1.5] [--step-seconds 10] [--time-limit 290]

Runs against the Kafka and PostgreSQL of a running stack (StackSettings.from_env(); start them with
`.venv/bin/goldtrace up --infra-only`), on a private pipeline with its own processes (bench/_rig.py: the ledger, two
custody workers, the gateway under uvicorn). Each step sends pre-signed custody events (bench/_season.py, signed
before the step and not timed) at one rate for `--step-seconds`, in requests of `--pace-batch` events sent on a fixed
schedule (a slow answer does not delay the next request: no coordinated omission), then waits for the step's events
to become rows. A 503 is retried after its Retry-After and counted. Per step it prints the rate offered and taken,
the answer time (due -> 202) and the end-to-end latency (due -> the accepted row's recorded_at) at p50 and p99, and
the memory of every process. Rates climb by `--factor` while p99 holds (and step down from `--start` while it never
held), then one last step goes between the last good rate and the first bad one; the knee is the highest rate whose
p99 stayed within 1 s. At the end every submitted event must be exactly one accepted row with exactly one log leaf:
lost and duplicated events are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import httpx
import psutil
from _load import latencies, percentile, row_count, wait_for_rows
from _rig import InfraDownError, Rig, check_infra, open_rig
from _season import Season, body, event_ids

from services.common.partitioning import inbound_partitions, partitioner
from services.stack import kafka, postgres, processes
from services.stack.settings import StackSettings

TARGET_P99_S = 1.0
MAX_RETRY_AFTER_S = 5.0
TEARDOWN_RESERVE_S = 50.0


@dataclass
class Step:
    """One rate held for a while, and what it did."""

    rate: float
    events: int = 0
    sent_s: float = 0.0
    answers_s: list[float] = field(default_factory=list)
    latency_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    last_answer: float = 0.0
    drained: bool = False
    memory_mb: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """The rows kept up and the end-to-end p99 stayed within the target."""
        return self.drained and self.p99 <= TARGET_P99_S

    @property
    def p99(self) -> float:
        """End-to-end p99; events without an accepted row count as infinitely late."""
        late = self.latency_s + [float("inf")] * (self.events - len(self.latency_s))
        return percentile(sorted(late), 0.99)

    def line(self) -> str:
        """The step's figures."""
        answers, lat = sorted(self.answers_s), sorted(self.latency_s)
        shed = f", {self.statuses[503]} answers 503 (retried)" if self.statuses[503] else ""
        return (
            f"  {self.rate:7,.0f}/s offered, {self.events / self.sent_s:7,.0f}/s taken: 202 after p50 "
            f"{percentile(answers, 0.5):.3f} s p99 {percentile(answers, 0.99):.3f} s; row after p50 "
            f"{percentile(lat, 0.5):.3f} s p99 {self.p99:.3f} s{shed}"
            + ("" if self.drained else "; NOT drained in time")
        )


async def post(http: httpx.AsyncClient, events: list[bytes], due_wall: float, step: Step) -> None:
    """POST one batch until it is answered 202 (following Retry-After); record when, counted from its due time."""
    content = body(events)
    while True:
        answer = await http.post("/v1/events", content=content, headers={"content-type": "application/json"})
        step.statuses[answer.status_code] += 1
        if answer.status_code == 202:
            step.answers_s.append(time.time() - due_wall)
            step.last_answer = time.perf_counter()
            refused = [r for r in answer.json() if r["status"] not in {"queued", "duplicate"}]
            if refused:
                raise RuntimeError(f"{len(refused)} events were refused, e.g. {refused[0]}")
            return
        if answer.status_code != 503:
            raise RuntimeError(f"the gateway answered {answer.status_code}: {answer.text[:300]}")
        await asyncio.sleep(min(float(answer.headers.get("retry-after", "1")), MAX_RETRY_AFTER_S))


async def run_step(
    http: httpx.AsyncClient, db: asyncpg.Connection, batches: list[list[bytes]], step: Step, drain_s: float
) -> None:
    """Send batch i at start + i * interval, each in its own task; then wait for the rows and measure."""
    step.events = sum(len(b) for b in batches)
    interval = step.events / step.rate / len(batches)
    ids = [event_ids(b) for b in batches]
    expected = await row_count(db) + step.events
    due: dict[str, float] = {}
    start_wall, start = time.time(), time.perf_counter()
    async with asyncio.TaskGroup() as tasks:
        for i, batch in enumerate(batches):
            delay = start + i * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            due.update(dict.fromkeys(ids[i], start_wall + i * interval))
            tasks.create_task(post(http, batch, start_wall + i * interval, step))
    step.sent_s = max(step.last_answer - start, interval)  # first due -> last answer
    rows, _ = await wait_for_rows(db, expected, drain_s)
    step.drained = rows >= expected
    step.latency_s = await latencies(db, due)


def memory_mb(rig: Rig) -> dict[str, float]:
    """RSS of each service process and the broker; PostgreSQL as the PSS sum of all its processes (shared buffers
    counted once). The broker and the database server are the stack's, shared with anything else using it."""
    found: dict[str, float] = {}
    for name, pid in rig.services().items():
        if psutil.pid_exists(pid):
            found[name] = psutil.Process(pid).memory_info().rss / 2**20
    broker = processes.running(rig.stack.run_dir, kafka.PROCESS_NAME)
    if broker is not None:
        found["kafka"] = psutil.Process(broker.pid).memory_info().rss / 2**20
    server = postgres.server_pid(rig.stack)
    if server is not None:
        master = psutil.Process(server)
        pss = 0.0
        for process in [master, *master.children(recursive=True)]:
            try:
                pss += process.memory_full_info().pss
            except psutil.Error:
                continue
        found["postgres (PSS)"] = pss / 2**20
    return found


@dataclass
class Audit:
    """Every submitted event against the ledger's rows and leaves."""

    submitted: int
    accepted: int
    lost: int
    leaves: int
    leaf_events: int
    outcomes: dict[str, int]


async def audit(db: asyncpg.Connection, submitted: list[str]) -> Audit:
    """Which submitted events became exactly one accepted row with exactly one leaf."""
    accepted = await db.fetchval(
        "SELECT count(*) FROM events WHERE event_id = ANY($1::text[]) AND outcome = 'accepted'", submitted
    )
    leaves = await db.fetchrow("SELECT count(*) AS n, count(DISTINCT event_id) AS events FROM log_leaves")
    rows = await db.fetch("SELECT coalesce(reason_code, outcome) AS what, count(*) AS n FROM events GROUP BY 1")
    assert leaves is not None
    return Audit(
        len(submitted),
        int(accepted),
        len(submitted) - int(accepted),
        int(leaves["n"]),
        int(leaves["events"]),
        {r["what"]: int(r["n"]) for r in rows},
    )


def next_step(rate: float, good: float, bad: float, factor: float, refined: bool, floor: float) -> float | None:
    """Climb while p99 holds, step down while it never held; then one step between the last good and first bad."""
    if refined:
        return None
    if bad == float("inf"):
        return rate * factor
    if good == 0.0:
        return rate / factor if rate / factor >= floor else None
    return (good + bad) / 2 if bad / good > 1.2 else None


async def one_step(
    args: argparse.Namespace,
    rig: Rig,
    http: httpx.AsyncClient,
    db: asyncpg.Connection,
    season: Season,
    rate: float,
    submitted: list[str],
) -> Step:
    """Sign a step's events (untimed), send them at `rate`, wait for their rows, take the memory."""
    events = int(rate * args.step_seconds)
    batches = [season.batch(min(args.pace_batch, events - s)) for s in range(0, events, args.pace_batch)]
    step = Step(rate)
    await run_step(http, db, batches, step, args.drain_seconds)
    step.memory_mb = memory_mb(rig)
    submitted += [i for b in batches for i in event_ids(b)]
    print(step.line(), flush=True)
    return step


async def measure(args: argparse.Namespace, rig: Rig, season: Season, steps: list[Step], deadline: float) -> Audit:
    """The registry (untimed), then rising steps until p99 passes the target, time runs out or rows lag behind."""
    db = await asyncpg.connect(rig.pipeline.database_url)
    submitted: list[str] = []
    try:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=rig.gateway_url, timeout=120, limits=limits) as http:
            registry = season.registry()
            await post(http, registry, time.time(), Step(1.0))
            await wait_for_rows(db, len(registry), 60.0)
            submitted += event_ids(registry)
            rate, good, bad, refined = args.start, 0.0, float("inf"), False
            while time.perf_counter() + args.step_seconds + args.drain_seconds < deadline:
                step = await one_step(args, rig, http, db, season, rate, submitted)
                steps.append(step)
                if step.passed:
                    good = max(good, rate)
                else:
                    bad = min(bad, rate)
                rows, _ = await wait_for_rows(db, len(submitted), args.drain_seconds)  # no backlog into the next
                next_rate = next_step(rate, good, bad, args.factor, refined, args.floor)
                if next_rate is None or rows < len(submitted):
                    break
                refined = good > 0 and bad < float("inf")
                rate = next_rate
            return await audit(db, submitted)
    finally:
        await db.close()


def report(steps: list[Step], found: Audit | None) -> list[str]:
    """The knee, memory at each step, and the loss and duplicate count."""
    lines = []
    within = [s for s in steps if s.passed]
    if within:
        knee = max(within, key=lambda s: s.rate)
        beyond = min((s for s in steps if not s.passed and s.rate > knee.rate), key=lambda s: s.rate, default=None)
        lines.append(
            f"knee: {knee.rate:,.0f} events/s offered ({knee.events / knee.sent_s:,.0f}/s taken) is the highest rate "
            f"with end-to-end p99 <= {TARGET_P99_S:.0f} s ({knee.p99:.3f} s)"
            + (f"; at {beyond.rate:,.0f}/s p99 was {beyond.p99:.3f} s" if beyond else "; p99 never passed 1 s")
        )
    else:
        first = steps[0] if steps else None
        lines.append(f"knee: below {first.rate:,.0f} events/s (p99 {first.p99:.3f} s)" if first else "no step ran")
    if steps:
        lines.append("memory (MiB) at the end of each step: RSS; postgres is the PSS sum of all its processes:")
        names = list(steps[-1].memory_mb)
        lines.append("  " + f"{'rate/s':>8} " + " ".join(f"{n[:16]:>16}" for n in names))
        for step in steps:
            lines.append(
                "  " + f"{step.rate:8,.0f} " + " ".join(f"{step.memory_mb.get(n, float('nan')):16.0f}" for n in names)
            )
    if found is not None:
        duplicated = found.leaves - found.leaf_events
        lines.append(
            f"loss and duplicates: {found.submitted:,} events submitted, {found.accepted:,} accepted rows, "
            f"{found.lost:,} lost; {found.leaves:,} log leaves for {found.leaf_events:,} events, "
            f"{duplicated} duplicated"
        )
        lines.append(f"rows by outcome: {found.outcomes}")
    return lines


async def run(args: argparse.Namespace, stack: StackSettings, admin_url: str) -> int:
    """Start the pipeline, climb the rates, tear down, print."""
    began = time.perf_counter()
    deadline = began + args.time_limit - TEARDOWN_RESERVE_S
    season = Season(partitioner(inbound_partitions()))
    steps: list[Step] = []
    found: Audit | None = None
    failure = None
    async with open_rig(stack, admin_url, season.anchor(), None) as rig:
        print(f"gateway, 2 custody workers and the ledger are up ({time.perf_counter() - began:.0f} s so far)")
        print(f"rates from {args.start:,.0f}/s, x{args.factor} per {args.step_seconds:.0f} s step:")
        try:
            found = await measure(args, rig, season, steps, deadline)
        except (OSError, RuntimeError, asyncpg.PostgresError, httpx.HTTPError) as error:
            failure = f"{type(error).__name__}: {error}"
        await asyncio.to_thread(rig.stop)
    print()
    print("\n".join(report(steps, found)))
    if failure:
        print(f"STOPPED: {failure}")
    load = " ".join(f"{a:.2f}" for a in os.getloadavg())
    print(f"machine: {psutil.cpu_count()} cores, load average now {load}; {time.perf_counter() - began:.0f} s in all")
    return 1 if failure or found is None or found.lost or found.leaves != found.leaf_events else 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, check the infrastructure, run the bench."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--start", type=float, default=200.0, help="events/s of the first step")
    parser.add_argument("--factor", type=float, default=1.5, help="each step's rate is the previous one's times this")
    parser.add_argument("--floor", type=float, default=25.0, help="the lowest rate tried when even the first fails")
    parser.add_argument("--step-seconds", type=float, default=10.0, help="how long each rate is held")
    parser.add_argument("--pace-batch", type=int, default=50, help="events per request")
    parser.add_argument("--drain-seconds", type=float, default=30.0, help="how long a step's rows may lag behind")
    parser.add_argument("--time-limit", type=float, default=290.0, help="seconds for the whole run, teardown included")
    args = parser.parse_args(argv)
    stack = StackSettings.from_env()
    try:
        admin_url = asyncio.run(check_infra(stack))
    except InfraDownError as why:
        print(f"load bench: {why}. Start Kafka and PostgreSQL: .venv/bin/goldtrace up --infra-only", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run(args, stack, admin_url))
    except RuntimeError as error:  # a service did not start: its log's tail says why
        print(f"load bench: the private pipeline did not start: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
