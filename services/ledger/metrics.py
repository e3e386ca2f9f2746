"""The ledger's Prometheus metrics, in a registry of its own (nothing is built at import)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from events.treehead import SignedTreeHead
from services.ledger.store import BatchResult


class LedgerMetrics:
    """Records consumed, rows written, batch latency, log size, tree heads and consumer lag."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.records = Counter(
            "goldtrace_ledger_records_consumed", "Kafka records read, per topic.", ["topic"], registry=self.registry
        )
        self.outcomes = Counter(
            "goldtrace_ledger_records",
            "Records by what became of them: new (logged), duplicate, conflict, malformed, skipped (already written).",
            ["result"],
            registry=self.registry,
        )
        self.rows = Counter(
            "goldtrace_ledger_rows_written", "Rows inserted or updated, per table.", ["table"], registry=self.registry
        )
        self.batch_seconds = Histogram(
            "goldtrace_ledger_batch_seconds",
            "Time to write one batch (one transaction).",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.batch_failures = Counter(
            "goldtrace_ledger_batch_failures", "Batches rolled back and retried.", registry=self.registry
        )
        self.log_size = Gauge("goldtrace_ledger_log_size", "Leaves in the transparency log.", registry=self.registry)
        self.head_size = Gauge(
            "goldtrace_ledger_tree_head_size", "Tree size of the latest signed tree head.", registry=self.registry
        )
        self.heads = Counter(
            "goldtrace_ledger_tree_heads", "Tree heads returned by the signer.", registry=self.registry
        )
        self.lag = Gauge(
            "goldtrace_ledger_lag_records",
            "Records on the broker not yet written, per topic partition.",
            ["topic", "partition"],
            registry=self.registry,
        )

    def batch_written(self, result: BatchResult, counts: dict[str, int], seconds: float) -> None:
        """Count a committed batch."""
        for topic, count in counts.items():
            self.records.labels(topic).inc(count)
        for name, value in (
            ("new", result.new_events),
            ("duplicate", result.duplicates),
            ("conflict", result.conflicts),
            ("malformed", result.malformed),
            ("skipped", result.skipped),
        ):
            self.outcomes.labels(name).inc(value)
        for table, count in result.rows.items():
            self.rows.labels(table).inc(count)
        self.batch_seconds.observe(seconds)
        self.log_size.set(result.log_size)

    def head_signed(self, head: SignedTreeHead) -> None:
        """Note the latest head."""
        self.heads.inc()
        self.head_size.set(head.tree_size)

    def exposition(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
