"""What `decide` returns: Accepted (with findings and state changes), Duplicate or Rejected; and the changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from events.custody.lots import Lot
from events.custody.registry import Certificate, Key, Mine, Participant

Severity = Literal["notice", "warning", "alert"]
Figure = int | str


@dataclass(frozen=True, slots=True)
class Finding:
    """An accepted event (or a state at a given time) the auditor should look at."""

    code: str
    severity: Severity
    event_ids: tuple[str, ...]
    detail: str
    figures: tuple[tuple[str, Figure], ...] = ()
    """Structured figures behind the sentence, as (name, value) pairs: masses in mg, money in USD cents."""

    def to_json(self) -> dict[str, Any]:
        """The finding as a JSON-able dict."""
        return {
            "code": self.code,
            "severity": self.severity,
            "event_ids": list(self.event_ids),
            "detail": self.detail,
            "figures": dict(self.figures),
        }


@dataclass(frozen=True, slots=True)
class PutParticipant:
    """Register a participant."""

    participant: Participant


@dataclass(frozen=True, slots=True)
class PutKey:
    """Add a key, or replace it with its revoked form."""

    key: Key


@dataclass(frozen=True, slots=True)
class PutMine:
    """Register a mine."""

    mine: Mine


@dataclass(frozen=True, slots=True)
class PutCertificate:
    """Issue a certificate, or replace it with a new status."""

    certificate: Certificate


@dataclass(frozen=True, slots=True)
class PutLot:
    """Create or replace a lot (its whole new value, so a processor can forward it to another partition)."""

    lot: Lot


@dataclass(frozen=True, slots=True)
class PutTally:
    """Set a monthly tally of extracted fine gold (`mine/...`, `asmo/...` or `group/...`, see `tally_key`)."""

    key: str
    fine_mg: int


Change = PutParticipant | PutKey | PutMine | PutCertificate | PutLot | PutTally
Decision = tuple[list[Change], list[Finding]]
"""What a rule of an event type decides when it accepts: the state changes and the findings."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """The event is accepted: record `event_id` with its digest, apply `changes`, report `findings`."""

    event_id: str
    digest: bytes
    findings: tuple[Finding, ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The very same event (same id and digest) was accepted before: it has no further effect."""

    event_id: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """The event is refused: a stable reason code and a sentence a person can act on. State is unchanged."""

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class DueReport:
    """Findings that became due with the passing of time, and the changes that mark them reported."""

    findings: tuple[Finding, ...]
    changes: tuple[Change, ...]


Outcome = Accepted | Duplicate | Rejected
