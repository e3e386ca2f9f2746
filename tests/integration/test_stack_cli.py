"""`goldtrace up/status/down` on a second, private stack: idempotent, truthful, and leaving no process behind."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from services.sandbox.processes import free_port_span
from services.stack import kafka
from services.stack.errors import StackError
from services.stack.kafka import metadata_answers
from services.stack.settings import StackSettings

pytestmark = pytest.mark.integration

GOLDTRACE = [sys.executable, "-m", "services.cli"]


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.fixture
def private_env(stack_settings: StackSettings, unique_name: str) -> Iterator[dict[str, str]]:
    """Environment of a stack of its own (folder and ports), torn down whatever happens."""
    kafka_port, controller_port, pg_port, gateway_port, query_port, ledger_port = _free_ports(6)
    custody_port = free_port_span(2)
    env = {k: v for k, v in os.environ.items() if k not in {"KAFKA_BOOTSTRAP", "DATABASE_URL"}}
    env.update(
        # Under the test stack's home, not pytest's temp folder: pytest keeps that 0700 (and re-tightens it when
        # another run starts), which the database server's own user could not traverse.
        GOLDTRACE_HOME=str(stack_settings.home / "private-stacks" / unique_name),
        GOLDTRACE_KAFKA_PORT=str(kafka_port),
        GOLDTRACE_KAFKA_CONTROLLER_PORT=str(controller_port),
        GOLDTRACE_POSTGRES_PORT=str(pg_port),
        GOLDTRACE_GATEWAY_PORT=str(gateway_port),
        GOLDTRACE_QUERY_PORT=str(query_port),
        GOLDTRACE_LEDGER_PORT=str(ledger_port),
        GOLDTRACE_CUSTODY_PORT=str(custody_port),
    )
    yield env
    subprocess.run([*GOLDTRACE, "down"], env=env, capture_output=True, check=False, timeout=120)
    shutil.rmtree(env["GOLDTRACE_HOME"], ignore_errors=True)


def _goldtrace(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GOLDTRACE, *args], env=env, capture_output=True, text=True, check=False, timeout=300)


def _processes_under(home: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(home in part for part in proc.info["cmdline"] or []):
            found.append(proc)
    return found


def _service_processes(env: dict[str, str]) -> list[psutil.Process]:
    run_dir = Path(env["GOLDTRACE_HOME"]) / "run"
    found = []
    for pid_file in run_dir.glob("*.pid"):
        record = json.loads(pid_file.read_text())
        if pid_file.stem != "kafka":
            found.append(psutil.Process(int(record["pid"])))
    return found


def test_up_twice_status_down_leaves_nothing_running(private_env: dict[str, str]) -> None:
    home = private_env["GOLDTRACE_HOME"]
    first = _goldtrace(private_env, "up")
    assert first.returncode == 0, first.stderr
    assert "started on" in first.stdout
    for service in ("ledger", "custody-0", "custody-1", "query", "gateway"):
        assert f"{service}: started" in first.stdout

    second = _goldtrace(private_env, "up")
    assert second.returncode == 0, second.stderr
    assert "Kafka: already running" in second.stdout
    assert "PostgreSQL: already running" in second.stdout
    assert "Topics: all present." in second.stdout
    assert "Migrations: schema up to date." in second.stdout
    assert "gateway: already running." in second.stdout

    status = _goldtrace(private_env, "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["kafka"] == "running"
    assert report["postgres"] == "running"
    assert report["kafka_bootstrap"] == f"127.0.0.1:{private_env['GOLDTRACE_KAFKA_PORT']}"
    assert report["database_url"].startswith("postgresql://goldtrace:")
    assert f"@127.0.0.1:{private_env['GOLDTRACE_POSTGRES_PORT']}/goldtrace" in report["database_url"]
    assert report["gateway_url"] == f"http://127.0.0.1:{private_env['GOLDTRACE_GATEWAY_PORT']}"
    assert report["query_url"] == f"http://127.0.0.1:{private_env['GOLDTRACE_QUERY_PORT']}"
    assert set(report["services"].values()) == {"running"}
    assert len(report["log_public_key"]) == 43
    assert len(_processes_under(home)) >= 2, "a broker and a database server run from this stack's folder"
    service_pids = [p.pid for p in _service_processes(private_env)]
    assert len(service_pids) == 5

    down = _goldtrace(private_env, "down")
    assert down.returncode == 0, down.stderr
    assert "Kafka: stopped." in down.stdout
    assert "PostgreSQL: stopped." in down.stdout
    assert _processes_under(home) == []
    assert [pid for pid in service_pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"] == []
    after = json.loads(_goldtrace(private_env, "status", "--json").stdout)
    assert (after["kafka"], after["postgres"]) == ("stopped", "stopped")


def test_a_taken_port_is_named(private_env: dict[str, str]) -> None:
    port = int(private_env["GOLDTRACE_KAFKA_PORT"])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = _goldtrace(private_env, "up")
    assert result.returncode == 1
    assert f"Port {port}" in result.stderr
    assert "GOLDTRACE_KAFKA_PORT" in result.stderr
    assert "stack.port_taken" in result.stderr


def test_missing_java_says_how_to_get_it(private_env: dict[str, str], tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    result = _goldtrace({**private_env, "PATH": str(empty_bin)}, "up")
    assert result.returncode == 1
    assert "Java is not installed" in result.stderr
    assert "openjdk-17" in result.stderr


def test_a_maven_failure_shows_mavens_error_line(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(
        (kafka.POM.read_text()).replace(
            "<kafka.version>4.0.2</kafka.version>", "<kafka.version>0.0.0-nope</kafka.version>"
        )
    )
    settings = StackSettings.from_env({"GOLDTRACE_HOME": str(tmp_path / "stack")})
    with pytest.raises(StackError) as failed:
        kafka.fetch_jars(settings, pom=pom)
    assert failed.value.code == "stack.maven_failed"
    assert "[ERROR]" in failed.value.detail
    assert "0.0.0-nope" in failed.value.detail


def test_existing_servers_are_used_and_left_running(
    private_env: dict[str, str], kafka_bootstrap: str, scratch_database: str
) -> None:
    env = {**private_env, "KAFKA_BOOTSTRAP": kafka_bootstrap, "DATABASE_URL": scratch_database}
    up = _goldtrace(env, "up", "--infra-only")
    assert up.returncode == 0, up.stderr
    assert f"Kafka: using the broker at {kafka_bootstrap}" in up.stdout
    assert "PostgreSQL: using the server at DATABASE_URL" in up.stdout
    assert "Migrations: applied 0001_event_log" in up.stdout
    report = json.loads(_goldtrace(env, "status", "--json").stdout)
    assert (report["kafka"], report["postgres"]) == ("external", "external")
    assert report["database_url"] == scratch_database
    down = _goldtrace(env, "down")
    assert "Kafka: external (KAFKA_BOOTSTRAP), left running." in down.stdout
    assert "PostgreSQL: external (DATABASE_URL), left running." in down.stdout
    assert asyncio.run(metadata_answers(kafka_bootstrap)), "the broker still runs"
