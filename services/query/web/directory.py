"""Public names of participants, mines and groups, taken from registry data only (never a person's name).

Two sources, the first one wins: the verdict's `names` (what the query service looked up in the register), then
the `data` of the registry events in the verdict itself (`participant.registered` names a participant and its
groups, `mine.registered` a mine and its region). An id nobody named is shown as the id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

MAX_NAME_CHARS: Final = 200  # a longer registered name is cut, so one record cannot bloat the page


@dataclass(frozen=True, slots=True)
class Group:
    """A group of miners inside an organization: its name, its kind (bateadoras, pallaqueras...), its make-up."""

    group: str
    kind: str
    organization: str
    women: int
    men: int

    @property
    def womens_group(self) -> bool:
        """A group of women only (the pallaqueras, the bateadoras)."""
        return self.women > 0 and self.men == 0


@dataclass(slots=True)
class Directory:
    """Names by id; `name(id)` falls back to the id itself."""

    participants: dict[str, str] = field(default_factory=dict)
    mines: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    certificates: dict[str, str] = field(default_factory=dict)
    """certificate id -> standard (`fairmined`, `fairmined-ecological`)."""

    def name(self, some_id: str | None) -> str:
        """The public name of a participant or mine, else the id."""
        if some_id is None:
            return ""
        return self.participants.get(some_id) or self.mines.get(some_id) or some_id

    def region(self, mine: str) -> str | None:
        """The region of a mine, if registered."""
        return self.regions.get(mine)


def _text(value: Any) -> str | None:
    return value[:MAX_NAME_CHARS] if isinstance(value, str) and value else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def directory_of(records: Iterable[Mapping[str, Any]], names: Any = None) -> Directory:
    """The names the verdict's registry events carry, overridden by the verdict's `names` where given."""
    found = Directory()
    for record in records:
        if record.get("outcome") == "accepted":
            _learn(found, str(record.get("type", "")), record.get("data"))
    if isinstance(names, Mapping):
        _learn_names(found, names)
    return found


def _learn(found: Directory, event_type: str, data: Any) -> None:
    if not isinstance(data, Mapping):
        return
    if event_type == "participant.registered":
        participant, name = _text(data.get("participant")), _text(data.get("name"))
        if participant and name:
            found.participants[participant] = name
        for group in data.get("groups") or ():
            if isinstance(group, Mapping) and participant and (group_id := _text(group.get("group"))):
                kind = _text(group.get("kind")) or "members"
                women, men = _count(group.get("women")), _count(group.get("men"))
                found.groups[group_id] = Group(group_id, kind, participant, women, men)
    elif event_type == "mine.registered":
        mine, name, region = _text(data.get("mine")), _text(data.get("name")), _text(data.get("region"))
        if mine and name:
            found.mines[mine] = name
        if mine and region:
            found.regions[mine] = region
    elif event_type == "certificate.issued":
        certificate, standard = _text(data.get("certificate")), _text(data.get("standard"))
        if certificate and standard:
            found.certificates[certificate] = standard


def _learn_names(found: Directory, names: Mapping[str, Any]) -> None:
    """The query service's `names`: `{"participants": {id: {name}}, "mines": {id: {name, region}},
    "certificates": {id: {standard}}}` (services/query/provenance_reads.py)."""
    for section, target in (("participants", found.participants), ("mines", found.mines)):
        entries = names.get(section)
        for some_id, entry in entries.items() if isinstance(entries, Mapping) else ():
            name = _text(entry.get("name")) if isinstance(entry, Mapping) else None
            if name is not None:
                target[str(some_id)] = name
            region = _text(entry.get("region")) if isinstance(entry, Mapping) and section == "mines" else None
            if region is not None:
                found.regions[str(some_id)] = region
    certificates = names.get("certificates")
    for certificate, entry in certificates.items() if isinstance(certificates, Mapping) else ():
        standard = _text(entry.get("standard")) if isinstance(entry, Mapping) else None
        if standard is not None:
            found.certificates[str(certificate)] = standard
