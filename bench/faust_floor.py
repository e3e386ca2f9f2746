"""Faust floor: what a faust agent costs per record when its body does nothing, the ceiling of a custody worker.

    .venv/bin/python bench/faust_floor.py [--records 20000] [--size 1300]

Runs against the Kafka of a running stack (`.venv/bin/goldtrace up --infra-only`). Fills a private 4-partition
topic with `--records` records of `--size` bytes (about an inbound event record), then starts a faust worker (a
subprocess, on uvloop, as the custody workers run) whose agent takes batches the way custody does
(`take_events(500, within=0.05)`) and only counts them. Prints records/s and CPU microseconds per record of the
worker from its first batch to its last, beside the raw Ed25519 verify rate on one core measured in the same run.
Every inbound record custody decides pays at least this much before our code runs. The topic is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.stack.settings import StackSettings

BATCH, WITHIN_S = 500, 0.05  # as services/custody/app.py


def raw_verify_rate(rounds: int = 3, n: int = 2000) -> float:
    """Ed25519 verifications per second on one core (one cached key), best of `rounds`."""
    key = Ed25519PrivateKey.generate()
    message = os.urandom(600)
    signature, public = key.sign(message), key.public_key()
    best = 0.0
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(n):
            public.verify(signature, message)
        best = max(best, n / (time.perf_counter() - began))
    return best


async def fill(bootstrap: str, topic: str, records: int, size: int) -> None:
    """Create the topic and write the records (keys spread over the partitions)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 4, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=512 * 1024)
    await producer.start()
    try:
        value = os.urandom(size // 2).hex().encode()
        sent = [await producer.send(topic, value, key=f"signer-{i % 97}".encode()) for i in range(records)]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def delete(bootstrap: str, topic: str) -> None:
    """Delete the private topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topic])
    finally:
        await admin.close()


def consume(bootstrap: str, topic: str, records: int) -> None:
    """The worker (run as a subprocess): count records, print the figures at the last one, exit."""
    import faust
    from faust.types import StreamT

    from services.common.event_loop import use_fast_loop

    use_fast_loop()
    app = faust.App(
        topic,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        datadir=f"/tmp/{topic}-data",
        autodiscover=False,
        topic_disable_leader=True,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        stream_buffer_maxsize=4 * BATCH,
    )
    source = app.topic(topic, key_type=bytes, value_type=bytes, value_serializer="raw")
    started: list[float] = []
    seen = [0]

    @app.agent(source, concurrency=1)
    async def count(stream: StreamT[bytes]) -> None:
        async for events in stream.take_events(BATCH, within=WITHIN_S):  # type: ignore[attr-defined]
            if not started:
                started.extend((time.perf_counter(), time.process_time()))
            seen[0] += len(events)
            if seen[0] >= records:
                wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
                print(f"RESULT {seen[0]} {wall:.3f} {cpu:.3f}", flush=True)
                os._exit(0)

    faust.Worker(app, loglevel="warning").execute_from_commandline()


def main(argv: list[str] | None = None) -> int:
    """Fill, run the worker, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=1300, help="bytes per record (an inbound event record: ~1.3 KB)")
    parser.add_argument("--consume", metavar="TOPIC", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    bootstrap = StackSettings.from_env().kafka_bootstrap
    if args.consume:
        sys.argv = [sys.argv[0], "worker"]  # what faust's command line wants
        consume(bootstrap, args.consume, args.records)
        return 0
    topic = f"gt-faustfloor-{uuid.uuid4().hex[:10]}"
    asyncio.run(fill(bootstrap, topic, args.records, args.size))
    try:
        argv_ = [sys.executable, __file__, "--consume", topic, "--records", str(args.records)]
        done = subprocess.run(argv_, capture_output=True, text=True, timeout=300, check=False)
    finally:
        asyncio.run(delete(bootstrap, topic))
    lines = (done.stdout + done.stderr).splitlines()  # faust's worker logs what the agent prints
    result = next((line.split("RESULT", 1)[1].split() for line in lines if "RESULT " in line), None)
    if result is None:
        print(f"faust floor: the worker gave no result:\n{done.stdout[-2000:]}{done.stderr[-2000:]}", file=sys.stderr)
        return 1
    records, wall, cpu = int(result[0]), float(result[1]), float(result[2])
    print(f"faust agent, empty body, take_events({BATCH}, within={WITHIN_S}), {args.size}-byte records, uvloop:")
    per_record = cpu / records * 1e6
    print(f"  {records:,} records in {wall:.2f} s = {records / wall:,.0f} records/s; CPU {per_record:.0f} us/record")
    verify = raw_verify_rate()
    print(f"  raw Ed25519 verify on one core, same run: {verify:,.0f}/s = {1e6 / verify:.0f} us each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
