"""`up`, `down` and `status` of one goldtrace stack: what to start, what is running, what to stop."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.common.settings import platform_keys
from services.stack import apps, kafka, migrations, postgres, processes, topics
from services.stack.errors import StackError
from services.stack.settings import StackSettings

Say = processes.Say


@dataclass(frozen=True)
class Status:
    """What runs in one stack, and where to reach it."""

    home: str
    kafka_bootstrap: str
    kafka: str  # running | stopped | external
    kafka_version: str
    database_url: str
    postgres: str  # running | stopped | external
    logs: str
    gateway_url: str
    query_url: str
    log_public_key: str
    services: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        """The status as `goldtrace status --json` prints it."""
        return dict(self.__dict__)


def status(settings: StackSettings) -> Status:
    """Report each component as running, stopped or external, with its address."""
    trust_file = platform_keys(settings).trust_file
    trust: dict[str, str] = json.loads(trust_file.read_text()) if trust_file.exists() else {}
    if settings.external_kafka:
        kafka_state = "external"
    else:
        kafka_state = "running" if processes.running(settings.run_dir, kafka.PROCESS_NAME) else "stopped"
    if settings.external_database_url:
        pg_state = "external"
    else:
        pg_state = "running" if postgres.server_pid(settings) else "stopped"
    return Status(
        home=str(settings.home),
        kafka_bootstrap=settings.kafka_bootstrap,
        kafka=kafka_state,
        kafka_version=kafka.pinned_version(),
        database_url=postgres.database_url(settings),
        postgres=pg_state,
        logs=str(settings.logs_dir),
        gateway_url=settings.gateway_url,
        query_url=settings.query_url,
        log_public_key=trust.get("log_public_key", "(run goldtrace up)"),
        services=apps.states(settings),
    )


def up(settings: StackSettings, say: Say = print, *, with_apps: bool = True) -> Status:
    """Start what is not running yet (a second call finds the running stack and says so), then set it up."""
    settings.home.mkdir(parents=True, exist_ok=True)
    platform_keys(settings).ensure()
    _kafka_up(settings, say)
    _postgres_up(settings, say)
    created = asyncio.run(topics.ensure_topics(settings.kafka_bootstrap, topics.load_topics()))
    say(f"Topics: created {', '.join(created)}." if created else "Topics: all present.")
    applied = asyncio.run(migrations.apply_migrations(postgres.database_url(settings)))
    say(f"Migrations: applied {', '.join(applied)}." if applied else "Migrations: schema up to date.")
    if with_apps:
        apps.start_all(settings, say)
    return status(settings)


def _kafka_up(settings: StackSettings, say: Say) -> None:
    if settings.external_kafka:
        kafka.wait_ready(settings.external_kafka, timeout=30)
        say(f"Kafka: using the broker at {settings.external_kafka} (KAFKA_BOOTSTRAP); not starting one.")
        return
    if processes.running(settings.run_dir, kafka.PROCESS_NAME):
        say(f"Kafka: already running on {settings.kafka_bootstrap}.")
        return
    began = time.monotonic()
    kafka.start(settings)
    took = time.monotonic() - began
    say(f"Kafka {kafka.pinned_version()}: started on {settings.kafka_bootstrap}, ready in {took:.1f} s.")


def _postgres_up(settings: StackSettings, say: Say) -> None:
    if settings.external_database_url:
        asyncio.run(_check_database(settings.external_database_url))
        say("PostgreSQL: using the server at DATABASE_URL; not starting one.")
        return
    if postgres.server_pid(settings):
        say(f"PostgreSQL: already running on 127.0.0.1:{settings.postgres_port}.")
        return
    began = time.monotonic()
    postgres.start(settings)
    say(f"PostgreSQL: started on 127.0.0.1:{settings.postgres_port}, ready in {time.monotonic() - began:.1f} s.")


async def _check_database(url: str) -> None:
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise StackError("stack.database_unreachable", f"Cannot connect to DATABASE_URL: {exc}") from exc
    await conn.close()


def down(settings: StackSettings, say: Say = print) -> None:
    """Stop what this stack started, and nothing else (external servers are left alone)."""
    apps.stop_all(settings, say)
    if settings.external_database_url:
        say("PostgreSQL: external (DATABASE_URL), left running.")
    else:
        say("PostgreSQL: stopped." if postgres.stop(settings) else "PostgreSQL: was not running.")
    if settings.external_kafka:
        say("Kafka: external (KAFKA_BOOTSTRAP), left running.")
    else:
        say("Kafka: stopped." if kafka.stop(settings) else "Kafka: was not running.")
