"""The bench's private pipeline on a running stack: scratch database, own topics, four real service processes.

`open_rig` creates the database and the topics (under a unique prefix), starts the ledger, two custody workers
(services/sandbox) and the gateway (uvicorn, `python -m services.gateway`) and, on the way out, stops them with
SIGTERM (so a profiled process dumps its profile), drops the database and deletes the topics.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import psutil
from aiokafka.admin import AIOKafkaAdminClient

from events.custody.registry import TrustAnchor
from services.common.profiling import PROFILE_CLOCK_VARIABLE, PROFILE_DIR_VARIABLE
from services.common.settings import PipelineSettings
from services.sandbox.pipeline import private_pipeline
from services.sandbox.processes import LEDGER, Workers, free_port, pipeline_env
from services.stack import kafka, postgres, processes
from services.stack.settings import StackSettings

CUSTODY_WORKERS = 2
START_WAIT_S = 30.0  # per process; they are healthy in a few seconds


class InfraDownError(Exception):
    """Kafka or PostgreSQL of the stack does not answer."""


@dataclass
class Rig:
    """A running private pipeline: where things are and the processes that serve it."""

    stack: StackSettings
    folder: Path
    database: str
    pipeline: PipelineSettings
    workers: Workers
    gateway_port: int = field(default_factory=free_port)
    gateway: subprocess.Popen[bytes] | None = None

    @property
    def gateway_url(self) -> str:
        """Where the bench's gateway answers."""
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def ledger_url(self) -> str:
        """Where the bench's ledger serves /metrics."""
        return f"http://127.0.0.1:{self.workers.ledger_port}"

    @property
    def profiles(self) -> Path:
        """Where profiled processes dump their statistics."""
        return self.folder / "profiles"

    def services(self) -> dict[str, int]:
        """PID of each service process: gateway, custody-N, ledger."""
        found = {} if self.gateway is None else {"gateway": self.gateway.pid}
        for number, process in sorted(self.workers.processes.items()):
            found["ledger" if number == LEDGER else f"custody-{number}"] = process.pid
        return found

    def start_gateway(self, env: dict[str, str], wait: float = START_WAIT_S) -> None:
        """`python -m services.gateway` (uvicorn) on a free port; wait until /healthz answers."""
        log = (self.folder / "gateway.log").open("ab")
        self.gateway = subprocess.Popen(
            [sys.executable, "-m", "services.gateway"],
            env={**env, "GOLDTRACE_GATEWAY_PORT": str(self.gateway_port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.folder,
        )
        wait_healthy(self.gateway, f"{self.gateway_url}/healthz", self.folder / "gateway.log", wait)

    def stop(self) -> None:
        """SIGTERM the gateway, then the workers and the ledger (SIGKILL after 20 s)."""
        if self.gateway is not None and self.gateway.poll() is None:
            os.killpg(self.gateway.pid, signal.SIGTERM)
            try:
                self.gateway.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.gateway.pid, signal.SIGKILL)
                self.gateway.wait()
        self.workers.stop_all()


def wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path, wait: float) -> None:
    """Poll `url` until it answers 200; fail with the log's tail if the process exits or time runs out."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {processes.tail(log)}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} not healthy in {wait} s: {processes.tail(log)}")


async def check_infra(stack: StackSettings) -> str:
    """The admin database URL if Kafka and PostgreSQL answer; InfraDownError otherwise."""
    if not await kafka.metadata_answers(stack.kafka_bootstrap):
        raise InfraDownError(f"no Kafka broker answers at {stack.kafka_bootstrap}")
    url = postgres.database_url(stack)
    try:
        connection = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        raise InfraDownError(f"PostgreSQL does not answer at 127.0.0.1:{stack.postgres_port} ({error})") from error
    await connection.close()
    return url


@contextlib.asynccontextmanager
async def open_rig(
    stack: StackSettings, admin_url: str, anchor: TrustAnchor, profile: str | None, keep: bool = False
) -> AsyncIterator[Rig]:
    """A private pipeline with its processes running (under cProfile with that clock if `profile` names one);
    everything torn down on exit (topics deleted too; the folder of logs and profiles stays if `keep`)."""
    name = f"gt_pipebench_{uuid.uuid4().hex[:10]}"
    prefix = name.replace("_", "-")
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    kept = "the logs stay" if keep else "all removed at the end"
    print(f"private pipeline: database {name}, topics {prefix}.*, logs in {folder} ({kept})")
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    rig: Rig | None = None
    try:
        url = admin_url.rsplit("/", 1)[0] + "/" + name
        pipeline = await private_pipeline(stack, stack.kafka_bootstrap, url, prefix, anchor)
        env = {**pipeline_env(pipeline, folder), "GOLDTRACE_HOME": str(folder)}  # faust data lands here
        (folder / "faust").mkdir()
        if profile is not None:
            env[PROFILE_DIR_VARIABLE] = str(folder / "profiles")
            env[PROFILE_CLOCK_VARIABLE] = profile
        rig = Rig(stack, folder, name, pipeline, Workers(env, folder))
        await asyncio.to_thread(rig.workers.start_ledger, START_WAIT_S)
        for number in range(CUSTODY_WORKERS):
            await asyncio.to_thread(rig.workers.start, number, START_WAIT_S)
        await asyncio.to_thread(rig.start_gateway, env)
        yield rig
    finally:
        try:
            if rig is not None:
                await asyncio.to_thread(rig.stop)
        finally:
            await drop_database(admin_url, name)
        await delete_topics(stack.kafka_bootstrap, prefix)
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


async def drop_database(admin_url: str, name: str, patience_s: float = 30.0) -> None:
    """Drop the scratch database, retrying while the server is away (say so if it cannot be done)."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            admin = await asyncpg.connect(admin_url, timeout=5)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            finally:
                await admin.close()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            if time.monotonic() > deadline:
                print(f"note: the scratch database {name} was not dropped ({error}); drop it by hand", file=sys.stderr)
                return
            await asyncio.sleep(1.0)


async def delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete the private topics (best effort: leftover topics only cost disk)."""
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await client.start()
        names = [t for t in await client.list_topics() if t.startswith(f"{prefix}.")]
        if names:
            await client.delete_topics(names)
    except Exception as error:
        print(f"note: topics {prefix}.* were not deleted ({error})", file=sys.stderr)
    finally:
        await client.close()


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MiB."""
    return psutil.Process(pid).memory_info().rss / 2**20
