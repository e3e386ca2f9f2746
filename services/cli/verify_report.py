"""The plain-words report of `goldtrace verify`: the verdict, why not, and where the lot's gold came from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Final

from events.bundle_verify import BundleVerdict
from events.verdict import Provenance, Share

MAX_REASONS_SHOWN: Final = 20
CLASS_NAMES: Final = {
    "fairmined-ecological": "Fairmined Ecological",
    "fairmined": "Fairmined",
    "uncertified": "uncertified (no Fairmined certificate)",
}


def report_lines(verdict: BundleVerdict, names: Mapping[str, str] | None = None) -> list[str]:
    """The report: VERIFIED or NOT VERIFIED with the lot, reasons, provenance and what was checked.

    `names` maps participant and mine ids to their registered names (from the bundle's verified registry events).
    """
    lot = "?" if verdict.lot is None else verdict.lot
    lines = [f"{'VERIFIED' if verdict.verified else 'NOT VERIFIED'}: lot {lot}"]
    if verdict.failures:
        lines.append("Reasons:")
        for failure in verdict.failures[:MAX_REASONS_SHOWN]:
            lines.append(f"  - {failure.detail} [{failure.code}, step {failure.step}]")
        hidden = len(verdict.failures) - MAX_REASONS_SHOWN
        if hidden > 0:
            lines.append(f"  ... and {hidden} more (--json lists them all)")
    provenance = None if verdict.verdict is None else verdict.verdict.provenance
    if provenance is not None:
        lines += provenance_lines(provenance, names or {})
    if verdict.verdict is not None and verdict.verdict.findings:
        counts = Counter(finding.code for finding in verdict.verdict.findings)
        listed = ", ".join(f"{code} x{n}" if n > 1 else code for code, n in sorted(counts.items()))
        lines.append(f"Findings for the auditor (they do not change the verdict): {listed}")
    lines.append(checked_line(verdict))
    return lines


def provenance_lines(provenance: Provenance, names: Mapping[str, str]) -> list[str]:
    """Class, custody, origins, women's share and premium of the lot."""
    holder = "in transit" if provenance.custodian is None else f"held by {named(provenance.custodian, names)}"
    if provenance.status == "consumed":
        holder = "consumed (melted or made into other lots)"
    return [
        f"Class: {CLASS_NAMES.get(provenance.lot_class, provenance.lot_class)}",
        f"Lot: {grams(provenance.mass_mg)} at fineness {provenance.fineness} = {grams(provenance.fine_mg)} of fine "
        f"gold, {holder}",
        f"Mines: {shares(provenance.mines, names)}",
        f"Organizations: {shares(provenance.organizations, names)}",
        f"Women's groups: {percent(provenance.women_share_bp)} of the fine gold",
        f"Premium evidenced: {usd(provenance.premium_paid_usd_cents)} paid of {usd(provenance.premium_due_usd_cents)} "
        "due at the Fairmined rate",
    ]


def checked_line(verdict: BundleVerdict) -> str:
    """What was checked: the steps passed, the events, the log's size, the signatures that verified."""
    tree = "" if verdict.tree_size is None else f" from a log of {verdict.tree_size:,} leaves"
    return (
        f"Checked: {verdict.steps_passed} of 6 steps passed; {verdict.entries} events{tree}; "
        f"{verdict.signatures_checked} signatures verified."
    )


def shares(items: tuple[Share, ...], names: Mapping[str, str]) -> str:
    """`Name (id) 62.50 %, other 37.50 %`, largest first."""
    ordered = sorted(items, key=lambda share: (-share.share_bp, share.name))
    return ", ".join(f"{named(share.name, names)} {percent(share.share_bp)}" for share in ordered) or "none"


def named(identifier: str, names: Mapping[str, str]) -> str:
    """`Registered Name (id)`, or the id alone when no other name is known."""
    name = names.get(identifier)
    return identifier if name is None or name == identifier else f"{name} ({identifier})"


def percent(basis_points: int) -> str:
    """Basis points as a percentage: 3437 -> `34.37 %`."""
    return f"{basis_points // 100}.{basis_points % 100:02d} %"


def grams(mass_mg: int) -> str:
    """Milligrams as grams with three decimals: 168000 -> `168.000 g`."""
    return f"{mass_mg // 1000:,}.{mass_mg % 1000:03d} g"


def usd(cents: int) -> str:
    """Cents as dollars: 138000 -> `USD 1,380.00`."""
    return f"USD {cents // 100:,}.{cents % 100:02d}"
