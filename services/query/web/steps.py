"""Each event of a lot's history as a step a person can read: who, when, what (a message key and typed values).

Values stay typed (`Mass`, `Fineness`, `Money`, `Day`, `Term`, `LotList`) so the renderer writes them in the
reader's language; names are already resolved from registry data. An event whose `data` the verdict does not
carry still becomes a step, described by its kind only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from services.query.web.directory import Directory

MAX_LISTED_LOTS: Final = 6  # a transformation with more outputs in the history lists these and counts the rest


@dataclass(frozen=True, slots=True)
class Mass:
    """A mass in milligrams."""

    mg: int


@dataclass(frozen=True, slots=True)
class Fineness:
    """A fineness in parts per thousand, as the contract writes it (`"999.9"`)."""

    value: str


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of money as the contract writes it."""

    currency: str
    amount: str


@dataclass(frozen=True, slots=True)
class Day:
    """A contract timestamp shown as a day."""

    rfc3339: str


@dataclass(frozen=True, slots=True)
class Term:
    """A word of the catalogue (`process.melting`), or the text itself when the catalogue lacks it."""

    key: str
    fallback: str


@dataclass(frozen=True, slots=True)
class LotList:
    """Lots with their masses, and how many more were left out."""

    lots: tuple[tuple[str, Mass | None], ...]
    more: int = 0


Value = str | int | Mass | Fineness | Money | Day | Term | LotList


@dataclass(frozen=True, slots=True)
class Step:
    """One event of the history: its kind, lot, time, signer, outcome, and what it did (`message` + `values`)."""

    event_id: str
    type: str
    lot: str | None
    time: str
    actor: str
    outcome: str
    code: str | None
    message: str | None
    values: Mapping[str, Value]
    findings: tuple[str, ...]

    @property
    def refused(self) -> bool:
        """The rules refused this event."""
        return self.outcome == "rejected"

    @property
    def is_custody(self) -> bool:
        """A step of the gold itself (`lot.*`), as opposed to a registry record."""
        return self.type.startswith("lot.")


def step_of(record: Mapping[str, Any], names: Directory, history: Collection[str]) -> Step:
    """The step of one verdict event record (its `data`, when present, says what happened)."""
    event_type = str(record.get("type", ""))
    data = record.get("data")
    described = _describe(event_type, data, names, history) if isinstance(data, Mapping) else None
    findings = tuple(str(f.get("code")) for f in record.get("findings") or () if isinstance(f, Mapping))
    return Step(
        event_id=str(record.get("id", "")),
        type=event_type,
        lot=None if event_type == "lot.transformed" else str(record.get("subject", "")) or None,
        time=str(record.get("time", "")),
        actor=names.name(str(record.get("signer", ""))),
        outcome=str(record.get("outcome", "")),
        code=record.get("code") if isinstance(record.get("code"), str) else None,
        message=None if described is None else described[0],
        values={} if described is None else described[1],
        findings=findings,
    )


def refusal_step(refusal: Mapping[str, Any], names: Directory) -> Step:
    """A refused event as the query service lists it (`refusals`); dated by its own `time`, else `decided_at`."""
    return Step(
        event_id=str(refusal.get("event_id", "")),
        type=str(refusal.get("type", "")),
        lot=str(refusal.get("subject", "")) or None,
        time=str(refusal.get("time") or refusal.get("decided_at") or ""),
        actor=names.name(str(refusal.get("signer", ""))),
        outcome="rejected",
        code=refusal.get("code") if isinstance(refusal.get("code"), str) else None,
        message=None,
        values={},
        findings=(),
    )


def ancestry(lot: str, records: Sequence[Mapping[str, Any]]) -> set[str]:
    """The lot and every lot it was made from, transitively (from the transformations among the records)."""
    parents: dict[str, set[str]] = {}
    for record in records:
        data = record.get("data")
        if record.get("type") == "lot.transformed" and isinstance(data, Mapping):
            inputs = {str(lot) for lot in data.get("inputs") or ()}
            for output in data.get("outputs") or ():
                if isinstance(output, Mapping):
                    parents.setdefault(str(output.get("lot")), set()).update(inputs)
    found, pending = {lot}, [lot]
    while pending:
        for parent in parents.get(pending.pop(), ()):
            if parent not in found:
                found.add(parent)
                pending.append(parent)
    return found


