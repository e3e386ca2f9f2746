"""Building blocks of a season: planned events (unsigned, with who signs them and what should become of them),
steps (one request by one acting party), and a builder that keeps each lot's figures as the story goes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from events.custody.findings import MG_PER_KG
from events.custody.policy import DEFAULT_POLICY
from events.model.types import fine_mass_mg
from services.demo.cast import Cast, CertificateSpec, MineSpec
from services.demo.ids import DemoSeed, rfc3339


@dataclass(frozen=True)
class PublicKeyEntry:
    """A participant's registered key: its id and raw public key (base64url)."""

    keyid: str
    public_key: str


@dataclass(frozen=True)
class Expected:
    """What the rules should make of an event: accepted (with these findings) or rejected with this code."""

    outcome: Literal["accepted", "rejected"]
    code: str | None = None
    findings: tuple[str, ...] = ()


ACCEPTED: Final = Expected("accepted")


def refused(code: str) -> Expected:
    """The event must be rejected with `code`."""
    return Expected("rejected", code)


def flagged(*codes: str) -> Expected:
    """The event must be accepted with these findings."""
    return Expected("accepted", findings=codes)


@dataclass(frozen=True)
class PlannedEvent:
    """One event of the season before signing: its body, whose key signs it and the outcome it should get."""

    label: str  # a stable name in the story, e.g. "cecomip/extract/1"; the event id derives from it
    unsigned: dict[str, Any]
    sign_with: str  # the participant whose key signs it (cast.FORGER for the forged attempt)
    expected: Expected
    attempt: str | None = None  # for a bad attempt: what was tried, in a sentence

    @property
    def id(self) -> str:
        """The event id."""
        event_id: str = self.unsigned["id"]
        return event_id

    @property
    def type(self) -> str:
        """The event type."""
        event_type: str = self.unsigned["type"]
        return event_type


@dataclass(frozen=True)
class Step:
    """What one party sends in one request; later steps may depend on it being decided."""

    actor: str
    what: str
    events: tuple[PlannedEvent, ...]


@dataclass(frozen=True)
class Season:
    """The whole season in submission order, and the lots worth looking at."""

    tag: str
    steps: tuple[Step, ...]
    ring: str
    ring_made_by: str  # the id of the event that made the ring
    notable_lots: Mapping[str, str] = field(default_factory=dict)  # lot id -> what it is

    def events(self) -> list[PlannedEvent]:
        """Every planned event, in submission order."""
        return [event for step in self.steps for event in step.events]


@dataclass(frozen=True)
class Output:
    """A lot a transformation produces."""

    lot: str
    form: str
    mass_mg: int
    fineness: str
    serial: str | None = None


