"""The JSON records on the pipeline's topics (services/README.md, "Records on the topics")."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import orjson

MAX_PACKED_BYTES: Final = 128 * 1024
"""At most this many bytes of member records in one `events` record (one event may add up to 64 KiB more)."""
MAX_PACKED_RECORDS: Final = 200
MIN_PACKED_RECORDS: Final = 32
"""A partition's share of a request smaller than this goes as single records: packing pays for throughput on large
requests, but measured on paced requests of 50 events (about 12 per partition) it made latency worse
(bench/pipeline.md)."""


_second: list[Any] = [None, ""]  # the last whole second formatted, and its text: one strftime per second


def utc_now() -> str:
    """Now as RFC 3339 UTC with milliseconds (custody stamps every decision with it)."""
    now = time.time()
    second = int(now)
    if second != _second[0]:
        _second[:] = [second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))]
    return f"{_second[1]}.{int((now - second) * 1000):03d}Z"


def encode(record: dict[str, Any]) -> bytes:
    """A record's bytes on the wire."""
    return orjson.dumps(record)


def decode(value: bytes) -> dict[str, Any]:
    """A record from the wire (our own producers wrote it; a non-object is a bug worth raising)."""
    record = orjson.loads(value)
    if not isinstance(record, dict):
        raise ValueError("a pipeline record must be a JSON object")
    return record


def members(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The records one inbound record stands for: the members of an `events` record, else the record itself."""
    if record.get("kind") != "events":
        return [record]
    packed = record.get("records")
    if not isinstance(packed, list) or not all(isinstance(member, dict) for member in packed):
        raise ValueError("an `events` record must hold a JSON array of records")
    return packed


def pack_inbound(
    batch: Sequence[tuple[str, dict[str, Any]]],
    partition_of: Callable[[str], int],
    min_packed: int = MIN_PACKED_RECORDS,
) -> list[tuple[int, str | None, bytes]]:
    """Custody event records keyed by signer, as (partition, key, bytes): one `events` record per partition, in order.

    Each record goes to the partition its key would (Kafka's default partitioner), and a partition's records keep
    the order of `batch`, exactly as if each had been sent alone; a partition's share is cut into several records
    past MAX_PACKED_RECORDS records or MAX_PACKED_BYTES bytes. A share of fewer than `min_packed` records is not
    packed: each goes as it is, as does a lone record. The key is the members' signer when they share one, else
    None (the partition is chosen explicitly either way).
    """
    chunks: dict[int, list[tuple[list[str], list[bytes]]]] = {}
    sizes: dict[int, int] = {}
    for key, record in batch:
        encoded = encode(record)
        partition = partition_of(key)
        parts = chunks.setdefault(partition, [([], [])])
        keys, values = parts[-1]
        if values and (len(values) >= MAX_PACKED_RECORDS or sizes[partition] + len(encoded) > MAX_PACKED_BYTES):
            keys, values = [], []
            parts.append((keys, values))
            sizes[partition] = 0
        keys.append(key)
        values.append(encoded)
        sizes[partition] = sizes.get(partition, 0) + len(encoded)
    packed: list[tuple[int, str | None, bytes]] = []
    for partition, parts in chunks.items():
        if len(parts) == 1 and len(parts[0][1]) < min_packed:
            packed.extend((partition, key, value) for key, value in zip(*parts[0], strict=True))
            continue
        for keys, values in parts:
            value = values[0] if len(values) == 1 else b'{"kind":"events","records":[' + b",".join(values) + b"]}"
            packed.append((partition, keys[0] if len(set(keys)) == 1 else None, value))
    return packed


def registry_record(event: dict[str, Any], received_at: str) -> dict[str, Any]:
    """A registry event on goldtrace.registry."""
    return {"event": event, "received_at": received_at}


def inbound_event_record(
    event: dict[str, Any], registry_at: int, received_at: str, verified_key: str | None = None
) -> dict[str, Any]:
    """A custody event on goldtrace.events.inbound, stamped with the registry position the gateway had seen and, once
    the gateway checked the signature, the public key it holds under (custody may take that check as done)."""
    record = {"kind": "event", "event": event, "registry_at": registry_at, "received_at": received_at}
    if verified_key is not None:
        record["verified_key"] = verified_key
    return record


def rejected_record(
    event: dict[str, Any] | None, raw: str | None, code: str, detail: str, decided_at: str, by: str
) -> dict[str, Any]:
    """A refused event on goldtrace.events.rejected: kept with its reason, never dropped."""
    return {"event": event, "raw": raw, "code": code, "detail": detail, "decided_at": decided_at, "by": by}
