"""What the pipeline bench measured, and how it prints: figures beside targets, nothing clamped."""

from __future__ import annotations

from dataclasses import dataclass, field

import psutil
from _cpu import OTHERS
from _load import percentile

TARGET_EVENTS_PER_S = 2_000
TARGET_P99_S = 1.0


@dataclass
class Figures:
    """What the run measured so far (printed even when the run stops early)."""

    batch: int = 0
    connections: int = 0
    events: int = 0
    throughput_s: float | None = None
    rows_seen: int = 0
    window_s: float = 0.0
    intake_s: float | None = None
    verify_rates: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    parked: list[int] = field(default_factory=list)
    rate: int = 0
    seconds: float = 0.0
    pace_batch: int = 0
    latency: list[float] = field(default_factory=list)
    latency_expected: int = 0
    latency_stages: dict[str, list[float]] = field(default_factory=dict)
    round_trips: list[float] = field(default_factory=list)
    latency_cpu: dict[str, float] = field(default_factory=dict)
    latency_parked: list[int] = field(default_factory=list)
    latency_window_s: float = 0.0
    ledger_batches: tuple[float, float] = (0.0, 0.0)
    outcomes: dict[str, int] = field(default_factory=dict)
    decided: dict[str, int] = field(default_factory=dict)
    rss: dict[str, float] = field(default_factory=dict)
    stopped_early: str | None = None

    @property
    def latency_all(self) -> list[float]:
        """Latencies with every event that had no accepted row in time counted as infinitely late."""
        return self.latency + [float("inf")] * (self.latency_expected - len(self.latency))

    @property
    def events_per_s(self) -> float:
        """Sustained throughput of (a), or rows/s over the window when it did not complete (0 if not run)."""
        if self.throughput_s is not None:
            return self.events / self.throughput_s
        return self.rows_seen / self.window_s if self.window_s else 0.0


def _met(met: bool) -> str:
    return "met" if met else "NOT met"


def parked_lines(samples: list[int]) -> list[str]:
    """How many lots had events parked in custody (waiting for a hand-off), sampled during a phase."""
    if not samples:
        return []
    mean = sum(samples) / len(samples)
    return [
        f"    lots with events parked in custody, waiting for a hand-off (sampled): mean {mean:.0f}, max {max(samples)}"
    ]


def throughput_lines(f: Figures) -> list[str]:
    """(a): throughput, gateway intake, raw verify, CPU by process."""
    if f.throughput_s is not None:
        head = (
            f"(a) throughput: {f.events:,} events in batches of {f.batch} over {f.connections} connections, "
            f"first submit -> last row {f.throughput_s:.1f} s = {f.events_per_s:,.0f} events/s"
        )
    elif f.window_s:
        head = f"(a) throughput: INCOMPLETE, {f.rows_seen:,} of {f.events:,} rows in {f.window_s:.1f} s"
    else:
        return ["(a) throughput: not measured"]
    lines = [head]
    if f.intake_s:
        lines.append(
            f"    the gateway answered all of them in {f.intake_s:.1f} s ({f.events / f.intake_s:,.0f} events/s)"
        )
    verify = " / ".join(f"{rate:,.0f}" for rate in f.verify_rates)
    lines.append(f"    raw Ed25519 verify on one core, this run, cached keys (before / after (a)): {verify} per s")
    lines.extend(parked_lines(f.parked))
    cores = psutil.cpu_count() or 1
    lines.append(
        f"    CPU used during (a): {f.window_s:.1f} s x {cores} cores = {f.window_s * cores:.0f} CPU-s available"
    )
    for name, seconds in sorted(f.cpu.items(), key=lambda kv: -kv[1]):
        per_event = seconds / max(f.rows_seen, 1) * 1e6
        lines.append(
            f"      {name:<40} {seconds:6.1f} CPU-s {seconds / f.window_s:5.2f} cores {per_event:6.0f} us/event"
        )
    return lines


def latency_lines(f: Figures) -> list[str]:
    """(b): latency percentiles, request round trips, the ledger's commit delay."""
    if not f.latency_expected:
        return ["(b) latency: not measured"]
    lat, missing = f.latency_all, f.latency_expected - len(f.latency)
    lines = [
        f"(b) latency, submit -> accepted row (recorded_at), paced {f.rate}/s for {f.seconds:.0f} s "
        f"in batches of {f.pace_batch}:",
        f"    p50 {percentile(lat, 0.5):.3f} s, p99 {percentile(lat, 0.99):.3f} s, "
        f"max {lat[-1] if lat else float('nan'):.3f} s over {len(lat):,} events"
        + (f"; {missing:,} had no accepted row in time (counted as infinitely late)" if missing else ""),
        f"    POST round trip p50 {percentile(f.round_trips, 0.5):.3f} s, p99 {percentile(f.round_trips, 0.99):.3f} s",
    ]
    for name, values in f.latency_stages.items():
        lines.append(
            f"      {name:<40} p50 {percentile(values, 0.5):.3f} s, p99 {percentile(values, 0.99):.3f} s "
            f"({len(values):,})"
        )
    lines.extend(parked_lines(f.latency_parked))
    if f.latency_cpu:
        others = f.latency_cpu.get(OTHERS, 0.0)
        ours = sum(f.latency_cpu.values()) - others
        lines.append(
            f"    CPU during (b): the pipeline (services, Kafka, PostgreSQL) {ours / f.latency_window_s:.2f} cores, "
            f"everything else on the machine {others / f.latency_window_s:.2f} cores"
        )
        for name, seconds in sorted(f.latency_cpu.items(), key=lambda kv: -kv[1]):
            if name != OTHERS and seconds >= 0.05:
                per_event = seconds / max(f.latency_expected, 1) * 1e6
                lines.append(f"      {name:<40} {seconds / f.latency_window_s:5.2f} cores {per_event:6.0f} us/event")
    spent, count = f.ledger_batches
    if count:
        lines.append(
            f"    recorded_at is when the ledger's transaction began; rows show at its commit, "
            f"{spent / count * 1000:.0f} ms later on average ({count:.0f} batches)"
        )
    return lines


def summary_lines(f: Figures) -> list[str]:
    """Outcomes, targets against the figures, memory, early stop."""
    lines = []
    if f.outcomes:
        lines.append(f"rows by outcome: {f.outcomes}; inbound records decided per worker: {f.decided}")
    lines.append(
        f"target: >= {TARGET_EVENTS_PER_S:,} events/s sustained   measured {f.events_per_s:,.0f} events/s   "
        f"{_met(f.throughput_s is not None and f.events_per_s >= TARGET_EVENTS_PER_S)}"
    )
    if f.latency_expected:
        p99 = percentile(f.latency_all, 0.99)
        lines.append(
            f"target: p99 <= {TARGET_P99_S:.1f} s at {f.rate} events/s    measured p99 {p99:.3f} s   "
            f"{_met(p99 <= TARGET_P99_S)}"
        )
    if f.rss:
        lines.append("memory (RSS) at the end: " + ", ".join(f"{name} {mb:.0f} MiB" for name, mb in f.rss.items()))
    if f.stopped_early:
        lines.append(f"STOPPED EARLY: {f.stopped_early}")
    return lines
