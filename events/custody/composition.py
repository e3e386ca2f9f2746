"""Where a lot's fine gold came from, exact under melts, merges and splits.

Definitions (also in events/README.md):

- At extraction the lot's fine gold is attributed to its mine and operating ASMO, and split between women, men
  and `unrecorded` contributors. With `contributions`, group g supplies share_bp(g)/10000 of the lot, and that
  share is split by the group's own head count: women(g)/(women(g)+men(g)) of it is women's work. Without
  `contributions`, the ASMO's `members` counts split the whole lot the same way. A group (or ASMO) with no
  counts gives `unrecorded`. These fractions are kept exactly, as integer weights over a common denominator.
- A single-input step (assay, shipment, receipt, melting, refining, split) keeps the proportions exactly: the
  parts are copied unchanged, whatever the masses do.
- A merge (several inputs) rescales each input's parts to that input's fine milligrams (largest remainder),
  then adds them part by part: every output gets these merged proportions, now weights in fine milligrams.
- Reading a lot's origins (`attributed_fine_mg`) apportions its current fine milligrams over its parts by
  largest remainder: integers that add up exactly to the lot's fine gold.
- Ties in largest-remainder rounding go to the earlier part in (mine, organization, contributor) order, so the
  result never depends on event order within a transformation or on dict ordering.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import gcd, lcm

from events.custody.lots import Contributor, Part
from events.custody.registry import GroupCounts, Participant

_NO_COUNTS = GroupCounts("other", 0, 0)


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to `weights` by largest remainder: exact sum, ties to the lower index."""
    if len(weights) == 1:
        return [total if weights[0] else 0]
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        share, remainder = divmod(total * weight, whole)
        shares.append(share)
        remainders.append(remainder)
    left = total - sum(shares)
    if left == 1:  # the usual case with two or three parts; max() returns the first (lowest) index among ties
        shares[max(range(len(weights)), key=remainders.__getitem__)] += 1
    elif left:
        # A stable sort keeps equal remainders in index order, also with reverse=True.
        for i in sorted(range(len(weights)), key=remainders.__getitem__, reverse=True)[:left]:
            shares[i] += 1
    return shares


def contributor_weights(asmo: Participant, contributions: Sequence[tuple[str, int]] | None) -> tuple[int, int, int]:
    """Integer weights of (women, men, unrecorded) in a lot extracted by `asmo`, exact for any head counts."""
    if contributions is None:
        counted = [(10_000, asmo.members_women or 0, asmo.members_men or 0)]
    else:
        groups = asmo.groups
        counted = []
        for group, share_bp in contributions:
            counts = groups.get(group, _NO_COUNTS)
            counted.append((share_bp, counts.women, counts.men))
    scale = lcm(*[w + m for _, w, m in counted if w + m])
    women = men = unrecorded = 0
    for share_bp, w, m in counted:
        if w + m:
            women += share_bp * w * (scale // (w + m))
            men += share_bp * m * (scale // (w + m))
        else:
            unrecorded += share_bp * scale
    return women, men, unrecorded


def extraction_parts(mine: str, organization: str, weights: tuple[int, int, int]) -> tuple[Part, ...]:
    """The composition of a freshly extracted lot: exact weights reduced by their gcd, zero parts left out."""
    women, men, unrecorded = weights
    divisor = gcd(women, men, unrecorded)
    # In key order: contributor names sort as men < unrecorded < women.
    ordered: tuple[tuple[Contributor, int], ...] = (("men", men), ("unrecorded", unrecorded), ("women", women))
    return tuple([Part(mine, organization, who, weight // divisor) for who, weight in ordered if weight])


def merge(inputs: Sequence[tuple[tuple[Part, ...], int]]) -> tuple[Part, ...]:
    """Merge the compositions (parts sorted by key) of several inputs, each weighed by its fine milligrams.

    When no input holds any fine gold the parts' own weights are added instead, so proportions survive.
    """
    if len(inputs) == 1:
        return inputs[0][0]
    use_fine = any(fine for _, fine in inputs)
    totals: dict[tuple[str, str, Contributor], int] = {}
    for parts, fine in inputs:
        weights = [part.weight for part in parts]
        for part, weight in zip(parts, apportion(fine, weights) if use_fine else weights, strict=True):
            key = (part.mine, part.organization, part.contributor)
            totals[key] = totals.get(key, 0) + weight
    return tuple([Part(*key, weight) for key, weight in sorted(totals.items()) if weight])


def attributed_fine_mg(parts: Sequence[Part], fine_mg: int) -> list[tuple[Part, int]]:
    """Each part with the fine milligrams of the lot it accounts for (largest remainder, exact sum)."""
    return list(zip(parts, apportion(fine_mg, [p.weight for p in parts]), strict=True))
