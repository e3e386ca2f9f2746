"""KRaft cluster ids never start with "-" (Kafka's storage tool would read such an id as an option)."""

from __future__ import annotations

import base64
import uuid

import pytest

from services.stack import kafka


def test_ids_that_would_start_with_a_dash_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    dashed = uuid.UUID(bytes=b"\xfb" + bytes(15))  # base64url "-w..."
    plain = uuid.UUID(bytes=bytes(16))
    assert base64.urlsafe_b64encode(dashed.bytes).startswith(b"-")
    drawn = iter([dashed, dashed, plain])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(drawn))
    assert kafka.new_cluster_id() == base64.urlsafe_b64encode(plain.bytes).rstrip(b"=").decode()


def test_a_cluster_id_is_16_bytes_of_base64url() -> None:
    cluster_id = kafka.new_cluster_id()
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert not cluster_id.startswith("-")
