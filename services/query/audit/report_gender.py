"""Who produced the gold and who got the premium: women, men and each registered group of an organization, and the
pallaqueras groups against their legal monthly limit (pure).

Production: each extraction's fine gold is split the way the custody processor splits it
(`events.custody.composition.contributor_weights`): between women, men and unrecorded by the groups' (or
the organization's) head counts, and between groups by the declared `contributions` shares.
Premium: the premium paid on each certified first sale is split between women, men and unrecorded by the sold
lot's composition (exact under melts), and between groups in proportion to the fine gold each upstream
extraction declared, then by that extraction's contribution shares. Every split is by largest remainder, so the
parts add up exactly to the whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Final

from events.custody import findings
from events.custody.composition import apportion, contributor_weights
from events.custody.decide_lots import PALLAQUERAS
from events.custody.policy import Policy
from events.custody.registry import GroupCounts, Participant
from events.model.types import fine_mass_mg
from services.query.audit.report_facts import ReportFacts, SaleOrigin
from services.query.audit.report_tables import Cell, Table, month, share_bp, table, usd

CONTRIBUTORS: Final = ("women", "men", "unrecorded")
NO_GROUP: Final = "(no group)"
"""Gold from extractions that declared no `contributions`."""


def registered(facts: ReportFacts) -> Participant:
    """The organization as the custody processor's registry knows it (for the contributor split)."""
    organization = facts.organization
    return Participant(
        participant=organization.participant,
        roles=frozenset(organization.roles),
        members_women=organization.members_women,
        members_men=organization.members_men,
        groups={g.group: GroupCounts(g.kind, g.women, g.men) for g in organization.groups},
    )


def _by_shares(total: int, contributions: Sequence[tuple[str, int]] | None) -> dict[str, int]:
    if not contributions:
        return {NO_GROUP: total}
    split: dict[str, int] = defaultdict(int)
    for (group, _), part in zip(contributions, apportion(total, [bp for _, bp in contributions]), strict=True):
        split[group] += part
    return split


def gender_table(facts: ReportFacts) -> tuple[Table, dict[str, Cell]]:
    """Production and premium by contributor (women, men, unrecorded) and by group, with shares."""
    asmo = registered(facts)
    produced: dict[str, int] = defaultdict(int)
    for extraction in facts.extractions:
        fine = fine_mass_mg(extraction.mass_mg, extraction.fineness)
        weights = contributor_weights(asmo, extraction.contributions)
        for who, part in zip(CONTRIBUTORS, apportion(fine, list(weights)), strict=True):
            produced[who] += part
        for group, part in _by_shares(fine, extraction.contributions).items():
            produced["group:" + group] += part

    premium: dict[str, int] = defaultdict(int)
    origins: dict[str, list[SaleOrigin]] = defaultdict(list)
    for origin in facts.sale_origins:
        origins[origin.shipment].append(origin)
    for sale in facts.sales:
        paid = findings.usd_cents(sale.premium) or 0
        if not sale.first_sale or not paid:
            continue
        weights_by_who = {who: sum(p.weight for p in sale.composition if p.contributor == who) for who in CONTRIBUTORS}
        for who, part in zip(CONTRIBUTORS, apportion(paid, list(weights_by_who.values())), strict=True):
            premium[who] += part
        upstream = sorted(origins.get(sale.shipment, []), key=lambda o: o.lot)
        if not upstream:
            premium["group:" + NO_GROUP] += paid
        for origin, part in zip(upstream, apportion(paid, [o.fine_mg for o in upstream]), strict=True):
            for group, share in _by_shares(part, origin.contributions).items():
                premium["group:" + group] += share

    fine_total = sum(produced[who] for who in CONTRIBUTORS)
    paid_total = sum(premium[who] for who in CONTRIBUTORS)
    rows: list[list[Cell]] = []
    for who in CONTRIBUTORS:
        rows.append(["contributor", who, None, None, None, produced[who], share_bp(produced[who], fine_total)])
        rows[-1] += [usd(premium[who]), share_bp(premium[who], paid_total)]
    womens_groups = [g.group for g in facts.organization.groups if g.women > 0 and g.men == 0]
    groups: list[tuple[str, str | None, int | None, int | None]]
    groups = [(g.group, g.kind, g.women, g.men) for g in facts.organization.groups]
    if produced["group:" + NO_GROUP] or premium["group:" + NO_GROUP]:
        groups.append((NO_GROUP, None, None, None))
    for group, kind, women, men in groups:
        fine, paid = produced["group:" + group], premium["group:" + group]
        rows.append(["group", group, kind, women, men, fine, share_bp(fine, fine_total)])
        rows[-1] += [usd(paid), share_bp(paid, paid_total)]
    columns = (
        "dimension",
        "name",
        "kind",
        "members_women",
        "members_men",
        "fine_mg",
        "production_share_bp",
        "premium_paid_usd",
        "premium_share_bp",
    )
    summary: dict[str, Cell] = {
        "women_production_share_bp": share_bp(produced["women"], fine_total),
        "women_premium_share_bp": share_bp(premium["women"], paid_total),
        "womens_groups_production_share_bp": share_bp(sum(produced["group:" + g] for g in womens_groups), fine_total),
        "womens_groups_premium_share_bp": share_bp(sum(premium["group:" + g] for g in womens_groups), paid_total),
    }
    title = "Women's and groups' share of production and of premium"
    return table("gender", title, columns, rows), summary


def pallaqueras_table(facts: ReportFacts, policy: Policy) -> tuple[Table, dict[str, Cell]]:
    """Each pallaqueras group's fine gold per month against the legal limit (members x the monthly limit per member).

    A group's share of a lot is the processor's: the lot's fine gold apportioned over the declared contributions.
    """
    kinds = {g.group: g for g in facts.organization.groups if g.kind == PALLAQUERAS}
    fine: dict[tuple[str, str], int] = defaultdict(int)
    for extraction in facts.extractions:
        shares = _by_shares(fine_mass_mg(extraction.mass_mg, extraction.fineness), extraction.contributions)
        for group, part in shares.items():
            if group in kinds and part:
                fine[(group, month(extraction.time))] += part
    rows: list[list[Cell]] = []
    for group, when in sorted(fine):
        members = kinds[group].women + kinds[group].men
        limit = members * policy.pallaquera_monthly_limit_mg
        rows.append([group, when, fine[(group, when)], members, limit, fine[(group, when)] > limit])
    columns = ("group", "month", "fine_mg", "members", "limit_mg", "above_limit")
    title = "Pallaqueras groups' fine gold per month against the legal limit per member"
    summary: dict[str, Cell] = {"pallaqueras_months_above_limit": sum(1 for row in rows if row[-1])}
    return table("pallaqueras", title, columns, rows), summary
