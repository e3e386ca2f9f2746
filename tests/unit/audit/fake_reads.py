"""A fake of the report's read port: facts held in lists, filtered by organization and period like the SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.query.audit.report_facts import (
    CertificateFacts,
    Extraction,
    Flow,
    Holding,
    MineFacts,
    OpenShipment,
    OrganizationFacts,
    Period,
    Sale,
    SaleOrigin,
)


def _within(moment: datetime, period: Period) -> bool:
    return (period.start is None or moment >= period.start) and (period.end is None or moment < period.end)


@dataclass
class FakeReportReads:
    """Everything one organization's report reads, as plain lists (one organization per fake)."""

    organization_facts: OrganizationFacts
    mine_facts: list[MineFacts] = field(default_factory=list)
    extraction_facts: list[Extraction] = field(default_factory=list)
    sale_facts: list[Sale] = field(default_factory=list)
    origin_facts: list[SaleOrigin] = field(default_factory=list)
    flow_facts: list[Flow] = field(default_factory=list)
    holding_facts: list[Holding] = field(default_factory=list)
    certificate_facts: list[CertificateFacts] = field(default_factory=list)
    open_shipment_facts: list[OpenShipment] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    async def organization(self, participant: str) -> OrganizationFacts | None:
        self.asked.append("organization")
        return self.organization_facts if participant == self.organization_facts.participant else None

    async def mines(self, mines: Sequence[str]) -> list[MineFacts]:
        self.asked.append("mines")
        return [m for m in self.mine_facts if m.mine in mines]

    async def extractions(self, participant: str, period: Period) -> list[Extraction]:
        self.asked.append("extractions")
        return [e for e in self.extraction_facts if _within(e.time, period)]

    async def sales(self, participant: str, period: Period) -> list[Sale]:
        self.asked.append("sales")
        return [s for s in self.sale_facts if _within(s.time, period)]

    async def sale_origins(self, sales: Sequence[Sale]) -> list[SaleOrigin]:
        self.asked.append("sale_origins")
        wanted = {s.shipment for s in sales}
        return [o for o in self.origin_facts if o.shipment in wanted]

    async def flows(self, participant: str, period: Period) -> list[Flow]:
        self.asked.append("flows")
        return list(self.flow_facts)

    async def holdings(self, participant: str) -> list[Holding]:
        self.asked.append("holdings")
        return list(self.holding_facts)

    async def certificates(self, certificates: Sequence[str]) -> list[CertificateFacts]:
        self.asked.append("certificates")
        return [c for c in self.certificate_facts if c.certificate in certificates]

    async def open_shipments(self, participant: str, period: Period) -> list[OpenShipment]:
        self.asked.append("open_shipments")
        return [s for s in self.open_shipment_facts if _within(s.time, period)]
