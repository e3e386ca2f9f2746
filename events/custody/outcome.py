"""What `decide` returns: Accepted (with findings and state changes), Duplicate or Rejected; and the changes.

Outcomes and changes are NamedTuples: immutable values like frozen dataclasses, but about half the cost to
build (the fold builds an outcome and one to four changes per event). `Finding` stays a frozen dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

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


class PutParticipant(NamedTuple):
    """Register a participant."""

    participant: Participant


class PutKey(NamedTuple):
    """Add a key, or replace it with its revoked form."""

    key: Key


class PutMine(NamedTuple):
    """Register a mine."""

    mine: Mine


class PutCertificate(NamedTuple):
    """Issue a certificate, or replace it with a new status."""

    certificate: Certificate


class PutLot(NamedTuple):
    """Create or replace a lot (its whole new value, so a processor can forward it to another partition)."""

    lot: Lot


class PutTally(NamedTuple):
    """Set a monthly tally of extracted fine gold (`mine/...`, `asmo/...` or `group/...`, see `tally_key`)."""

    key: str
    fine_mg: int


Change = PutParticipant | PutKey | PutMine | PutCertificate | PutLot | PutTally
Decision = tuple[list[Change], list[Finding]]
"""What a rule of an event type decides when it accepts: the state changes and the findings."""


class Accepted(NamedTuple):
    """The event is accepted: record `event_id` with its digest, apply `changes`, report `findings`."""

    event_id: str
    digest: bytes
    findings: tuple[Finding, ...]
    changes: tuple[Change, ...]


class Duplicate(NamedTuple):
    """The very same event (same id and digest) was accepted before: it has no further effect."""

    event_id: str


class Rejected(NamedTuple):
    """The event is refused: a stable reason code and a sentence a person can act on. State is unchanged."""

    code: str
    detail: str


class DueReport(NamedTuple):
    """Findings that became due with the passing of time, and the changes that mark them reported."""

    findings: tuple[Finding, ...]
    changes: tuple[Change, ...]


Outcome = Accepted | Duplicate | Rejected
