"""Rules about the gold itself: classes never mix, and fine gold never appears from nowhere.

How fine gold is bounded (also in events/README.md): each lot carries a ceiling, the most fine gold it may
hold. At extraction the ceiling is the declared fine gold raised by the field-purity uncertainty (a field
estimate may be that much too low). A transformation hands its inputs' ceilings to its outputs in proportion
to their fine gold, so the sum of ceilings never grows. An assay or a receipt may change a lot's fine gold,
but never above its ceiling; a transformation also may not yield more than its inputs' fine gold plus the
transformation tolerance. Hence along any accepted path the fine gold of live lots never exceeds the fine gold
declared at extraction by more than the field-purity uncertainty, however many steps the path has.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from events.custody.lots import Lot, LotClass
from events.custody.policy import BASIS_POINTS, Policy
from events.custody.refusal import CustodyError


def require_fine_gold(lot: str, fine_mg: int) -> None:
    """A lot is registered only if it holds some fine gold."""
    if fine_mg <= 0:
        raise CustodyError(
            "extraction.no_fine_gold",
            f"Lot {lot!r} holds no fine gold (mass x fineness / 1000 rounds to 0 mg); check mass_mg and fineness.",
        )


def require_known_groups(asmo: str, groups: Collection[str], contributions: Sequence[str]) -> None:
    """Contributions name groups the ASMO registered."""
    unknown = [g for g in contributions if g not in groups]
    if unknown:
        raise CustodyError(
            "extraction.unknown_group",
            f"{asmo!r} has no registered group {unknown[0]!r}; name groups as registered with the ASMO.",
        )


def extraction_ceiling(fine_mg: int, policy: Policy) -> int:
    """The most fine gold a freshly extracted lot may turn out to hold."""
    return fine_mg * (BASIS_POINTS + policy.field_purity_uncertainty_bp) // BASIS_POINTS


def require_within_ceiling(lot: Lot, fine_mg: int, code: str, step: str) -> None:
    """A lot never holds more fine gold than its ceiling."""
    if fine_mg > lot.ceiling_mg:
        raise CustodyError(
            code,
            f"After this {step} lot {lot.lot!r} would hold {fine_mg} mg of fine gold, more than the "
            f"{lot.ceiling_mg} mg its origins allow (declared fine gold plus the field-purity uncertainty); "
            "check the figures, or declare the extra gold as a new lot.",
        )


def require_one_class(inputs: Sequence[Lot]) -> LotClass:
    """A transformation never mixes Fairmined Ecological, Fairmined and uncertified gold."""
    first = inputs[0].lot_class
    if any(lot.lot_class != first for lot in inputs):
        classes = sorted({lot.lot_class for lot in inputs})
        raise CustodyError(
            "transformation.mixed_classes",
            f"The inputs mix classes of gold ({', '.join(classes)}); certified gold is never pooled with "
            "another class: transform each class separately.",
        )
    return first


def require_no_gain(fine_in_mg: int, fine_out_mg: int, policy: Policy) -> None:
    """A transformation yields no more fine gold than it takes in, within the transformation tolerance."""
    allowed = fine_in_mg * (BASIS_POINTS + policy.transformation_gain_tolerance_bp) // BASIS_POINTS
    if fine_out_mg > allowed:
        raise CustodyError(
            "transformation.fine_gold_gain",
            f"The outputs hold {fine_out_mg} mg of fine gold but the inputs only {fine_in_mg} mg "
            f"(at most {allowed} mg allowed with the assay tolerance); check the outputs' masses and fineness.",
        )


def require_within_ceilings(ceiling_in_mg: int, fine_out_mg: int) -> None:
    """A transformation's outputs stay within the fine gold its inputs' origins allow."""
    if fine_out_mg > ceiling_in_mg:
        raise CustodyError(
            "transformation.above_ceiling",
            f"The outputs hold {fine_out_mg} mg of fine gold, more than the {ceiling_in_mg} mg the inputs' "
            "origins allow (declared fine gold plus the field-purity uncertainty); check the outputs.",
        )
