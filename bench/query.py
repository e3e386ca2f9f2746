"""Query service latency: provenance and bundle of a lot with a 51-event upstream graph among 1,000,000 events.

Run with the stack's Kafka and PostgreSQL up (`.venv/bin/goldtrace up --infra-only`, any stack's environment):
    .venv/bin/python bench/query.py [--events 1000000] [--requests 300] [--refill]

The scratch database `gt_bench_query` is kept between runs (bench/_query_fill.py; a marker table says it is
complete), so only the first run pays for the fill; `--drop` removes it. Requests go to the query app in-process
over ASGI (no TCP), with the app's own pool. Each endpoint is measured cold (the replay memo emptied before every
request: the fold and its 51 Ed25519 checks run) and warm (the same lot asked again: reads, verdict, document).
The ceiling it is compared with is measured in the same run: a bare `SELECT 1` round trip, the reads alone
(services/query/upstream_reads.py), the kernel's replay and verdict of the lot's events alone, and one Ed25519
verification; the host's load average is printed too (the machine may be shared). Target: provenance p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Final

import asyncpg
import httpx
import orjson

from services.stack import migrations, postgres
from services.stack.settings import REPO_ROOT, StackSettings

sys.path.insert(0, str(REPO_ROOT))
from _query_fill import REAL_LOT, fill, filled

from events.anchor import sign_anchor
from events.bundle_verify import verify_bundle
from events.keys import derive_key_id, private_key_from_seed
from events.signing import load_public_key, public_key_b64
from services.common.settings import PipelineSettings, Topics
from services.ledger.heads import LogKey
from services.query.app import create_app
from services.query.provenance_reads import REPLAYS, ReplayMemo, judge
from services.query.upstream_reads import fetch_upstream
from tests.unit.events.scenario import Scenario

DATABASE: Final = "gt_bench_query"
PROVENANCE_P99_TARGET_MS: Final = 50.0
BUNDLE_P99_TARGET_MS: Final = 100.0


def quantile(samples: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def figures(name: str, samples: list[float]) -> str:
    """`name: p50 x ms, p99 y ms (n)` of samples in seconds."""
    p50, p99 = 1000 * statistics.median(samples), 1000 * quantile(samples, 0.99)
    return f"{name:<40} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   (n={len(samples)})"


async def timed(times: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    """Seconds each of `times` sequential calls took."""
    samples = []
    for _ in range(times):
        began = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - began)
    return samples


def bench_log_key() -> LogKey:
    """The bench's log key, from a fixed seed: the same in every run, so a kept fill stays valid."""
    private_key = private_key_from_seed(hashlib.sha256(b"goldtrace/bench/query-log").digest())
    return LogKey(private_key, derive_key_id(private_key.public_key()))


async def scratch_database(stack: StackSettings, drop: bool) -> str:
    """The bench database's URL, created (and migrated) if missing; dropped first with `drop`."""
    admin_url = postgres.database_url(stack)
    admin = await asyncpg.connect(admin_url)
    try:
        if drop:
            await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    url = admin_url.rsplit("/", 1)[0] + "/" + DATABASE
    await migrations.apply_migrations(url)
    return url


def query_settings(stack: StackSettings, url: str, scenario: Scenario, log_key: LogKey) -> PipelineSettings:
    """Settings of a query service over the bench database, trusting the bench's log key."""
    anchor = scenario.anchor()
    return PipelineSettings(
        stack=stack,
        kafka_bootstrap=stack.kafka_bootstrap,
        database_url=url,
        topics=Topics.with_prefix("bench"),
        anchor=anchor,
        log_keyid=log_key.keyid,
        log_public_key=public_key_b64(log_key.private_key),
        anchor_signature=sign_anchor(anchor, log_key.keyid, log_key.private_key),
    )


