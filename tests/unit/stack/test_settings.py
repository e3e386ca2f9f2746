"""Stack settings come from the environment, with plain errors for bad values."""

from __future__ import annotations

import pytest

from services.stack.settings import REPO_ROOT, StackSettings


def test_defaults_live_under_the_repository() -> None:
    settings = StackSettings.from_env({})
    assert settings.home == REPO_ROOT / ".goldtrace"
    assert settings.kafka_bootstrap == "127.0.0.1:19092"
    assert settings.run_dir == settings.home / "run"
    assert settings.external_database_url is None


def test_environment_moves_ports_folders_and_servers() -> None:
    settings = StackSettings.from_env(
        {
            "GOLDTRACE_HOME": "/tmp/elsewhere",
            "GOLDTRACE_KAFKA_PORT": "39092",
            "GOLDTRACE_POSTGRES_PORT": "35432",
            "KAFKA_BOOTSTRAP": "broker.example:9092",
            "DATABASE_URL": "postgresql://u@db/goldtrace",
        }
    )
    assert str(settings.home) == "/tmp/elsewhere"
    assert settings.kafka_port == 39092
    assert settings.postgres_port == 35432
    assert settings.kafka_bootstrap == "broker.example:9092"
    assert settings.external_database_url == "postgresql://u@db/goldtrace"


@pytest.mark.parametrize("value", ["abc", "0", "70000", "-1"])
def test_a_bad_port_is_named(value: str) -> None:
    with pytest.raises(ValueError, match="GOLDTRACE_KAFKA_PORT"):
        StackSettings.from_env({"GOLDTRACE_KAFKA_PORT": value})
