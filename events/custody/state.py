"""The fold's state, in separable parts: the registry (everywhere), lots (by lot), tallies (by ASMO), seen ids."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field

from events.custody.lots import Lot
from events.custody.registry import Registry, TrustAnchor


@dataclass(slots=True)
class State:
    """What `decide` reads and `evolve` writes.

    - `registry`: participants, roles, keys, mines, certificates; every worker needs all of it.
    - `lots`: lot id -> Lot, plain values; a processor keeps each lot in its custodian's partition.
    - `tallies`: `mine/<id>/<YYYY-MM>`, `asmo/<id>/<YYYY-MM>` and `group/<asmo>/<group>/<YYYY-MM>` (pallaqueras
      groups) -> extracted fine mg; lives with the ASMO.
    - `seen`: accepted event id -> digest, for idempotency.

    Any MutableMapping works (a processor can pass table views); `decide` only reads the entries an event names.
    """

    registry: Registry
    lots: MutableMapping[str, Lot] = field(default_factory=dict)
    tallies: MutableMapping[str, int] = field(default_factory=dict)
    seen: MutableMapping[str, bytes] = field(default_factory=dict)


def initial_state(anchor: TrustAnchor) -> State:
    """An empty state that trusts only the platform authority's anchor key."""
    return State(registry=Registry.from_anchor(anchor))


def tally_key(scope: str, owner: str, month: str) -> str:
    """The key of a monthly tally: scope `mine`, `asmo` or `group`, the mine, ASMO or `<asmo>/<group>`, `YYYY-MM`."""
    return f"{scope}/{owner}/{month}"