async def bench(events: int, requests: int, refill: bool, drop: bool) -> None:
    """Fill (or reuse) the database, then measure the ceiling and the two endpoints."""
    stack = StackSettings.from_env()
    url = await scratch_database(stack, drop)
    scenario, log_key = Scenario(), bench_log_key()
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    try:
        async with pool.acquire() as db:
            seconds = None if refill else await filled(db, events)
        if seconds is None:
            print(f"filling {DATABASE} with {events:,} events ...", flush=True)
            seconds = await fill(pool, events, scenario, log_key)
            print(f"fill took {seconds:.1f} s (kept for the next run)")
        else:
            print(f"reusing the fill of {events:,} events in {DATABASE} (it took {seconds:.1f} s; --refill redoes it)")
        async with pool.acquire() as db:
            print(f"events stored: {await db.fetchval('SELECT count(*) FROM events'):,}")
        print(f"host: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        await ceiling(pool, scenario, requests)
    finally:
        await pool.close()
    await endpoints(query_settings(stack, url, scenario, log_key), requests)


async def ceiling(pool: asyncpg.Pool[Any], scenario: Scenario, requests: int) -> None:
    """What a provenance answer cannot beat: a round trip, the reads alone, the kernel alone."""
    anchor = scenario.anchor()
    async with pool.acquire() as db:
        upstream = await fetch_upstream(db, REAL_LOT, anchor.participant)
        now = datetime.now(UTC)
        checked = judge(upstream, anchor, now)
        verdict = checked.verdict
        print(f"lot {REAL_LOT}: {len(verdict.events)} events in its verdict, verified={verdict.verified}")
        print("ceiling, measured now:")
        print(figures("SELECT 1 round trip", await timed(requests, lambda: db.fetchval("SELECT 1"))))
        reads = await timed(requests, lambda: fetch_upstream(db, REAL_LOT, anchor.participant))
        print(figures("reads alone (upstream_reads)", reads))

    async def kernel() -> None:
        judge(upstream, anchor, now, ReplayMemo(0))  # no memo: the fold and every signature check

    print(figures("kernel replay + verdict (51 events)", await timed(max(20, requests // 3), kernel)))
    signed = checked.ordered[-1]
    key, message = bench_log_key().private_key, orjson.dumps(signed.body)
    public, signature = key.public_key(), key.sign(message)

    async def verify() -> None:
        public.verify(signature, message)

    print(figures("one Ed25519 verification", await timed(requests, verify)) + "   (51 per cold replay)")


def _quiet_asgi_transport() -> None:
    """httpx's ASGI transport tries `import sniffio` on every request; without sniffio installed that is a failed
    import (a file-system search) per request, which the service never pays: remember the failure once."""
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


async def endpoints(settings: PipelineSettings, requests: int) -> None:
    """p50/p99 of GET /v1/lots/{lot}/provenance and /bundle, in-process over ASGI."""
    _quiet_asgi_transport()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://query") as http:
            provenance = f"/v1/lots/{REAL_LOT}/provenance"
            bundle = f"/v1/lots/{REAL_LOT}/bundle"
            first = await http.get(bundle)
            assert first.status_code == 200, first.text
            checked = verify_bundle(
                first.content, load_public_key(settings.log_public_key), settings.log_keyid, lot=REAL_LOT
            )
            assert checked.verified, checked.failures
            print(f"bundle: {len(first.content):,} bytes, {checked.entries} entries, verifies offline")
            await timed(20, lambda: http.get(provenance))  # warm up
            print("endpoints (cold: the replay memo emptied before each request; warm: the lot asked again):")

            async def cold(path: str) -> None:
                REPLAYS.clear()
                await _ok(http, path)

            few = max(20, requests // 3)
            report("GET /v1/lots/{lot}/provenance cold", await timed(requests, lambda: cold(provenance)), True)
            report("GET /v1/lots/{lot}/provenance warm", await timed(requests, lambda: _ok(http, provenance)), True)
            report("GET /v1/lots/{lot}/bundle cold", await timed(few, lambda: cold(bundle)), False)
            report("GET /v1/lots/{lot}/bundle warm", await timed(few, lambda: _ok(http, bundle)), False)


def report(name: str, samples: list[float], provenance: bool) -> None:
    """Print the figures and whether the p99 target is met."""
    target = PROVENANCE_P99_TARGET_MS if provenance else BUNDLE_P99_TARGET_MS
    p99 = 1000 * quantile(samples, 0.99)
    print(figures(name, samples) + f"   target p99 <= {target:.0f} ms: {'met' if p99 <= target else 'MISSED'}")


async def _ok(http: httpx.AsyncClient, path: str) -> None:
    answer = await http.get(path)
    assert answer.status_code == 200, answer.text


def main() -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events stored (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per endpoint")
    parser.add_argument("--refill", action="store_true", help="fill again even if a fill of this size exists")
    parser.add_argument("--drop", action="store_true", help="drop the bench database first")
    args = parser.parse_args()
    asyncio.run(bench(args.events, args.requests, args.refill, args.drop))
    return 0


if __name__ == "__main__":
    sys.exit(main())
