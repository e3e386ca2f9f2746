"""What an organization report is computed from: plain facts read from the ledger, and the port that reads them.

`ReportReads` is the read port (services/query/audit/report_sql.py is the PostgreSQL adapter; unit tests use a
fake). Every fact is a value; `gather_facts` asks the port for all of them, and `report.build_report` does the
arithmetic without any I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol

from events.custody.lots import Part
from events.model.types import Money

FlowKind = Literal["produced", "received", "shipped", "exported", "consumed", "transformed"]
"""Gross mass moving through an organization: `consumed` are a transformation's inputs, `transformed` its outputs."""


@dataclass(frozen=True, slots=True)
class Period:
    """The days a report covers, both ends included; None is open-ended."""

    first_day: date | None = None
    last_day: date | None = None

    @property
    def start(self) -> datetime | None:
        """The first instant inside the period (UTC), or None."""
        return None if self.first_day is None else datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime | None:
        """The first instant after the period (UTC), or None."""
        return None if self.last_day is None else datetime.combine(self.last_day + timedelta(days=1), time(), UTC)

    def reaches(self, moment: datetime) -> bool:
        """Whether the period runs at least until `moment` (so the ledger's current state closes it)."""
        return self.end is None or self.end > moment


@dataclass(frozen=True, slots=True)
class GroupFacts:
    """A group inside an ASMO as registered (aggregates only)."""

    group: str
    kind: str
    women: int
    men: int


@dataclass(frozen=True, slots=True)
class OrganizationFacts:
    """A participant as registered: roles, member counts and groups."""

    participant: str
    name: str
    roles: tuple[str, ...]
    members_women: int | None = None
    members_men: int | None = None
    groups: tuple[GroupFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class MineFacts:
    """A registered mine and its declared capacity of fine gold a month."""

    mine: str
    name: str
    capacity_mg_per_month: int


@dataclass(frozen=True, slots=True)
class Extraction:
    """An accepted `lot.extracted` of the organization."""

    event_id: str
    lot: str
    mine: str
    time: datetime
    mass_mg: int
    fineness: str
    contributions: tuple[tuple[str, int], ...] | None = None
    """(group, share_bp) as declared, or None when the extraction declared no contributions."""


@dataclass(frozen=True, slots=True)
class Sale:
    """An accepted `lot.shipped` by the organization, with what the ledger knows of the lot."""

    event_id: str
    shipment: str
    lot: str
    buyer: str
    time: datetime
    mass_mg: int
    lot_class: str
    first_sale: bool
    """No lot upstream of this one (itself included) was shipped before: the gold leaves its ASMO now."""
    premium: Money | None = None
    price: Money | None = None
    premium_due_cents: int = 0
    """The premium due at the Fairmined rate on the first sale, as the custody processor computed it."""
    composition: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class SaleOrigin:
    """One extraction upstream of a first sale: how much fine gold it declared, and its groups."""

    shipment: str
    lot: str
    fine_mg: int
    contributions: tuple[tuple[str, int], ...] | None = None


@dataclass(frozen=True, slots=True)
class Flow:
    """Gross mass of one kind and class, before the period or inside it."""

    kind: FlowKind
    lot_class: str
    before_period: bool
    mass_mg: int


@dataclass(frozen=True, slots=True)
class Holding:
    """A lot the organization holds now."""

    lot: str
    lot_class: str
    mass_mg: int
    fine_mg: int
    certificates: tuple[str, ...] = ()
    exported: bool = False


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """A certificate as issued, with its current status."""

    certificate: str
    holder: str
    standard: str
    valid_from: datetime
    valid_until: datetime
    status: str = "active"


@dataclass(frozen=True, slots=True)
class OpenShipment:
    """A shipment from or to the organization that nobody has received."""

    shipment: str
    lot: str
    lot_class: str
    sender: str
    receiver: str
    time: datetime
    mass_mg: int


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """Everything one report needs."""

    organization: OrganizationFacts
    period: Period
    now: datetime
    mines: tuple[MineFacts, ...] = ()
    extractions: tuple[Extraction, ...] = ()
    sales: tuple[Sale, ...] = ()
    sale_origins: tuple[SaleOrigin, ...] = ()
    flows: tuple[Flow, ...] = ()
    holdings: tuple[Holding, ...] = ()
    certificates: tuple[CertificateFacts, ...] = ()
    open_shipments: tuple[OpenShipment, ...] = ()


class ReportReads(Protocol):
    """The read port of the report: one method per kind of fact."""

    async def organization(self, participant: str) -> OrganizationFacts | None:
        """The participant as registered, or None when it never was."""
        ...

    async def mines(self, mines: Sequence[str]) -> list[MineFacts]:
        """These mines as registered (unknown ones left out)."""
        ...

    async def extractions(self, participant: str, period: Period) -> list[Extraction]:
        """The organization's accepted extractions in the period."""
        ...

    async def sales(self, participant: str, period: Period) -> list[Sale]:
        """The organization's accepted shipments in the period."""
        ...

    async def sale_origins(self, sales: Sequence[Sale]) -> list[SaleOrigin]:
        """The extractions upstream of these sales."""
        ...

    async def flows(self, participant: str, period: Period) -> list[Flow]:
        """Gross mass in and out of the organization, summed by kind and class, before and inside the period."""
        ...

    async def holdings(self, participant: str) -> list[Holding]:
        """The lots the organization holds now."""
        ...

    async def certificates(self, certificates: Sequence[str]) -> list[CertificateFacts]:
        """These certificates as issued, with their current status."""
        ...

    async def open_shipments(self, participant: str, period: Period) -> list[OpenShipment]:
        """Shipments from or to the organization, shipped in the period, that nobody has received."""
        ...


async def gather_facts(
    reads: ReportReads, organization: OrganizationFacts, period: Period, now: datetime
) -> ReportFacts:
    """Read every fact of one organization's report through the port."""
    participant = organization.participant
    extractions = await reads.extractions(participant, period)
    sales = await reads.sales(participant, period)
    holdings = await reads.holdings(participant)
    return ReportFacts(
        organization=organization,
        period=period,
        now=now,
        mines=tuple(await reads.mines(sorted({e.mine for e in extractions}))),
        extractions=tuple(extractions),
        sales=tuple(sales),
        sale_origins=tuple(await reads.sale_origins([s for s in sales if s.first_sale])),
        flows=tuple(await reads.flows(participant, period)),
        holdings=tuple(holdings),
        certificates=tuple(await reads.certificates(sorted({c for h in holdings for c in h.certificates}))),
        open_shipments=tuple(await reads.open_shipments(participant, period)),
    )
