"""Where the local stack lives and which ports it uses, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA_DIR = REPO_ROOT / "infra"


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{name}={raw!r} is not a TCP port number (1-65535).")
    return int(raw)


@dataclass(frozen=True)
class StackSettings:
    """Folders, ports and external endpoints of one goldtrace stack (development, test or demo)."""

    home: Path
    kafka_port: int
    kafka_controller_port: int
    postgres_port: int
    kafka_heap_mb: int
    gateway_port: int
    query_port: int
    ledger_port: int
    custody_port: int
    http_host: str
    external_kafka: str | None
    external_database_url: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackSettings:
        """Read GOLDTRACE_* variables, KAFKA_BOOTSTRAP and DATABASE_URL (defaults suit a laptop)."""
        env = os.environ if env is None else env
        home = Path(env.get("GOLDTRACE_HOME") or REPO_ROOT / ".goldtrace").resolve()
        return cls(
            home=home,
            kafka_port=_port(env, "GOLDTRACE_KAFKA_PORT", 19092),
            kafka_controller_port=_port(env, "GOLDTRACE_KAFKA_CONTROLLER_PORT", 19093),
            postgres_port=_port(env, "GOLDTRACE_POSTGRES_PORT", 15432),
            kafka_heap_mb=int(env.get("GOLDTRACE_KAFKA_HEAP_MB", "512")),
            gateway_port=_port(env, "GOLDTRACE_GATEWAY_PORT", 18081),
            query_port=_port(env, "GOLDTRACE_QUERY_PORT", 18082),
            ledger_port=_port(env, "GOLDTRACE_LEDGER_PORT", 18083),
            custody_port=_port(env, "GOLDTRACE_CUSTODY_PORT", 18084),
            http_host=env.get("GOLDTRACE_HTTP_HOST", "127.0.0.1"),
            external_kafka=env.get("KAFKA_BOOTSTRAP") or None,
            external_database_url=env.get("DATABASE_URL") or None,
        )

    @property
    def run_dir(self) -> Path:
        """PID files and the record of what `up` started."""
        return self.home / "run"

    @property
    def logs_dir(self) -> Path:
        """Logs of every process the stack starts."""
        return self.home / "logs"

    @property
    def kafka_dir(self) -> Path:
        """Kafka jars, KRaft storage and the rendered broker configuration."""
        return self.home / "kafka"

    @property
    def postgres_dir(self) -> Path:
        """The embedded PostgreSQL data folder and its generated password."""
        return self.home / "postgres"

    @property
    def gateway_url(self) -> str:
        """Where the gateway answers."""
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def query_url(self) -> str:
        """Where the query service answers."""
        return f"http://127.0.0.1:{self.query_port}"

    @property
    def kafka_bootstrap(self) -> str:
        """Bootstrap servers the services connect to."""
        return self.external_kafka or f"127.0.0.1:{self.kafka_port}"
