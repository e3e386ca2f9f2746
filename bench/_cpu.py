"""Who used the CPU during a phase: the bench's services, the broker, PostgreSQL, the bench itself, everyone else."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import psutil

from services.stack import kafka, postgres, processes
from services.stack.settings import StackSettings

OUR_DATABASE = "postgres: our database's backends"
OTHER_POSTGRES = "postgres: background + other databases"
OTHERS = "everything else on the machine"
Key = tuple[str, int, float]  # (group, pid, create time): a recycled pid is another process


@dataclass(frozen=True)
class Snapshot:
    """CPU seconds (user + system) of every process we track, and the machine's busy CPU seconds, at one moment."""

    processes: dict[Key, float]
    machine_busy_s: float


def _machine_busy_s() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0) - getattr(times, "steal", 0.0))


class CpuMeter:
    """Groups processes by role: each service by name, Kafka, PostgreSQL backends of our database, the rest."""

    def __init__(self, stack: StackSettings, database: str, services: Callable[[], dict[str, int]]) -> None:
        self._stack = stack
        self._database = database
        self._services = services

    def snapshot(self) -> Snapshot:
        """CPU seconds of every tracked process now."""
        found: dict[Key, float] = {}
        for group, process in self._processes():
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    found[(group, process.pid, process.create_time())] = float(times.user + times.system)
            except psutil.Error:
                continue
        return Snapshot(found, _machine_busy_s())

    def _processes(self) -> list[tuple[str, psutil.Process]]:
        found = [(name, psutil.Process(pid)) for name, pid in self._services().items()]
        found.append(("bench client (this process)", psutil.Process(os.getpid())))
        broker = processes.running(self._stack.run_dir, kafka.PROCESS_NAME)
        if broker is not None:
            found.append(("kafka broker", psutil.Process(broker.pid)))
        server = postgres.server_pid(self._stack)
        if server is not None:
            master = psutil.Process(server)
            found.append((OTHER_POSTGRES, master))
            for child in master.children(recursive=True):
                try:
                    ours = self._database in " ".join(child.cmdline())
                except psutil.Error:
                    continue
                found.append((OUR_DATABASE if ours else OTHER_POSTGRES, child))
        return found


def used(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds per group between two snapshots (a process born meanwhile counts from zero; one that died
    meanwhile is lost, and lands in "everything else")."""
    totals: dict[str, float] = defaultdict(float)
    for key, seconds in after.processes.items():
        totals[key[0]] += max(seconds - before.processes.get(key, 0.0), 0.0)
    totals[OTHERS] = max(after.machine_busy_s - before.machine_busy_s - sum(totals.values()), 0.0)
    return dict(totals)
