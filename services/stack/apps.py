"""The pipeline's own processes (gateway, custody workers, ledger, query): start in the background, wait, stop."""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from services.stack import processes
from services.stack.errors import StackError
from services.stack.settings import REPO_ROOT, StackSettings


@dataclass(frozen=True)
class App:
    """One background process of the pipeline: its module, arguments and the health URL that says it is up."""

    name: str
    module: str
    args: tuple[str, ...]
    port_setting: str  # the StackSettings attribute holding its HTTP port, e.g. "gateway_port"
    port_offset: int = 0  # custody worker N serves the custody port + N

    def port(self, settings: StackSettings) -> int:
        """The HTTP port it serves /healthz on."""
        return int(getattr(settings, self.port_setting)) + self.port_offset

    @property
    def port_variable(self) -> str:
        """The environment variable that moves its port."""
        return f"GOLDTRACE_{self.port_setting.upper()}"


# Start order: the ledger and the custody workers consume; the gateway accepts traffic last.
APPS: tuple[App, ...] = (
    App("ledger", "services.ledger", (), "ledger_port"),
    App("custody-0", "services.custody", ("--worker", "0"), "custody_port", 0),
    App("custody-1", "services.custody", ("--worker", "1"), "custody_port", 1),
    App("query", "services.query", (), "query_port"),
    App("gateway", "services.gateway", (), "gateway_port"),
)


def _env(settings: StackSettings) -> dict[str, str]:
    env = dict(os.environ)
    env["GOLDTRACE_HOME"] = str(settings.home)
    env["GOLDTRACE_KAFKA_PORT"] = str(settings.kafka_port)
    env["GOLDTRACE_POSTGRES_PORT"] = str(settings.postgres_port)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def health_url(app: App, settings: StackSettings) -> str:
    """Where the app answers /healthz."""
    return f"http://127.0.0.1:{app.port(settings)}/healthz"


def is_healthy(url: str) -> bool:
    """True if the URL answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_all(settings: StackSettings, say: processes.Say, timeout: float = 90.0) -> None:
    """Start every app that is not running and wait until each answers /healthz."""
    env = _env(settings)
    for app in APPS:
        if processes.running(settings.run_dir, app.name):
            say(f"{app.name}: already running.")
            continue
        processes.ensure_port_free(app.port(settings), app.port_variable)
        log = settings.logs_dir / f"{app.name}.log"
        owned = processes.spawn(
            settings.run_dir, app.name, [sys.executable, "-m", app.module, *app.args], log, env=env, cwd=REPO_ROOT
        )
        began = time.monotonic()
        while not is_healthy(health_url(app, settings)):
            if not owned.is_alive():
                raise StackError(
                    "stack.app_died", f"{app.name} exited while starting. Last lines of {log}:\n{processes.tail(log)}"
                )
            if time.monotonic() - began > timeout:
                raise StackError(
                    "stack.app_not_ready", f"{app.name} did not answer {health_url(app, settings)} in {timeout:.0f} s."
                )
            time.sleep(0.2)
        say(f"{app.name}: started, healthy in {time.monotonic() - began:.1f} s (log: {log}).")


def stop_all(settings: StackSettings, say: processes.Say) -> None:
    """Stop every app this stack started, gateway first."""
    for app in reversed(APPS):
        if processes.stop(settings.run_dir, app.name):
            say(f"{app.name}: stopped.")


def states(settings: StackSettings) -> dict[str, str]:
    """running | stopped for each app."""
    return {app.name: "running" if processes.running(settings.run_dir, app.name) else "stopped" for app in APPS}
