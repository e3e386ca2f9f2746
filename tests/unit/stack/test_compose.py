"""docker-compose.yml names the same Kafka version and host ports as the local runner."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import yaml

from services.stack import apps, kafka
from services.stack.settings import REPO_ROOT, StackSettings


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    return document


def _host_ports(service: dict[str, Any]) -> set[int]:
    return {int(str(mapping).split(":")[-2]) for mapping in service.get("ports", [])}


def test_compose_kafka_image_matches_the_pinned_broker() -> None:
    image = _compose()["services"]["kafka"]["image"]
    assert image == f"apache/kafka:{kafka.pinned_version()}"


def test_compose_ports_match_the_local_runner_defaults() -> None:
    defaults = StackSettings.from_env({})
    services = _compose()["services"]
    assert _host_ports(services["kafka"]) == {defaults.kafka_port}
    assert _host_ports(services["postgres"]) == {defaults.postgres_port}
    assert (
        f"PLAINTEXT://127.0.0.1:{defaults.kafka_port}" in services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    )


def test_compose_runs_the_same_services_as_the_local_runner() -> None:
    services = _compose()["services"]
    for app in apps.APPS:
        command = services[app.name]["command"]
        assert command[:3] == ["python", "-m", app.module]
        assert tuple(command[3:]) == app.args
        assert importlib.util.find_spec(app.module) is not None
    defaults = StackSettings.from_env({})
    assert _host_ports(services["gateway"]) == {defaults.gateway_port}
    assert _host_ports(services["query"]) == {defaults.query_port}


def test_compose_kafka_is_kraft_with_auto_creation_off() -> None:
    environment = _compose()["services"]["kafka"]["environment"]
    assert environment["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert environment["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_pinned_version_is_a_4_0_release(tmp_path: Path) -> None:
    assert kafka.pinned_version().startswith("4.0.")
    pom = tmp_path / "pom.xml"
    pom.write_text("<project><properties><kafka.version> 3.9.1 </kafka.version></properties></project>")
    assert kafka.pinned_version(pom) == "3.9.1"
