"""Where a lot's fine gold came from, exact under melts, merges and splits.

Definitions (also in events/README.md):

- At extraction the lot's fine gold is attributed to its mine and operating ASMO, and split between women, men
  and `unrecorded` contributors. With `contributions`, group g supplies share_bp(g)/10000 of the lot, and that
  share is split by the group's own head count: women(g)/(women(g)+men(g)) of it is women's work. Without
  `contributions`, the ASMO's `members` counts split the whole lot the same way. A group (or ASMO) with no
  counts gives `unrecorded`. The split is apportioned in integer fine milligrams by largest remainder.
- A single-input step (assay, shipment, receipt, melting, refining, split) keeps the proportions exactly: the
  parts are copied unchanged, whatever the masses do.
- A merge (several inputs) rescales each input's parts to that input's fine milligrams (largest remainder),
  then adds them part by part: every output gets these merged proportions.
- Ties in largest-remainder rounding go to the earlier part in (mine, organization, contributor) order, so the
  result never depends on event order within a transformation or on dict ordering.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import lcm

from events.custody.lots import Contributor, Part
from events.custody.registry import GroupCounts, Participant

CONTRIBUTORS: tuple[Contributor, ...] = ("women", "men", "unrecorded")


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to `weights` by largest remainder: exact sum, ties to the lower index."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    left = total - sum(shares)
    if left:
        remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
        for i in remainders[:left]:
            shares[i] += 1
    return shares


def contributor_weights(asmo: Participant, contributions: Sequence[tuple[str, int]] | None) -> tuple[int, int, int]:
    """Integer weights of (women, men, unrecorded) in a lot extracted by `asmo`, exact for any head counts."""
    if contributions is None:
        counted = [(10_000, asmo.members_women or 0, asmo.members_men or 0)]
    else:
        counted = []
        for group, share_bp in contributions:
            counts = asmo.groups.get(group, GroupCounts("other", 0, 0))
            counted.append((share_bp, counts.women, counts.men))
    scale = lcm(*(w + m for _, w, m in counted if w + m)) if any(w + m for _, w, m in counted) else 1
    women = men = unrecorded = 0
    for share_bp, w, m in counted:
        if w + m == 0:
            unrecorded += share_bp * scale
        else:
            women += share_bp * w * (scale // (w + m))
            men += share_bp * m * (scale // (w + m))
    return women, men, unrecorded


def extraction_parts(mine: str, asmo: Participant, fine_mg: int, weights: tuple[int, int, int]) -> tuple[Part, ...]:
    """The composition of a freshly extracted lot, in fine milligrams (zero-weight parts left out)."""
    split = apportion(fine_mg, weights)
    parts = [Part(mine, asmo.participant, who, mg) for who, mg in zip(CONTRIBUTORS, split, strict=True) if mg]
    return tuple(sorted(parts, key=_part_key))


def merge(inputs: Sequence[tuple[tuple[Part, ...], int]]) -> tuple[Part, ...]:
    """Merge the compositions (parts sorted by key) of several inputs, each weighed by its fine milligrams.

    When no input holds any fine gold the parts' own weights are added instead, so proportions survive.
    """
    if len(inputs) == 1:
        return inputs[0][0]
    use_fine = any(fine for _, fine in inputs)
    totals: dict[tuple[str, str, str], Part] = {}
    for parts, fine in inputs:
        scaled = apportion(fine, [p.weight for p in parts]) if use_fine else [p.weight for p in parts]
        for part, mg in zip(parts, scaled, strict=True):
            known = totals.get(part.key)
            totals[part.key] = Part(part.mine, part.organization, part.contributor, mg + (known.weight if known else 0))
    return tuple(part for key, part in sorted(totals.items()) if part.weight)


def _part_key(part: Part) -> tuple[str, str, str]:
    return part.key


def attributed_fine_mg(parts: Sequence[Part], fine_mg: int) -> list[tuple[Part, int]]:
    """Each part with the fine milligrams of the lot it accounts for (largest remainder, exact sum)."""
    return list(zip(parts, apportion(fine_mg, [p.weight for p in parts]), strict=True))
