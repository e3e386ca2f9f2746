"""Opt-in cProfile of a service process: with GOLDTRACE_PROFILE_DIR set, `<service>-<pid>.prof` lands there on exit.

Every thread the process starts after the hook is on gets a profiler of its own (faust runs its Kafka consumer in a
thread); at a clean shutdown (return, SystemExit, SIGTERM handled by the service) their statistics are merged into
the one file, which `pstats` or `bench/pipeline.py --profile` reads. A `kill -9` leaves no file. Unset, the hook
only calls `main` and changes nothing.

The clock is cProfile's usual wall clock (GOLDTRACE_PROFILE_CLOCK=wall, the default: low overhead, but on a busy
machine the wait for a CPU, or for the GIL, is charged to whatever function was running, mostly system calls that
wake another process). GOLDTRACE_PROFILE_CLOCK=cpu times each thread's CPU instead (no waits; a system call per
timing, so the process runs several times slower and call-heavy functions look heavier).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import signal
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TypeVar

PROFILE_DIR_VARIABLE = "GOLDTRACE_PROFILE_DIR"
PROFILE_CLOCK_VARIABLE = "GOLDTRACE_PROFILE_CLOCK"
T = TypeVar("T")


def profiled(service: str, main: Callable[[], T], env: Mapping[str, str] | None = None) -> T:
    """Run `main`, under cProfile when GOLDTRACE_PROFILE_DIR names a folder; return what it returns."""
    env = os.environ if env is None else env
    folder = env.get(PROFILE_DIR_VARIABLE)
    if not folder:
        return main()
    clock = env.get(PROFILE_CLOCK_VARIABLE, "wall")
    if clock not in {"cpu", "wall"}:
        raise ValueError(f"{PROFILE_CLOCK_VARIABLE}={clock!r}: use cpu or wall")
    # A SIGTERM that reaches the default handler (uvicorn re-raises the one it caught once it has shut down)
    # becomes SystemExit, so the statistics are still written.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    threads = _ThreadProfiles(clock)
    threading.setprofile(threads.start_in_thread)
    profile = _profile(clock)
    profile.enable()
    try:
        return main()
    finally:
        profile.disable()
        threading.setprofile(None)
        path = Path(folder) / f"{service}-{os.getpid()}.prof"
        path.parent.mkdir(parents=True, exist_ok=True)
        threads.merged_into(pstats.Stats(profile)).dump_stats(path)


def _profile(clock: str) -> cProfile.Profile:
    return cProfile.Profile(time.thread_time) if clock == "cpu" else cProfile.Profile()


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)


class _ThreadProfiles:
    """One profiler per thread started while profiling (a cProfile.Profile follows only the thread it runs in)."""

    def __init__(self, clock: str) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._profiles: list[cProfile.Profile] = []

    def start_in_thread(self, frame: FrameType, event: str, arg: Any) -> None:
        """threading's first profile call in a new thread: replace it with a profiler of the thread's own."""
        profile = _profile(self._clock)
        with self._lock:
            self._profiles.append(profile)
        profile.enable()

    def merged_into(self, stats: pstats.Stats) -> pstats.Stats:
        """Add every thread's statistics to `stats` (threads still running are read as they are now)."""
        with self._lock:
            for profile in self._profiles:
                stats.add(profile)
        return stats