class SeasonBuilder:
    """Makes planned events with seed-derived ids, and tracks each lot's mass and fineness for later figures."""

    def __init__(self, seed: DemoSeed, keys: Mapping[str, PublicKeyEntry]) -> None:
        self.seed = seed
        self.keys = keys
        self.labels: set[str] = set()
        self.figures: dict[str, tuple[int, str]] = {}  # lot -> (mass_mg, fineness) as accepted so far
        self.open_shipments: dict[str, tuple[str, int]] = {}  # lot -> (shipment, shipped mass_mg)
        self.shipments = 0

    # -- plumbing ---------------------------------------------------------------------------------------------
    def event(
        self,
        label: str,
        signer: str,
        event_type: str,
        subject: str,
        data: dict[str, Any],
        at: datetime,
        expected: Expected = ACCEPTED,
        *,
        sign_with: str | None = None,
        attempt: str | None = None,
    ) -> PlannedEvent:
        """An unsigned event by `signer` (its registered key id set), with a stable id from the seed and label."""
        if label in self.labels:
            raise ValueError(f"the label {label!r} is used twice in the season")
        self.labels.add(label)
        unsigned = {
            "specversion": "1.0",
            "id": self.seed.event_id(label, at),
            "source": f"/participants/{signer}",
            "type": event_type,
            "subject": subject,
            "time": rfc3339(at),
            "datacontenttype": "application/json",
            "keyid": self.keys[signer].keyid,
            "data": data,
        }
        return PlannedEvent(label, unsigned, sign_with or signer, expected, attempt)

    def lot_id(self, name: str) -> str:
        """A lot (or shipment) id of this season: `<name>-<tag>`."""
        return self.seed.named(name)

    def fine_mg(self, lot: str) -> int:
        """The lot's fine gold as accepted so far."""
        mass, fineness = self.figures[lot]
        return fine_mass_mg(mass, fineness)

    def mass_mg(self, lot: str) -> int:
        """The lot's mass as accepted so far."""
        return self.figures[lot][0]

    def _keep(self, expected: Expected, lot: str, mass_mg: int, fineness: str) -> None:
        if expected.outcome == "accepted":
            self.figures[lot] = (mass_mg, fineness)

    # -- registry ---------------------------------------------------------------------------------------------
    def register(self, member: Cast, at: datetime) -> PlannedEvent:
        """`participant.registered` by the authority, with the participant's key, members and groups."""
        key = self.keys[member.participant]
        data: dict[str, Any] = {
            "participant": member.participant,
            "name": member.name,
            "roles": list(member.roles),
            "country": member.country,
            "keys": [{"keyid": key.keyid, "public_key": key.public_key}],
        }
        if member.members is not None:
            data["members"] = {"women": member.members[0], "men": member.members[1]}
        if member.groups:
            data["groups"] = [{"group": g.group, "kind": g.kind, "women": g.women, "men": g.men} for g in member.groups]
        return self.event(
            f"register/{member.participant}", "arm", "participant.registered", member.participant, data, at
        )

    def mine(self, spec: MineSpec, at: datetime) -> PlannedEvent:
        """`mine.registered` by the authority."""
        data = {
            "mine": spec.mine,
            "operator": spec.operator,
            "name": spec.name,
            "region": spec.region,
            "capacity_mg_per_month": spec.capacity_mg_per_month,
        }
        return self.event(f"mine/{spec.mine}", "arm", "mine.registered", spec.mine, data, at)

    def certificate_id(self, spec: CertificateSpec) -> str:
        """The id of a certificate of this season."""
        return self.lot_id(spec.name)

    def certificate(self, spec: CertificateSpec, certifier: str, at: datetime) -> PlannedEvent:
        """`certificate.issued` by the certifier, valid around the season's end as the spec says."""
        certificate = self.certificate_id(spec)
        data = {
            "certificate": certificate,
            "holder": spec.holder,
            "standard": spec.standard,
            "mines": list(spec.mines),
            "valid_from": rfc3339(self.seed.day(spec.valid_from_days_before_end, 0)),
            "valid_until": rfc3339(self.seed.day(0, 0) + timedelta(days=spec.valid_until_days_after_end)),
        }
        return self.event(f"certificate/{spec.name}", certifier, "certificate.issued", certificate, data, at)

    # -- custody ----------------------------------------------------------------------------------------------
    def extract(
        self,
        asmo: str,
        lot: str,
        mine: str,
        mass_mg: int,
        fineness: str,
        at: datetime,
        *,
        certificate: str | None = None,
        contributions: Sequence[tuple[str, int]] = (),
        expected: Expected = ACCEPTED,
        sign_with: str | None = None,
        attempt: str | None = None,
    ) -> PlannedEvent:
        """`lot.extracted`: doré declared at the mine, mercury-free, with the groups' shares when given."""
        data: dict[str, Any] = {
            "lot": lot,
            "mine": mine,
            "form": "doré",
            "mass_mg": mass_mg,
            "fineness": fineness,
            "mercury_free": True,
        }
        if certificate is not None:
            data["certificate"] = certificate
        if contributions:
            data["contributions"] = [{"group": group, "share_bp": bp} for group, bp in contributions]
        if sign_with is None:
            self._keep(expected, lot, mass_mg, fineness)
        label = f"{asmo}/extract/{lot}" + ("/forged" if sign_with else "")
        return self.event(label, asmo, "lot.extracted", lot, data, at, expected, sign_with=sign_with, attempt=attempt)

    def assay(self, holder: str, lot: str, fineness: str, assayer: str, at: datetime) -> PlannedEvent:
        """`lot.assayed` by the lot's custodian, from the lab's report (referenced by its hash)."""
        label = f"{holder}/assay/{lot}"
        report = hashlib.sha256(b"goldtrace/demo/assay-report\n" + self.seed.seed + label.encode()).hexdigest()
        data = {"lot": lot, "fineness": fineness, "method": "fire assay", "assayer": assayer, "report_sha256": report}
        self._keep(ACCEPTED, lot, self.mass_mg(lot), fineness)
        return self.event(label, holder, "lot.assayed", lot, data, at)

    def ship(
        self, sender: str, lot: str, to: str, at: datetime, *, premium: str | None = None, expected: Expected = ACCEPTED
    ) -> PlannedEvent:
        """`lot.shipped` of the lot's whole mass; a first sale of certified gold states its premium in USD."""
        self.shipments += 1
        shipment = self.lot_id(f"shp-{self.shipments:02d}")
        mass = self.mass_mg(lot)
        data: dict[str, Any] = {"lot": lot, "shipment": shipment, "to": to, "mass_mg": mass}
        if premium is not None:
            data["premium"] = {"currency": "USD", "amount": premium}
        self.open_shipments[lot] = (shipment, mass)
        return self.event(f"{sender}/ship/{lot}", sender, "lot.shipped", lot, data, at, expected)

    def receive(
        self, receiver: str, lot: str, at: datetime, *, mass_mg: int | None = None, expected: Expected = ACCEPTED
    ) -> PlannedEvent:
        """`lot.received` of the lot's open shipment, weighed by the receiver (the shipped mass unless given)."""
        shipment, shipped = self.open_shipments.pop(lot)
        weighed = shipped if mass_mg is None else mass_mg
        data = {"lot": lot, "shipment": shipment, "mass_mg": weighed}
        self._keep(expected, lot, weighed, self.figures[lot][1])
        return self.event(f"{receiver}/receive/{lot}", receiver, "lot.received", lot, data, at, expected)

    def transform(
        self,
        holder: str,
        process: str,
        inputs: Sequence[str],
        outputs: Sequence[Output],
        at: datetime,
        *,
        label: str | None = None,
        expected: Expected = ACCEPTED,
        attempt: str | None = None,
    ) -> PlannedEvent:
        """`lot.transformed`: inputs consumed, outputs created."""
        data = {
            "process": process,
            "inputs": list(inputs),
            "outputs": [_output_json(output) for output in outputs],
        }
        for output in outputs:
            self._keep(expected, output.lot, output.mass_mg, output.fineness)
        name = label or f"{holder}/{process}/{inputs[0]}"
        return self.event(name, holder, "lot.transformed", inputs[0], data, at, expected, attempt=attempt)

    def premium_at_rate(self, lot: str, lot_class: str, share_bp: int = 10_000) -> str:
        """The Fairmined premium for the lot's fine gold (times `share_bp` / 10000), rounded up to the cent."""
        rate = DEFAULT_POLICY.premium_rate_usd_per_kg(lot_class)
        cents = -(-self.fine_mg(lot) * rate * 100 * share_bp // (MG_PER_KG * 10_000))
        return f"{cents // 100}.{cents % 100:02d}"


def _output_json(output: Output) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lot": output.lot,
        "form": output.form,
        "mass_mg": output.mass_mg,
        "fineness": output.fineness,
    }
    if output.serial is not None:
        body["serial"] = output.serial
    return body


def fineness_for(fine_mg: int, mass_mg: int) -> str:
    """The fineness (one decimal, rounded down) that gives at most `fine_mg` of fine gold in `mass_mg`."""
    tenths = fine_mg * 10_000 // mass_mg
    return f"{tenths // 10}.{tenths % 10}"


def mass_for(fine_mg: int, fineness: str) -> int:
    """The largest mass of a given fineness holding at most `fine_mg` of fine gold."""
    mass = int(Decimal(fine_mg) * 1000 / Decimal(fineness)) + 2
    while fine_mass_mg(mass, fineness) > fine_mg:
        mass -= 1
    return mass
