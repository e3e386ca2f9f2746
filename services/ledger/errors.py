"""Errors of the ledger service, each with a stable code and a sentence an operator can act on."""

from __future__ import annotations

from typing import Final

from events.errors import GoldtraceError

# Codes of the rejections the ledger itself records (beside the gateway's and the custody processor's).
MALFORMED: Final = "ledger.record_malformed"
DIGEST_MISMATCH: Final = "ledger.digest_mismatch"
ID_CONFLICT: Final = "ledger.id_conflict"


class LedgerError(GoldtraceError):
    """Root of the ledger's errors."""


class OffsetGapError(LedgerError):
    """The consumer is past the offset stored in PostgreSQL: it must seek back before writing."""

    def __init__(self, topic: str, partition: int, stored: int, first: int) -> None:
        super().__init__(
            "ledger.offset_gap",
            f"The batch of {topic}[{partition}] starts at offset {first} but the ledger has stored everything "
            f"before {stored} only; the consumer seeks back to {stored} so that no record is skipped.",
        )
        self.topic = topic
        self.partition = partition
        self.stored = stored


class RecordError(LedgerError):
    """A topic record is not in its topic's format: `code` says how, `detail` says what to fix."""
