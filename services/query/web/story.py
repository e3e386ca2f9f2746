"""A lot's story for the public page, built from its verdict (`events.verdict.LotVerdict.to_json` + `names`): pure.

Input: the verdict dict the query service serves (`lot`, `verified`, `reasons`, `provenance`, `events`,
`findings`, optionally `names` and `refusals`, and each event record optionally with its `data`: the document of
services/query/provenance_reads.py `lot_provenance`). Output: a `Story` holding only
what the page shows, language-independent; `render.py` writes it in Spanish or English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from services.query.web.directory import Directory, directory_of
from services.query.web.steps import Step, ancestry, named_lots, refusal_step, step_of

# A page stays well under 150 KB whatever the history: beyond these, the page shows the latest items and says how
# many earlier ones the bundle holds.
MAX_SHOWN_STEPS: Final = 150
MAX_SHOWN_REGISTRY: Final = 60
MAX_SHOWN_NOTICES: Final = 60
MAX_SHOWN_REFUSALS: Final = 40

Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class Origin:
    """A mine or an organization the lot's fine gold came from, with its share."""

    name: str
    region: str | None
    fine_mg: int
    share_bp: int


@dataclass(frozen=True, slots=True)
class WomensGroup:
    """A women's group whose work is in the lot (its id as registered, and its kind: bateadoras, pallaqueras)."""

    group: str
    kind: str
    organization: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A finding on the lot's history: its code, severity, and the step that raised it (if in the history)."""

    code: str
    severity: str
    step: Step | None


@dataclass(frozen=True, slots=True)
class Story:
    """Everything the verification page says about one lot."""

    lot: str
    verified: bool
    exists: bool
    reasons: tuple[str, ...]
    refusals: tuple[Step, ...]
    lot_class: str | None
    status: str | None
    custodian: str | None
    mass_mg: int
    fineness: str
    fine_mg: int
    mines: tuple[Origin, ...]
    organizations: tuple[Origin, ...]
    women_share_bp: int
    womens_groups: tuple[WomensGroup, ...]
    premium_paid_cents: int
    premium_due_cents: int
    custody: tuple[Step, ...]
    registry: tuple[Step, ...]
    notices: tuple[Notice, ...]
    hidden: dict[str, int]
    """How many earlier items of each list (`custody`, `registry`, `notices`, `refusals`) the page leaves out."""

    @property
    def premium_paid_in_full(self) -> bool:
        """Premium evidenced at least as high as what is due at the Fairmined rate."""
        return self.premium_paid_cents >= self.premium_due_cents

    @property
    def certified(self) -> bool:
        """Fairmined or Fairmined Ecological gold."""
        return self.lot_class in ("fairmined", "fairmined-ecological")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _records(verdict: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for r in verdict.get("events") or () if isinstance(r, Mapping)]


def lot_story(verdict: Mapping[str, Any]) -> Story:
    """The story of the verdict's lot."""
    lot = str(verdict.get("lot", ""))
    records = _records(verdict)
    names = directory_of(records, verdict.get("names"))
    history = ancestry(lot, records)
    # The verdict also lists events that only make its replay decidable (the history of lots melted together with
    # this one later): the story tells the lot's own history, and the transformation that consumed it.
    own = [record for record in records if _tells(record, history)]
    steps = [step_of(record, names, history) for record in own]
    provenance = verdict.get("provenance")
    found: Mapping[str, Any] = provenance if isinstance(provenance, Mapping) else {}
    reasons = [str(r.get("code")) for r in verdict.get("reasons") or () if isinstance(r, Mapping)]
    hidden: dict[str, int] = {}
    custody = _latest("custody", [step for step in steps if step.is_custody], MAX_SHOWN_STEPS, hidden)
    registry = _latest("registry", [step for step in steps if not step.is_custody], MAX_SHOWN_REGISTRY, hidden)
    notices = _latest("notices", _notices(verdict.get("findings"), steps), MAX_SHOWN_NOTICES, hidden)
    refused = _refusals(steps, verdict.get("refusals"), names, history)
    refusals = _latest("refusals", refused, MAX_SHOWN_REFUSALS, hidden)
    return Story(
        lot=lot,
        verified=verdict.get("verified") is True,
        exists=bool(found),
        reasons=tuple(dict.fromkeys(reasons)),
        refusals=refusals,
        lot_class=str(found["lot_class"]) if "lot_class" in found else None,
        status=str(found["status"]) if "status" in found else None,
        custodian=names.name(found["custodian"]) if isinstance(found.get("custodian"), str) else None,
        mass_mg=_int(found.get("mass_mg")),
        fineness=str(found.get("fineness", "")),
        fine_mg=_int(found.get("fine_mg")),
        mines=_origins(found.get("mines"), names),
        organizations=_origins(found.get("organizations"), names),
        women_share_bp=_int(found.get("women_share_bp")),
        womens_groups=_womens_groups(own, names),
        premium_paid_cents=_int(found.get("premium_paid_usd_cents")),
        premium_due_cents=_int(found.get("premium_due_usd_cents")),
        custody=custody,
        registry=registry,
        notices=notices,
        hidden=hidden,
    )


