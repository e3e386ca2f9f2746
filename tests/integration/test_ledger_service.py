"""`python -m services.ledger` as a process: settings from the environment, key made on first start, heads signed
as the log grows, /healthz, /metrics and heads on demand over HTTP, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from events.keys import derive_key_id, load_private_key
from events.log_entry import event_log_leaf_hash
from events.merkle import root_from_leaf_hashes
from events.treehead import decode_tree_head, verify_tree_head
from services.common.settings import PipelineSettings
from services.stack.settings import REPO_ROOT
from tests.unit.ledger.season import REGISTRY_POSITION, season

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def ledger_process(pipeline: PipelineSettings, unique_name: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The ledger running as its own process on the private pipeline; yields its URL and its home."""
    home = tmp_path / "home"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLDTRACE_LOG_KEY")}
    env.update(
        GOLDTRACE_HOME=str(home),
        KAFKA_BOOTSTRAP=pipeline.kafka_bootstrap,
        DATABASE_URL=pipeline.database_url,
        GOLDTRACE_TOPIC_PREFIX=unique_name,
        GOLDTRACE_LEDGER_PORT=str(port),
        GOLDTRACE_LEDGER_HEAD_INTERVAL_S="0.2",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "ledger.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.ledger"], env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield f"http://127.0.0.1:{port}", home
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()
        assert "Ledger stopped." in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def _until(what: str, check: Callable[[], Awaitable[bool]], seconds: float = 60.0) -> None:
    try:
        async with asyncio.timeout(seconds):
            while True:
                if await check():
                    return
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"The ledger process did not reach: {what}, within {seconds:.0f} s.")


async def test_the_ledger_process_serves_signs_and_stops_on_sigterm(
    pipeline: PipelineSettings, ledger_process: tuple[str, Path]
) -> None:
    url, home = ledger_process
    played = season()
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for value in played.accepted:
            await producer.send(pipeline.topics.accepted, value)
        for value in played.rejected:
            await producer.send(pipeline.topics.rejected, value)
        await producer.flush()
    finally:
        await producer.stop()
    size = len(played.accepted)
    root = root_from_leaf_hashes([event_log_leaf_hash(e.digest, REGISTRY_POSITION) for e in played.accepted_events])

    async with httpx.AsyncClient(base_url=url, timeout=5) as http:

        async def healthy() -> bool:
            try:
                return (await http.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await _until("healthz", healthy)
        db = await asyncpg.connect(pipeline.database_url)
        try:

            async def signed_everything() -> bool:
                return bool(await db.fetchval("SELECT max(tree_size) FROM tree_heads") == size)

            await _until("a head of the whole log", signed_everything)
        finally:
            await db.close()

        health = (await http.get("/healthz")).json()
        assert health["status"] == "ok"
        assert health["log_size"] == size
        metrics = (await http.get("/metrics")).text
        assert f"goldtrace_ledger_log_size {size}.0" in metrics
        assert f"goldtrace_ledger_tree_head_size {size}.0" in metrics
        assert "goldtrace_ledger_batch_seconds_count" in metrics
        answer = await http.post("/v1/tree-heads")
        assert answer.status_code == 200

    key_file = home / "keys" / "log.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public_key = load_private_key(key_file).public_key()
    head = verify_tree_head(decode_tree_head(answer.json()), public_key, derive_key_id(public_key))
    assert (head.tree_size, head.root) == (size, root)
