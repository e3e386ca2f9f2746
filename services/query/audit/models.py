"""Response models of the audit API: the OpenAPI contract of what its routes answer (tests validate answers)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from events.treehead import SignedTreeHead


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AuditCallerOut(_Out):
    """Who the presented token stands for."""

    participant: str
    role: Literal["auditor", "participant"]
    token_id: str


class AuditFindingEventOut(_Out):
    """An event behind a finding."""

    event_id: str
    type: str
    signer: str
    time: str
    outcome: str


class AuditFindingOut(_Out):
    """A finding: what the custody processor (or the audit clock) flagged, with the events behind it."""

    finding_id: int
    code: str = Field(description="The kind of finding, e.g. premium.missing, mine.over_capacity")
    severity: Literal["notice", "warning", "alert"] | str
    organization: str | None
    mine: str | None
    lot: str | None
    time: str = Field(description="When it happened (the time of the event that raised it), RFC 3339 UTC")
    detail: str
    figures: dict[str, Any] = Field(description="The figures behind the sentence: masses in mg, money in USD cents")
    event_ids: list[str]
    events: list[AuditFindingEventOut]
    recorded_at: str


class AuditFindingsPage(_Out):
    """A page of findings, newest first."""

    findings: list[AuditFindingOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class ParticipantEventOut(_Out):
    """An event the participant signed, with its outcome."""

    event_id: str
    type: str
    subject: str
    time: str
    outcome: Literal["accepted", "rejected"]
    reason_code: str | None = Field(description="Why it was refused (null when accepted)")
    reason: str | None
    recorded_at: str
    registry_position: int | None
    leaf_index: int | None = Field(description="Its leaf in the transparency log (null when refused)")
    event: dict[str, Any] = Field(description="The signed event as submitted")


class ParticipantEventsPage(_Out):
    """A page of a participant's events, newest first."""

    participant: str
    events: list[ParticipantEventOut]
    next: str | None


class AuditConsistencyOut(_Out):
    """Two signed tree heads and the RFC 9162 consistency proof from the older to the newer."""

    older: SignedTreeHead = Field(alias="from")
    newer: SignedTreeHead = Field(alias="to")
    consistency_proof: list[str] = Field(description="Hashes, hex")


class ReportTableOut(_Out):
    """One report table."""

    title: str
    columns: list[str]
    rows: list[dict[str, int | str | bool | None]]


class ReportPeriodOut(_Out):
    """The days the report covers (null: open-ended)."""

    first_day: str | None = Field(alias="from")
    last_day: str | None = Field(alias="to")


class ReportOut(_Out):
    """An organization's audit report: summary and tables (each also as CSV with ?format=csv&table=NAME)."""

    organization: str
    name: str
    period: ReportPeriodOut
    generated_at: str
    policy: dict[str, int] = Field(description="The policy figures the report compares against")
    summary: dict[str, int | str | bool | None]
    tables: dict[str, ReportTableOut]
