"""Settings every pipeline service reads once from the environment: endpoints, topics, trust, ports."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from events.custody.registry import TrustAnchor
from services.common.platform_keys import PlatformKeys, anchor_from_trust
from services.stack import postgres
from services.stack.errors import StackError
from services.stack.settings import StackSettings


@dataclass(frozen=True)
class Topics:
    """Names of the pipeline's topics (a prefix lets tests run a private pipeline on a shared broker)."""

    registry: str
    inbound: str
    accepted: str
    rejected: str

    @classmethod
    def with_prefix(cls, prefix: str = "goldtrace") -> Topics:
        """The topics of infra/kafka/topics.toml, renamed under `prefix`."""
        return cls(
            f"{prefix}.registry", f"{prefix}.events.inbound", f"{prefix}.events.accepted", f"{prefix}.events.rejected"
        )


@dataclass(frozen=True)
class PipelineSettings:
    """Where Kafka and PostgreSQL are, which topics to use and whom to trust (ports live in `stack`)."""

    stack: StackSettings
    kafka_bootstrap: str
    database_url: str
    topics: Topics
    anchor: TrustAnchor
    log_keyid: str
    log_public_key: str
    anchor_signature: str = ""  # the log key's signature of the anchor statement (events/anchor.py)
    public_url: str = ""  # GOLDTRACE_PUBLIC_URL: the query service's public base URL (QR codes); empty: per request
    custody_rechecks_signatures: bool = False
    """GOLDTRACE_CUSTODY_SIGNATURES=verify: custody checks every event's Ed25519 signature again instead of taking the
    gateway's word for it (`gateway`, the default; see SECURITY.md, "Who checks a signature")."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PipelineSettings:
        """Read the settings; the trust anchor comes from GOLDTRACE_TRUST_FILE or the stack's keys/trust.json."""
        env = os.environ if env is None else env
        stack = StackSettings.from_env(env)
        trust = _read_trust(env, stack)
        return cls(
            stack=stack,
            kafka_bootstrap=stack.kafka_bootstrap,
            database_url=postgres.database_url(stack),
            topics=Topics.with_prefix(env.get("GOLDTRACE_TOPIC_PREFIX", "goldtrace")),
            anchor=anchor_from_trust(trust),
            log_keyid=trust["log_keyid"],
            log_public_key=trust["log_public_key"],
            anchor_signature=trust.get("anchor_signature", ""),
            public_url=env.get("GOLDTRACE_PUBLIC_URL", "").rstrip("/"),
            custody_rechecks_signatures=_custody_rechecks_signatures(env),
        )


def platform_keys(stack: StackSettings) -> PlatformKeys:
    """The platform keys of a stack (under its home)."""
    return PlatformKeys(stack.home / "keys")


def _custody_rechecks_signatures(env: Mapping[str, str]) -> bool:
    value = env.get("GOLDTRACE_CUSTODY_SIGNATURES", "gateway")
    if value not in ("gateway", "verify"):
        raise StackError(
            "stack.bad_setting",
            f"GOLDTRACE_CUSTODY_SIGNATURES is {value!r}; set it to `gateway` (custody takes the gateway's signature "
            "check) or `verify` (custody checks every signature again).",
        )
    return value == "verify"


def _read_trust(env: Mapping[str, str], stack: StackSettings) -> dict[str, str]:
    path = env.get("GOLDTRACE_TRUST_FILE")
    trust_file = platform_keys(stack).trust_file if path is None else type(stack.home)(path)
    try:
        trust: dict[str, str] = json.loads(trust_file.read_text())
    except (OSError, ValueError) as exc:
        raise StackError(
            "stack.trust_missing",
            f"No readable trust file at {trust_file}; run `goldtrace up` once (it creates the platform keys) "
            "or set GOLDTRACE_TRUST_FILE.",
        ) from exc
    return trust
