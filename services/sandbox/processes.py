"""Pipeline processes (custody workers, ledger) started for real, to be stopped or killed by tests and benchmarks."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from services.common.settings import PipelineSettings

LEDGER = -1  # the ledger's slot among the processes


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SPAN_PORTS = range(20_000, 25_000)  # below Linux's ephemeral range (32768+) and the stacks' own ports


def free_port_span(count: int) -> int:
    """The first of `count` consecutive TCP ports nobody listens on right now, outside the ephemeral range.

    Worker N listens on base + N: a base the OS picked from its ephemeral range could see base + 1 taken by any
    outgoing connection (a Kafka or PostgreSQL client) before the worker binds it.
    """
    for _ in range(200):
        base = SPAN_PORTS.start + secrets.randbelow(len(SPAN_PORTS) - count)
        if all(_bindable(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports in {SPAN_PORTS.start}..{SPAN_PORTS.stop}")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def pipeline_env(pipeline: PipelineSettings, folder: Path) -> dict[str, str]:
    """The environment that points a service process at a private pipeline."""
    trust = folder / "trust.json"
    trust.write_text(
        json.dumps(
            {
                "authority": pipeline.anchor.participant,
                "authority_keyid": pipeline.anchor.keyid,
                "authority_public_key": pipeline.anchor.public_key,
                "log_keyid": pipeline.log_keyid,
                "log_public_key": pipeline.log_public_key,
            }
        )
    )
    env = dict(os.environ)
    env.update(
        KAFKA_BOOTSTRAP=pipeline.kafka_bootstrap,
        DATABASE_URL=pipeline.database_url,
        GOLDTRACE_TOPIC_PREFIX=pipeline.topics.registry.removesuffix(".registry"),
        GOLDTRACE_TRUST_FILE=str(trust),
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class Workers:
    """A set of custody worker processes sharing one base web port (worker N serves port + N)."""

    env: dict[str, str]
    logs: Path
    base_port: int = field(default_factory=lambda: free_port_span(4))
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    ledger_port: int = field(default_factory=free_port)

    def start(self, number: int, wait: float = 60.0) -> None:
        """Start custody worker `number` and wait until it answers /healthz."""
        env = {**self.env, "GOLDTRACE_CUSTODY_PORT": str(self.base_port)}
        argv = [sys.executable, "-m", "services.custody", "--worker", str(number)]
        self._spawn(number, f"custody-{number}", argv, env, self.base_port + number, wait)

    def start_ledger(self, wait: float = 60.0) -> None:
        """Start the ledger (number -1 here) with a log key of its own, and wait until it answers /healthz."""
        env = {
            **self.env,
            "GOLDTRACE_LEDGER_PORT": str(self.ledger_port),
            "GOLDTRACE_LOG_KEY_FILE": str(self.logs / "log.pem"),
            "GOLDTRACE_LEDGER_HEAD_INTERVAL_S": "0.5",
        }
        self._spawn(LEDGER, "ledger", [sys.executable, "-m", "services.ledger"], env, self.ledger_port, wait)

    def _spawn(self, number: int, name: str, argv: list[str], env: dict[str, str], port: int, wait: float) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[number] = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + wait
        url = f"http://127.0.0.1:{port}/healthz"
        while time.monotonic() < deadline:
            if self.processes[number].poll() is not None:
                raise RuntimeError(f"custody worker {number} exited: {self.log_tail(number)}")
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"custody worker {number} not healthy in {wait} s: {self.log_tail(number)}")

    def kill(self, number: int) -> None:
        """kill -9 one worker."""
        process = self.processes.pop(number)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        """SIGTERM every worker, SIGKILL after 20 s."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):  # it may have exited already
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def log_tail(self, number: int, lines: int = 30) -> str:
        """The end of a process's log."""
        path = self.logs / ("ledger.log" if number == LEDGER else f"custody-{number}.log")
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
