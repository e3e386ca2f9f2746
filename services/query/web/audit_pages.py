"""HTML of the audit dashboard (/audit): the sign-in page, the findings list and an organization's report with its
charts, in Spanish and English (pure: data in, page text out; the conventions of web/README.md).

The charts are inline SVG drawn from the report's own tables (`services.query.audit.report`): production against
capacity per mine and month, premium paid against due per certified first sale, and shares by gender and group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from events.reasons import FINDING_CODES
from services.query.audit.report import Report
from services.query.dashboard_filters import Filters
from services.query.dashboard_reads import Organization
from services.query.web.audit_messages import AUDIT_MESSAGES
from services.query.web.charts import BarChart, ShareChart, bar_chart, share_chart
from services.query.web.formats import Formats
from services.query.web.i18n import Language, Messages, Translator, merge
from services.query.web.messages import MESSAGES
from services.query.web.render import Links, environment, page_context

CONTRIBUTORS: Final = ("women", "men", "unrecorded")
CSV_TABLES: Final = (
    "production",
    "sales",
    "gender",
    "pallaqueras",
    "productivity",
    "inventory",
    "shipments_not_received",
)


@cache
def catalogue() -> Messages:
    """The public pages' catalogue and the dashboard's, merged (a key defined twice is an error)."""
    return merge(MESSAGES, AUDIT_MESSAGES)


@dataclass(frozen=True)
class Figures:
    """Writes a finding's structured figures in one language: masses in grams, money, shares, days."""

    t: Translator
    fmt: Formats

    def items(self, figures: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(label, value) of every figure the catalogue has a label for, in the finding's order."""
        return [(self.t(f"figure.{name}"), self.value(name, value)) for name, value in figures.items()
                if self.t.has(f"figure.{name}")]  # fmt: skip

    def value(self, name: str, value: Any) -> str:
        """One figure as text."""
        if not isinstance(value, int) or isinstance(value, bool):
            return self.fmt.day(value) if name == "valid_until" and isinstance(value, str) else str(value)
        if name.endswith("_mg"):
            return self.fmt.grams(value)
        if name.endswith("_bp"):
            return self.fmt.percent(value)
        if name.endswith("_usd_cents"):
            return self.fmt.usd(value)
        if name.endswith("_s"):
            return self.t("figure.days", n=self.fmt.number(value // 86_400))
        return self.fmt.number(value)


@dataclass(frozen=True)
class Session:
    """Who is signed in (None on the sign-in page) and the page's own links."""

    links: Links
    who: str | None = None


def _context(lang: Language, session: Session) -> dict[str, Any]:
    context = page_context(lang, session.links, catalogue())
    context["figures"] = Figures(context["t"], context["fmt"])
    context["who"] = session.who
    return context


def render_login(lang: Language, session: Session, refusal: str | None = None, holder: str | None = None) -> str:
    """The sign-in page; `refusal` is the code of why the last token was not accepted (`auth.token_invalid`)."""
    key = None if refusal is None else f"login.refused.{refusal}"
    template = environment().get_template("audit/login.html")
    return template.render(refusal_key=key, holder=holder or "", **_context(lang, session))


def render_findings(
    lang: Language,
    session: Session,
    filters: Filters,
    findings: Sequence[Mapping[str, Any]],
    next_cursor: str | None,
    organizations: Sequence[Organization],
) -> str:
    """The findings list with its filters, and the organizations with their reports."""
    template = environment().get_template("audit/findings.html")
    return template.render(
        filters=filters,
        findings=findings,
        next_link=None if next_cursor is None else filters.link(cursor=next_cursor),
        organizations=organizations,
        codes=sorted(FINDING_CODES),
        **_context(lang, session),
    )


@dataclass(frozen=True)
class ReportCharts:
    """The organization page's charts, and the table rows they were drawn from (same order)."""

    production: BarChart
    premium: BarChart
    premium_rows: tuple[Mapping[str, Any], ...]
    gender: ShareChart
    groups: BarChart
    group_rows: tuple[Mapping[str, Any], ...]


def report_charts(report: Report) -> ReportCharts:
    """The charts of a report, from its production, sales and gender tables."""
    production = [(f"{r['month']} · {r['mine']}", int(r["fine_mg"] or 0), r["capacity_mg"])
                  for r in report.table("production").records()]  # fmt: skip
    sales = [r for r in report.table("sales").records() if r["first_sale"] and r["rate_usd_per_kg"]]
    premium = [(f"{str(r['shipped_at'])[:10]} · {r['lot']}", cents(r["premium_paid_usd"]), cents(r["premium_due_usd"]))
               for r in sales]  # fmt: skip
    gender = report.table("gender").records()
    contributors = {str(r["name"]): r for r in gender if r["dimension"] == "contributor"}
    shares = [
        (column, [(who, _int_or_none(contributors.get(who, {}).get(column))) for who in CONTRIBUTORS])
        for column in ("production_share_bp", "premium_share_bp")
    ]
    groups = [r for r in gender if r["dimension"] == "group"]
    premium_chart = bar_chart(premium)
    return ReportCharts(
        production=bar_chart([(label, value, _int_or_none(limit)) for label, value, limit in production]),
        premium=premium_chart,
        premium_rows=tuple(sales[len(sales) - len(premium_chart.bars) :]),
        gender=share_chart(shares),
        groups=bar_chart([(str(r["name"]), int(r["fine_mg"] or 0), None) for r in groups]),
        group_rows=tuple(groups),
    )


def cents(amount: object) -> int:
    """A report's USD decimal string (`"1234.56"`) in cents (0 when there is none)."""
    if not isinstance(amount, str) or not amount:
        return 0
    negative = amount.startswith("-")
    whole, _, fraction = amount.lstrip("-").partition(".")
    value = int(whole or 0) * 100 + int(fraction.ljust(2, "0")[:2] or 0)
    return -value if negative else value


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def render_organization(
    lang: Language,
    session: Session,
    report: Report,
    findings: Sequence[Mapping[str, Any]],
    findings_link: str,
    csv_links: Mapping[str, str],
) -> str:
    """An organization's report: summary, the three charts, its latest findings and its tables as CSV."""
    template = environment().get_template("audit/organization.html")
    return template.render(
        report=report,
        summary=report.summary,
        charts=report_charts(report),
        findings=findings,
        findings_link=findings_link,
        csv_links=csv_links,
        contributors=CONTRIBUTORS,
        cents=cents,
        **_context(lang, session),
    )


def render_missing_organization(lang: Language, session: Session, organization: str) -> str:
    """The page for an organization id nobody registered."""
    template = environment().get_template("audit/missing.html")
    return template.render(organization=organization[:128], **_context(lang, session))