def named_lots(record: Mapping[str, Any]) -> set[str]:
    """The lots an event record names: its subject, and a transformation's inputs and outputs."""
    named = {str(record.get("subject", ""))}
    data = record.get("data")
    if record.get("type") == "lot.transformed" and isinstance(data, Mapping):
        named.update(str(lot) for lot in data.get("inputs") or ())
        named.update(str(o.get("lot")) for o in data.get("outputs") or () if isinstance(o, Mapping))
    return named


def _mass(value: Any) -> Mass | None:
    return Mass(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _describe(
    event_type: str, data: Mapping[str, Any], names: Directory, history: Collection[str]
) -> tuple[str, dict[str, Value]] | None:
    mass = _mass(data.get("mass_mg"))
    if event_type == "lot.extracted" and mass is not None:
        mine = str(data.get("mine", ""))
        return "step.lot.extracted", {
            "mass": mass,
            "fineness": Fineness(str(data.get("fineness"))),
            "mine": names.name(mine),
        }
    if event_type == "lot.assayed":
        return "step.lot.assayed", {
            "assayer": names.name(str(data.get("assayer"))),
            "fineness": Fineness(str(data.get("fineness"))),
        }
    if event_type == "lot.shipped" and mass is not None:
        values: dict[str, Value] = {"mass": mass, "to": names.name(str(data.get("to")))}
        premium = data.get("premium")
        if isinstance(premium, Mapping):
            values["premium"] = Money(str(premium.get("currency")), str(premium.get("amount")))
            return "step.lot.shipped.premium", values
        return "step.lot.shipped", values
    if event_type == "lot.received" and mass is not None:
        return "step.lot.received", {"mass": mass}
    if event_type == "lot.transformed":
        return _transformation(data, history)
    if event_type == "lot.exported":
        return "step.lot.exported", {
            "country": str(data.get("destination")),
            "declaration": str(data.get("declaration")),
        }
    return _registry(event_type, data, names)


def _transformation(data: Mapping[str, Any], history: Collection[str]) -> tuple[str, dict[str, Value]]:
    process = str(data.get("process", ""))
    inputs = [str(lot) for lot in data.get("inputs") or ()]
    outputs = [o for o in data.get("outputs") or () if isinstance(o, Mapping)]
    shown = [o for o in outputs if str(o.get("lot")) in history] or outputs
    listed = shown[:MAX_LISTED_LOTS]
    return "step.lot.transformed", {
        "process": Term(f"process.{process}", process),
        "inputs": LotList(
            tuple((lot, None) for lot in inputs[:MAX_LISTED_LOTS]), max(0, len(inputs) - MAX_LISTED_LOTS)
        ),
        "outputs": LotList(
            tuple((str(o.get("lot")), _mass(o.get("mass_mg"))) for o in listed), len(outputs) - len(listed)
        ),
    }


def _registry(event_type: str, data: Mapping[str, Any], names: Directory) -> tuple[str, dict[str, Value]] | None:
    if event_type == "participant.registered":
        return "step.participant.registered", {"name": names.name(str(data.get("participant")))}
    if event_type in ("participant.key_added", "participant.key_revoked"):
        return f"step.{event_type}", {"participant": names.name(str(data.get("participant")))}
    if event_type == "mine.registered":
        mine = str(data.get("mine"))
        return "step.mine.registered", {"mine": names.name(mine), "region": names.region(mine) or "-"}
    if event_type == "certificate.issued":
        standard = str(data.get("standard"))
        return "step.certificate.issued", {
            "certificate": str(data.get("certificate")),
            "standard": Term(f"class.{standard}", standard),
            "holder": names.name(str(data.get("holder"))),
            "valid_from": Day(str(data.get("valid_from"))),
            "valid_until": Day(str(data.get("valid_until"))),
        }
    if event_type in ("certificate.suspended", "certificate.reinstated", "certificate.withdrawn"):
        return f"step.{event_type}", {"certificate": str(data.get("certificate"))}
    return None