def _latest(name: str, items: Sequence[Item], limit: int, hidden: dict[str, int]) -> tuple[Item, ...]:
    """The last `limit` items; the count of those left out goes into `hidden`."""
    hidden[name] = max(0, len(items) - limit)
    return tuple(items[hidden[name] :])


def _tells(record: Mapping[str, Any], history: set[str]) -> bool:
    """A registry event, or an event naming a lot of the history."""
    return not str(record.get("type", "")).startswith("lot.") or bool(named_lots(record) & history)


def _refusals(steps: Sequence[Step], listed: Any, names: Directory, history: set[str]) -> list[Step]:
    """Refused events: those of the verdict's own events, then the query service's `refusals` naming the history
    (by subject, or as a lot a refused transformation claimed to make: `outputs`)."""
    found = {step.event_id: step for step in steps if step.refused}
    for refusal in listed if isinstance(listed, Sequence) else ():
        if isinstance(refusal, Mapping) and _names_history(refusal, history):
            step = refusal_step(refusal, names)
            found.setdefault(step.event_id, step)
    return list(found.values())


def _names_history(refusal: Mapping[str, Any], history: set[str]) -> bool:
    outputs = refusal.get("outputs")
    named = [refusal.get("subject"), *(outputs if isinstance(outputs, list) else ())]
    return any(isinstance(lot, str) and lot in history for lot in named)


def _origins(shares: Any, names: Directory) -> tuple[Origin, ...]:
    if not isinstance(shares, Sequence):
        return ()
    origins = [
        Origin(
            names.name(str(s.get("name"))),
            names.region(str(s.get("name"))),
            _int(s.get("fine_mg")),
            _int(s.get("share_bp")),
        )
        for s in shares
        if isinstance(s, Mapping)
    ]
    return tuple(sorted(origins, key=lambda o: (-o.share_bp, o.name)))


def _womens_groups(records: Sequence[Mapping[str, Any]], names: Directory) -> tuple[WomensGroup, ...]:
    """Women's groups named in the accepted extractions of the history, in order of first appearance."""
    found: dict[str, WomensGroup] = {}
    for record in records:
        data = record.get("data")
        if (
            record.get("type") != "lot.extracted"
            or record.get("outcome") != "accepted"
            or not isinstance(data, Mapping)
        ):
            continue
        for contribution in data.get("contributions") or ():
            group = names.groups.get(str(contribution.get("group"))) if isinstance(contribution, Mapping) else None
            if group is not None and group.womens_group and _int(contribution.get("share_bp")) > 0:
                found.setdefault(group.group, WomensGroup(group.group, group.kind, names.name(group.organization)))
    return tuple(found.values())


def _notices(findings: Any, steps: Sequence[Step]) -> list[Notice]:
    if not isinstance(findings, Sequence):
        return []
    by_id = {step.event_id: step for step in steps}
    notices = []
    for finding in findings:
        if isinstance(finding, Mapping):
            ids = [str(i) for i in finding.get("event_ids") or ()]
            step = next((by_id[i] for i in reversed(ids) if i in by_id), None)
            notices.append(Notice(str(finding.get("code")), str(finding.get("severity", "notice")), step))
    return notices
