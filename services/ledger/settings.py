"""The ledger's settings, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from events.custody.policy import DEFAULT_POLICY, Policy
from services.common.settings import Topics, platform_keys
from services.ledger.errors import LedgerError
from services.stack import postgres
from services.stack.settings import StackSettings

FETCH_MIN_BYTES: Final = 256 * 1024
FETCH_WAIT_MS: Final = 100
"""A fetch waits at the broker for about 200 accepted records, or 100 ms. Answering each fetch as soon as one record
was there made the ledger write a batch every 30 ms at a paced 500 events/s; waiting cut its CPU per event by 40 %
and PostgreSQL's by 20 % there (bench/pipeline.md, sixth session), for about 60 ms more between decision and row."""


@dataclass(frozen=True)
class LedgerSettings:
    """Where to read and write, the log key, and how the ledger batches and signs.

    Environment: KAFKA_BOOTSTRAP, DATABASE_URL and GOLDTRACE_* as for the stack; GOLDTRACE_TOPIC_PREFIX (topics
    `<prefix>.events.accepted` / `.rejected`), GOLDTRACE_LOG_KEY_FILE (default $GOLDTRACE_HOME/keys/log.pem),
    GOLDTRACE_LOG_KEY_ID (default derived from the key), GOLDTRACE_LEDGER_HEAD_INTERVAL_S (5),
    GOLDTRACE_LEDGER_BATCH_RECORDS (2000), GOLDTRACE_LEDGER_POLL_MS (200), GOLDTRACE_LEDGER_FETCH_MIN_BYTES (262144),
    GOLDTRACE_LEDGER_FETCH_WAIT_MS (100), GOLDTRACE_LEDGER_PORT (18083);
    the audit clock: GOLDTRACE_AUDIT_INTERVAL_S (30), GOLDTRACE_AUDIT_RECEIPT_WINDOW_S (the policy's 30 days).
    """

    kafka_bootstrap: str
    database_url: str
    accepted_topic: str
    rejected_topic: str
    log_key_file: Path
    log_keyid: str | None
    head_interval_s: float
    batch_max_records: int
    poll_timeout_ms: int
    http_host: str
    http_port: int
    fetch_min_bytes: int = FETCH_MIN_BYTES
    """The broker answers a fetch once it holds this many bytes for us, or after `fetch_wait_ms`."""
    fetch_wait_ms: int = FETCH_WAIT_MS
    audit_interval_s: float = 30.0
    """How often the audit clock writes the findings that became due (services/ledger/audit_clock.py)."""
    audit_policy: Policy = DEFAULT_POLICY
    """The policy of the clock-dependent findings: the rules' own, with the receipt window settable."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LedgerSettings:
        """Read the settings from the environment (or a mapping, in tests)."""
        env = os.environ if env is None else env
        stack = StackSettings.from_env(env)
        topics = Topics.with_prefix(env.get("GOLDTRACE_TOPIC_PREFIX", "goldtrace"))
        key_file = env.get("GOLDTRACE_LOG_KEY_FILE")
        return cls(
            kafka_bootstrap=stack.kafka_bootstrap,
            database_url=postgres.database_url(stack),
            accepted_topic=topics.accepted,
            rejected_topic=topics.rejected,
            log_key_file=Path(key_file) if key_file else platform_keys(stack).log_key_file,
            log_keyid=env.get("GOLDTRACE_LOG_KEY_ID") or None,
            head_interval_s=_number(env, "GOLDTRACE_LEDGER_HEAD_INTERVAL_S", 5.0, 0.05),
            batch_max_records=int(_number(env, "GOLDTRACE_LEDGER_BATCH_RECORDS", 2000, 1)),
            poll_timeout_ms=int(_number(env, "GOLDTRACE_LEDGER_POLL_MS", 200, 1)),
            fetch_min_bytes=int(_number(env, "GOLDTRACE_LEDGER_FETCH_MIN_BYTES", FETCH_MIN_BYTES, 1)),
            fetch_wait_ms=int(_number(env, "GOLDTRACE_LEDGER_FETCH_WAIT_MS", FETCH_WAIT_MS, 1)),
            http_host=env.get("GOLDTRACE_LEDGER_HOST", "127.0.0.1"),
            http_port=stack.ledger_port,
            audit_interval_s=_number(env, "GOLDTRACE_AUDIT_INTERVAL_S", 30.0, 0.05),
            audit_policy=replace(
                DEFAULT_POLICY,
                receipt_window_seconds=int(
                    _number(env, "GOLDTRACE_AUDIT_RECEIPT_WINDOW_S", DEFAULT_POLICY.receipt_window_seconds, 1)
                ),
            ),
        )


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= minimum:  # also refuses NaN
        raise LedgerError("ledger.setting_invalid", f"{name}={raw!r} is not a number of at least {minimum:g}.")
    return value
