"""Apache Kafka from its official jars: fetch with Maven, format KRaft storage once, start, wait, stop."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from string import Template

from aiokafka.admin import AIOKafkaAdminClient

from services.stack import processes
from services.stack.errors import StackError
from services.stack.settings import INFRA_DIR, StackSettings

POM = INFRA_DIR / "kafka" / "pom.xml"
PROCESS_NAME = "kafka"
MIN_JAVA = 17


def pinned_version(pom: Path = POM) -> str:
    """The Kafka version pinned in infra/kafka/pom.xml."""
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom.read_text())
    if match is None:
        raise StackError("stack.pom_invalid", f"{pom} does not pin <kafka.version>; restore it from git.")
    return match.group(1).strip()


def check_java() -> str:
    """Return the java executable, or explain how to get Java 17+."""
    java = shutil.which("java")
    if java is None:
        raise StackError(
            "stack.java_missing",
            "Java is not installed or not on PATH. Kafka needs Java 17 or newer: install it "
            "(Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`) or use docker-compose.yml.",
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', out)
    if match is None or int(match.group(1)) < MIN_JAVA:
        raise StackError(
            "stack.java_too_old", f"Kafka needs Java {MIN_JAVA} or newer; `java -version` says: {out.strip()[:200]}"
        )
    return java


def fetch_jars(settings: StackSettings, pom: Path = POM) -> Path:
    """Download the broker and its logging binding with Maven (once; ~/.m2 caches across stacks)."""
    lib = settings.kafka_dir / f"lib-{pinned_version(pom)}"
    stamp = lib / ".complete"
    if stamp.exists():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(
            "stack.maven_missing",
            "Maven is not installed or not on PATH; it fetches the Kafka jars. Install it "
            "(Debian/Ubuntu: `apt-get install maven`) or point KAFKA_BOOTSTRAP at a running broker.",
        )
    lib.mkdir(parents=True, exist_ok=True)
    argv = [mvn, "-B", "-q", "-f", str(pom), "dependency:copy-dependencies", f"-DoutputDirectory={lib}"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).splitlines()
        first_error = next((ln for ln in lines if "[ERROR]" in ln), lines[-1] if lines else "no output")
        raise StackError("stack.maven_failed", f"Maven could not fetch the Kafka jars: {first_error.strip()}")
    stamp.touch()
    return lib


def render_config(settings: StackSettings) -> Path:
    """Write server.properties for this stack's ports and folders."""
    template = Template((INFRA_DIR / "kafka" / "server.properties.template").read_text())
    config = settings.kafka_dir / "server.properties"
    config.write_text(
        template.substitute(
            broker_port=settings.kafka_port,
            controller_port=settings.kafka_controller_port,
            log_dirs=settings.kafka_dir / "data",
        )
    )
    return config


def format_storage(settings: StackSettings, java: str, lib: Path, config: Path) -> None:
    """Format the KRaft log folder the first time (a cluster id is kept beside it)."""
    if (settings.kafka_dir / "data" / "meta.properties").exists():
        return
    cluster_id = new_cluster_id()
    argv = [java, "-cp", f"{lib}/*", "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config), "-g"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        said = (result.stdout + result.stderr).strip()[-500:]
        raise StackError("stack.kafka_format_failed", f"Kafka storage could not be formatted: {said}")


def new_cluster_id() -> str:
    """A random KRaft cluster id (base64url of 16 bytes) that does not start with "-", which the tool takes for an
    option (Kafka's own Uuid.randomUuid skips those too)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
"""For a broker sharing 2 cores with the services: the serial collector (no collector threads running beside it; its
young collections of a small heap take milliseconds) and the C1 compiler only (C2's warm-up cost the broker 120-160
us of CPU per event in the first minutes of load, against 50-70 with C1; bench/pipeline.md)."""


def start(settings: StackSettings, timeout: float = 90.0) -> processes.OwnedProcess:
    """Start the broker in the background and wait until it answers a metadata request."""
    java = check_java()
    processes.ensure_port_free(settings.kafka_port, "GOLDTRACE_KAFKA_PORT")
    processes.ensure_port_free(settings.kafka_controller_port, "GOLDTRACE_KAFKA_CONTROLLER_PORT")
    lib = fetch_jars(settings)
    config = render_config(settings)
    format_storage(settings, java, lib, config)
    heap = f"{settings.kafka_heap_mb}m"
    argv = [
        java, f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={INFRA_DIR / 'kafka' / 'log4j2.properties'}",
        "-cp", f"{lib}/*", "kafka.Kafka", str(config),
    ]  # fmt: skip
    log = settings.logs_dir / "kafka.log"
    owned = processes.spawn(settings.run_dir, PROCESS_NAME, argv, log)
    wait_ready(settings.kafka_bootstrap, timeout, owned, log)
    return owned


def wait_ready(
    bootstrap: str, timeout: float, owned: processes.OwnedProcess | None = None, log: Path | None = None
) -> float:
    """Block until a metadata request succeeds; return the seconds it took. An open port is not a ready broker."""
    began = time.monotonic()
    while True:
        if owned is not None and not owned.is_alive():
            raise StackError(
                "stack.kafka_died",
                f"Kafka exited while starting. Last lines of {log}:\n{processes.tail(log) if log else ''}",
            )
        if asyncio.run(metadata_answers(bootstrap)):
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            raise StackError(
                "stack.kafka_not_ready",
                f"Kafka at {bootstrap} did not answer a metadata request within {timeout:.0f} s.",
            )
        time.sleep(0.5)


async def metadata_answers(bootstrap: str) -> bool:
    """True if the broker at `bootstrap` answers a metadata request now."""
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # refused connections are expected while waiting
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.describe_cluster()
        return True
    except Exception:  # any failure just means "not ready yet"
        return False
    finally:
        with contextlib.suppress(Exception):  # closing a half-open client must not hide readiness
            await admin.close()
        quiet.setLevel(level)


def stop(settings: StackSettings) -> bool:
    """Stop the broker this stack started (a controlled shutdown); True if it was running."""
    return processes.stop(settings.run_dir, PROCESS_NAME, timeout=30.0)
