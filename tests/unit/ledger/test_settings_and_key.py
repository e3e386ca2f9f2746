"""Ledger settings from the environment, and the log key file made on first start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from events.keys import derive_key_id
from services.ledger.errors import LedgerError
from services.ledger.heads import load_log_key
from services.ledger.settings import LedgerSettings


def test_defaults_follow_the_stack(tmp_path: Path) -> None:
    settings = LedgerSettings.from_env({"GOLDTRACE_HOME": str(tmp_path), "DATABASE_URL": "postgresql://x/y"})
    assert settings.accepted_topic == "goldtrace.events.accepted"
    assert settings.rejected_topic == "goldtrace.events.rejected"
    assert settings.log_key_file == tmp_path.resolve() / "keys" / "log.pem"
    assert settings.log_keyid is None
    assert settings.http_port == 18083
    assert settings.database_url == "postgresql://x/y"
    assert settings.kafka_bootstrap == "127.0.0.1:19092"
    assert (settings.head_interval_s, settings.batch_max_records) == (5.0, 2000)
    assert (settings.fetch_min_bytes, settings.fetch_wait_ms) == (256 * 1024, 100)


def test_everything_can_be_set(tmp_path: Path) -> None:
    env = {
        "GOLDTRACE_HOME": str(tmp_path),
        "KAFKA_BOOTSTRAP": "broker:9092",
        "DATABASE_URL": "postgresql://x/y",
        "GOLDTRACE_TOPIC_PREFIX": "gt-test-1",
        "GOLDTRACE_LOG_KEY_FILE": str(tmp_path / "elsewhere.pem"),
        "GOLDTRACE_LOG_KEY_ID": "arm-log-2026",
        "GOLDTRACE_LEDGER_HEAD_INTERVAL_S": "0.5",
        "GOLDTRACE_LEDGER_BATCH_RECORDS": "100",
        "GOLDTRACE_LEDGER_POLL_MS": "50",
        "GOLDTRACE_LEDGER_FETCH_MIN_BYTES": "1",
        "GOLDTRACE_LEDGER_FETCH_WAIT_MS": "20",
        "GOLDTRACE_LEDGER_PORT": "28083",
    }
    settings = LedgerSettings.from_env(env)
    assert settings.kafka_bootstrap == "broker:9092"
    assert (settings.accepted_topic, settings.rejected_topic) == (
        "gt-test-1.events.accepted",
        "gt-test-1.events.rejected",
    )
    assert settings.log_key_file == tmp_path / "elsewhere.pem"
    assert settings.log_keyid == "arm-log-2026"
    assert (settings.head_interval_s, settings.batch_max_records, settings.poll_timeout_ms) == (0.5, 100, 50)
    assert (settings.fetch_min_bytes, settings.fetch_wait_ms) == (1, 20)
    assert settings.http_port == 28083


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_a_bad_number_is_refused_with_its_name(tmp_path: Path, value: str) -> None:
    env = {"GOLDTRACE_HOME": str(tmp_path), "DATABASE_URL": "x", "GOLDTRACE_LEDGER_BATCH_RECORDS": value}
    with pytest.raises(LedgerError) as refused:
        LedgerSettings.from_env(env)
    assert refused.value.code == "ledger.setting_invalid"
    assert "GOLDTRACE_LEDGER_BATCH_RECORDS" in refused.value.detail


def test_the_log_key_is_made_once_owner_only_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "log.pem"
    first = load_log_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = load_log_key(path, "arm-log")
    assert again.public_key.public_bytes_raw() == first.public_key.public_bytes_raw()
    assert first.keyid == derive_key_id(first.public_key)
    assert again.keyid == "arm-log"
