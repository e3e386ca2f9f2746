"""Reading the services' cProfile dumps: busy time by package, the top functions by own and cumulative time.

Times are per thread, wall clock or CPU time as the profile was taken (services/common/profiling.py).
Whatever is left in the event loop's poll, in sleeps and on locks is counted as idle; percentages are of the rest
(the process's busy time), so they say where the work goes.
"""

from __future__ import annotations

import pstats
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from services.stack.settings import REPO_ROOT

IDLE_BUILTINS = ("'poll' of 'select.epoll'", "'select' of 'select.", "time.sleep", "'acquire' of '_thread.lock'")
BUILTIN_PACKAGES = (("orjson", "orjson"), ("Ed25519", "cryptography (Ed25519)"), ("hashlib", "hashlib"))
Func = tuple[str, int, str]


@dataclass(frozen=True)
class Entry:
    """One function's totals."""

    func: Func
    calls: int
    own_s: float
    cumulative_s: float

    @property
    def label(self) -> str:
        """`path:line(function)` with the path shortened to the package."""
        path, line, name = self.func
        if path == "~":
            return name
        return f"{_short(path)}:{line}({name})"


def _short(path: str) -> str:
    for marker in ("site-packages/", f"{REPO_ROOT}/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def package(func: Func) -> str:
    """The package a function belongs to (ours: `events`, `services/<name>`; C builtins by what they are)."""
    path, _, name = func
    if path == "~":
        if any(mark in name for mark in IDLE_BUILTINS):
            return "idle"
        return next((label for mark, label in BUILTIN_PACKAGES if mark in name), "other C builtins")
    short = _short(path)
    if short.startswith("services/"):
        return "/".join(short.split("/")[:2])
    if "lib/python3.11/" in path and "site-packages/" not in path:
        return f"stdlib {short.split('/')[0].removesuffix('.py')}"
    return short.split("/")[0].removesuffix(".py")


def load(files: Iterable[Path]) -> list[Entry]:
    """Merged entries of several dumps (e.g. both custody workers)."""
    paths = [str(f) for f in files]
    if not paths:
        return []
    stats = pstats.Stats(*paths)
    table = stats.stats  # type: ignore[attr-defined]
    return [Entry(func, nc, tt, ct) for func, (_cc, nc, tt, ct, _callers) in table.items()]


def report(title: str, entries: list[Entry], top: int = 12) -> list[str]:
    """Lines describing one service's profile."""
    if not entries:
        return [f"{title}: no profile was written (the process did not shut down cleanly?)"]
    total = sum(e.own_s for e in entries)
    idle = sum(e.own_s for e in entries if package(e.func) == "idle")
    busy = max(total - idle, 1e-9)
    lines = [f"{title}: {total:.1f} s profiled over its threads, {idle:.1f} s idle, {busy:.1f} s busy"]
    by_package: dict[str, float] = defaultdict(float)
    for e in entries:
        if package(e.func) != "idle":
            by_package[package(e.func)] += e.own_s
    ranked = sorted(by_package.items(), key=lambda kv: -kv[1])[:10]
    lines.append("  busy time by package (own time): " + ", ".join(f"{p} {s / busy:.0%}" for p, s in ranked))
    lines.append(f"  top {top} by own time (% of busy):")
    working = [e for e in entries if package(e.func) != "idle"]
    for e in sorted(working, key=lambda e: -e.own_s)[:top]:
        lines.append(f"    {e.own_s:7.2f} s {e.own_s / busy:5.1%} {e.calls:>9} calls  {e.label}")
    ours = [e for e in entries if package(e.func).startswith(("events", "services/"))]
    lines.append(f"  top {top} of our functions by cumulative time (% of busy; coroutines: time while running):")
    for e in sorted(ours, key=lambda e: -e.cumulative_s)[:top]:
        lines.append(f"    {e.cumulative_s:7.2f} s {e.cumulative_s / busy:5.1%} {e.calls:>9} calls  {e.label}")
    return lines
