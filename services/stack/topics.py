"""Kafka topics declared in infra/kafka/topics.toml, created explicitly (the broker never auto-creates)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.stack.errors import StackError
from services.stack.settings import INFRA_DIR

TOPICS_FILE = INFRA_DIR / "kafka" / "topics.toml"


@dataclass(frozen=True)
class TopicSpec:
    """One topic: name, partitions, replication and configs."""

    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)
    description: str = ""


def load_topics(path: Path = TOPICS_FILE) -> list[TopicSpec]:
    """Read every declared topic, defaults merged in."""
    document = tomllib.loads(path.read_text())
    defaults = document.get("defaults", {})
    specs = []
    for name, topic in document.get("topics", {}).items():
        configs = {**defaults.get("configs", {}), **topic.get("configs", {})}
        specs.append(
            TopicSpec(
                name=name,
                partitions=int(topic.get("partitions", defaults.get("partitions", 1))),
                replication_factor=int(topic.get("replication_factor", defaults.get("replication_factor", 1))),
                configs={k: str(v) for k, v in configs.items()},
                description=str(topic.get("description", "")),
            )
        )
    return specs


async def ensure_topics(bootstrap: str, specs: list[TopicSpec]) -> list[str]:
    """Create the declared topics that are missing; return the names created. Mismatched partitions are an error."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            await admin.create_topics(
                [NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.configs) for s in missing]
            )
        present = [s for s in specs if s.name in existing]
        if present:
            described = await admin.describe_topics([s.name for s in present])
            counts = {d["topic"]: len(d["partitions"]) for d in described}
            for spec in present:
                if counts.get(spec.name) != spec.partitions:
                    raise StackError(
                        "stack.topic_mismatch",
                        f"Topic {spec.name} has {counts.get(spec.name)} partitions but infra/kafka/topics.toml "
                        f"declares {spec.partitions}; delete the topic or fix the declaration.",
                    )
        return [s.name for s in missing]
    finally:
        await admin.close()
