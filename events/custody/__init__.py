"""The custody rules of design.md section 3 as a pure fold over signed events.

`decide(state, signed_event, policy)` -> Accepted | Duplicate | Rejected, `evolve(state, outcome)` applies it,
`fold(state, events)` runs both; `due_findings(state, now)` reports what the passing of time makes due.
"""

from events.custody.due import due_findings
from events.custody.fold import decide, evolve, fold
from events.custody.lots import Lot, Part, Shipment, lot_from_json
from events.custody.outcome import Accepted, DueReport, Duplicate, Finding, Outcome, Rejected
from events.custody.policy import DEFAULT_POLICY, Policy
from events.custody.registry import Registry, TrustAnchor
from events.custody.state import State, initial_state

__all__ = [
    "DEFAULT_POLICY",
    "Accepted",
    "DueReport",
    "Duplicate",
    "Finding",
    "Lot",
    "Outcome",
    "Part",
    "Policy",
    "Registry",
    "Rejected",
    "Shipment",
    "State",
    "TrustAnchor",
    "decide",
    "due_findings",
    "evolve",
    "fold",
    "initial_state",
    "lot_from_json",
]
