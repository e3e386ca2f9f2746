"""Background processes the stack owns, remembered by PID file with their start time so we never kill a stranger."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from services.stack.errors import StackError

Say = Callable[[str], None]


@dataclass(frozen=True)
class OwnedProcess:
    """A process we started: its PID and the kernel's record of when it started."""

    name: str
    pid: int
    create_time: float

    def is_alive(self) -> bool:
        """True if this very process (not a recycled PID) still runs."""
        try:
            proc = psutil.Process(self.pid)
            return abs(proc.create_time() - self.create_time) < 0.01 and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False


def pid_file(run_dir: Path, name: str) -> Path:
    """The PID file of a named process."""
    return run_dir / f"{name}.pid"


def read_owned(run_dir: Path, name: str) -> OwnedProcess | None:
    """The process recorded under `name`, if its PID file exists and is readable."""
    path = pid_file(run_dir, name)
    try:
        record = json.loads(path.read_text())
        return OwnedProcess(name, int(record["pid"]), float(record["create_time"]))
    except (OSError, ValueError, KeyError):
        return None


def running(run_dir: Path, name: str) -> OwnedProcess | None:
    """The recorded process if it is still alive; a stale PID file is removed."""
    owned = read_owned(run_dir, name)
    if owned is None:
        return None
    if owned.is_alive():
        return owned
    pid_file(run_dir, name).unlink(missing_ok=True)
    return None


def spawn(
    run_dir: Path, name: str, argv: Sequence[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> OwnedProcess:
    """Start a detached process in its own session, output to `log`, and record it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(argv), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env, cwd=cwd,
        )  # fmt: skip
    owned = OwnedProcess(name, proc.pid, psutil.Process(proc.pid).create_time())
    pid_file(run_dir, name).write_text(json.dumps({"pid": owned.pid, "create_time": owned.create_time}))
    return owned


def stop(run_dir: Path, name: str, timeout: float = 20.0) -> bool:
    """Stop a recorded process and its session: SIGTERM, then SIGKILL after `timeout`. True if one was running."""
    owned = running(run_dir, name)
    if owned is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(owned.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while owned.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    if owned.is_alive():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(owned.pid, signal.SIGKILL)
        while owned.is_alive():
            time.sleep(0.05)
    pid_file(run_dir, name).unlink(missing_ok=True)
    return True


def ensure_port_free(port: int, variable: str) -> None:
    """Raise a StackError naming the port (and the variable that moves it) if something listens there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise StackError(
                "stack.port_taken",
                f"Port {port} on 127.0.0.1 is already in use by another program; stop it or set {variable} "
                "to a free port.",
            ) from exc


def tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
