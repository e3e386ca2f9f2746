"""The one place where the custody rules' tolerances, windows, thresholds and premium rates are set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

BASIS_POINTS: Final = 10_000  # 10000 bp = 100 %


@dataclass(frozen=True, slots=True)
class Policy:
    """Named parameters of the custody rules and findings; every figure the rules compare against lives here.

    Fractions are in basis points (1 bp = 0.01 %), masses in milligrams, durations in seconds, money in USD.
    """

    # Refusals: how far fine gold may move before it is "gold from nowhere".
    transformation_gain_tolerance_bp: int = 50
    """Fine gold out of one transformation may exceed fine gold in by at most this much (assay scatter)."""
    field_purity_uncertainty_bp: int = 1_500
    """A field estimate of fineness may be this far below the truth (design.md section 2: 10-15 %). Every lot
    carries a fine-gold ceiling: its declared fine gold at extraction raised by this much, then conserved
    through every transformation; no assay, receipt or transformation may take a lot above its ceiling."""

    # Findings: accepted, but flagged for the auditor.
    receipt_weight_tolerance_bp: int = 50
    """A receipt weighing more than this off the shipped mass is flagged (the receiver's weight prevails)."""
    transformation_loss_alert_bp: int = 300
    """A transformation losing more than this share of its fine gold is flagged."""
    premium_usd_per_kg_fairmined: int = 4_000
    """Fairmined premium per kg of fine gold, due to the ASMO on its first sale."""
    premium_usd_per_kg_ecological: int = 6_000
    """Fairmined Ecological premium per kg of fine gold, due to the ASMO on its first sale."""
    premium_shortfall_tolerance_bp: int = 100
    """A first-sale premium this much below the rate (rounding, fineness estimates) is not flagged."""
    productivity_threshold_mg_per_miner_day: int = 4_000
    """Eligibility: about 4 g of fine gold per member per day; an ASMO's monthly output above it is flagged."""
    pallaquera_monthly_limit_mg: int = 66_000
    """Puno: a registered pallaquera may sell at most 66 g of gold a month; a pallaqueras group whose share of the
    month's fine gold goes above its registered members (women and men) x this is flagged."""
    receipt_window_seconds: int = 30 * 24 * 3600
    """A shipment not received this long after it was shipped is flagged by `due_findings`."""

    def premium_rate_usd_per_kg(self, lot_class: str) -> int:
        """The Fairmined premium rate for a class of gold (0 for uncertified gold)."""
        if lot_class == "fairmined-ecological":
            return self.premium_usd_per_kg_ecological
        if lot_class == "fairmined":
            return self.premium_usd_per_kg_fairmined
        return 0


DEFAULT_POLICY: Final = Policy()
