"""A small builder of signed test histories: keys from fixed seeds, one clock, helpers per event type.

The standard world (`Scenario.world`) is modelled on the demo season of ../shared/notes/puno.md: the authority
ARM, a certification body, CECOMIP (Fairmined Ecological, with its bateadoras group), Oro Puno (Fairmined),
Linda 2 (in certification: uncertified gold), a trader, a refiner, a jeweller and an assay lab.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.codec import SignedEvent, decode_event
from events.custody import Outcome, State, TrustAnchor, decide, evolve, initial_state
from events.custody.outcome import Accepted, Rejected
from events.signing import public_key_b64, sign_event

AUTHORITY = "arm"
CERTIFIER = "fairmined-cb"
ECO_ASMO = "cecomip"  # Fairmined Ecological
FM_ASMO = "oro-puno"  # Fairmined
UNCERTIFIED_ASMO = "linda-2"  # in certification: uncertified gold
TRADER = "aurum-trading"
REFINER = "andes-refinery"
JEWELLER = "joyeria-lima"
LAB = "lab-puno"

ECO_MINE = "cecomip-ananea"
FM_MINE = "oro-puno-poto"
UNCERTIFIED_MINE = "linda-2-madre-de-dios"
ECO_CERT = "cert-cecomip-2026"
FM_CERT = "cert-oro-puno-2026"
BATEADORAS = "divinas-en-brillo-de-oro"
COOPERATIVES = "cecomip-cooperatives"

CERT_FROM = "2026-01-01T00:00:00Z"
CERT_UNTIL = "2027-01-01T00:00:00Z"
MINE_CAPACITY_MG = 5_000_000  # 5 kg of fine gold a month


def seeded_key(name: str) -> Ed25519PrivateKey:
    """An Ed25519 key derived from a fixed seed, so every run signs the same bytes."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"goldtrace/test-key/" + name.encode()).digest())


@dataclass(frozen=True)
class Signer:
    """One key of one participant."""

    participant: str
    keyid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> str:
        """The raw public key, base64url."""
        return public_key_b64(self.private_key)


@dataclass
class Scenario:
    """Builds signed events in log order; `signers` holds each participant's current key."""

    start: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    step: timedelta = timedelta(hours=1)
    signers: dict[str, Signer] = field(default_factory=dict)
    counter: int = 0

    def __post_init__(self) -> None:
        self.signers[AUTHORITY] = self.new_signer(AUTHORITY)

    # -- plumbing ---------------------------------------------------------------------------------------------
    def new_signer(self, participant: str, keyid: str | None = None) -> Signer:
        """A key for a participant (not yet registered anywhere)."""
        keyid = keyid or f"{participant}:1"
        return Signer(participant, keyid, seeded_key(keyid))

    def signer(self, participant: str) -> Signer:
        """The participant's current key, made on first use."""
        if participant not in self.signers:
            self.signers[participant] = self.new_signer(participant)
        return self.signers[participant]

    def anchor(self) -> TrustAnchor:
        """The trust anchor: the authority's first key."""
        first = self.new_signer(AUTHORITY)
        return TrustAnchor(AUTHORITY, first.keyid, first.public_key)

    def now(self) -> str:
        """The time of the next event (the clock advances one step per event)."""
        return (self.start + self.step * self.counter).strftime("%Y-%m-%dT%H:%M:%SZ")

    def sign(
        self,
        by: str | Signer,
        event_type: str,
        subject: str,
        data: dict[str, Any],
        *,
        time: str | None = None,
        event_id: str | None = None,
    ) -> SignedEvent:
        """Sign an event and decode it as a processor would."""
        signer = by if isinstance(by, Signer) else self.signer(by)
        unsigned = {
            "specversion": "1.0",
            "id": event_id or f"ev-{self.counter:05d}",
            "source": f"/participants/{signer.participant}",
            "type": event_type,
            "subject": subject,
            "time": time or self.now(),
            "datacontenttype": "application/json",
            "keyid": signer.keyid,
            "data": data,
        }
        self.counter += 1
        return decode_event(orjson.dumps(sign_event(unsigned, signer.private_key)))

    # -- registry ---------------------------------------------------------------------------------------------
    def register(
        self,
        participant: str,
        roles: list[str],
        *,
        members: tuple[int, int] | None = None,
        groups: list[tuple[str, str, int, int]] | None = None,
        by: str = AUTHORITY,
    ) -> SignedEvent:
        """`participant.registered` with the participant's current key; members (women, men); groups."""
        key = self.signer(participant)
        data: dict[str, Any] = {
            "participant": participant,
            "name": participant.replace("-", " ").title(),
            "roles": roles,
            "country": "PE",
            "keys": [{"keyid": key.keyid, "public_key": key.public_key}],
        }
        if members is not None:
            data["members"] = {"women": members[0], "men": members[1]}
        if groups is not None:
            data["groups"] = [{"group": g, "kind": k, "women": w, "men": m} for g, k, w, m in groups]
        return self.sign(by, "participant.registered", participant, data)

    def add_key(self, participant: str, keyid: str, *, by: str = AUTHORITY) -> tuple[SignedEvent, Signer]:
        """`participant.key_added`; returns the event and the new key (not yet made current)."""
        new = self.new_signer(participant, keyid)
        data = {"participant": participant, "keyid": keyid, "public_key": new.public_key}
        return self.sign(by, "participant.key_added", participant, data), new

    def revoke_key(self, participant: str, keyid: str, *, by: str | Signer = AUTHORITY) -> SignedEvent:
        """`participant.key_revoked`."""
        data = {"participant": participant, "keyid": keyid, "reason": "key lost"}
        return self.sign(by, "participant.key_revoked", participant, data)

    def mine(
        self, mine: str, operator: str, *, capacity_mg: int = MINE_CAPACITY_MG, by: str = AUTHORITY
    ) -> SignedEvent:
        """`mine.registered`."""
        data = {
            "mine": mine,
            "operator": operator,
            "name": mine,
            "region": "Puno",
            "capacity_mg_per_month": capacity_mg,
        }
        return self.sign(by, "mine.registered", mine, data)

    def certificate(
        self,
        certificate: str,
        holder: str,
        mines: list[str],
        *,
        standard: str = "fairmined",
        valid_from: str = CERT_FROM,
        valid_until: str = CERT_UNTIL,
        by: str = CERTIFIER,
    ) -> SignedEvent:
        """`certificate.issued`."""
        data = {
            "certificate": certificate,
            "holder": holder,
            "standard": standard,
            "mines": mines,
            "valid_from": valid_from,
            "valid_until": valid_until,
        }
        return self.sign(by, "certificate.issued", certificate, data)

    def certificate_status(self, certificate: str, change: str, *, by: str = CERTIFIER) -> SignedEvent:
        """`certificate.suspended` / `reinstated` / `withdrawn` (change is the last word)."""
        data = {"certificate": certificate, "reason": "audit"}
        return self.sign(by, f"certificate.{change}", certificate, data)

    def world(self) -> list[SignedEvent]:
        """The standard registry of the demo season."""
        return [
            self.register(AUTHORITY, ["authority"]),
            self.register(CERTIFIER, ["certifier"]),
            self.register(
                ECO_ASMO,
                ["asmo"],
                members=(58, 142),
                groups=[(BATEADORAS, "bateadoras", 21, 0), (COOPERATIVES, "members", 37, 142)],
            ),
            self.register(FM_ASMO, ["asmo"], members=(30, 50)),
            self.register(UNCERTIFIED_ASMO, ["asmo"], members=(10, 30)),
            self.register(TRADER, ["trader"]),
            self.register(REFINER, ["refiner"]),
            self.register(JEWELLER, ["manufacturer"]),
            self.register(LAB, ["assayer"]),
            self.mine(ECO_MINE, ECO_ASMO),
            self.mine(FM_MINE, FM_ASMO),
            self.mine(UNCERTIFIED_MINE, UNCERTIFIED_ASMO),
            self.certificate(ECO_CERT, ECO_ASMO, [ECO_MINE], standard="fairmined-ecological"),
            self.certificate(FM_CERT, FM_ASMO, [FM_MINE]),
        ]

    # -- custody ----------------------------------------------------------------------------------------------
    def extract(
        self,
        asmo: str,
        lot: str,
        mine: str,
        mass_mg: int,
        *,
        fineness: str = "850",
        certificate: str | None = None,
        mercury_free: bool = True,
        contributions: list[tuple[str, int]] | None = None,
        time: str | None = None,
        event_id: str | None = None,
    ) -> SignedEvent:
        """`lot.extracted`."""
        data: dict[str, Any] = {
            "lot": lot,
            "mine": mine,
            "form": "doré",
            "mass_mg": mass_mg,
            "fineness": fineness,
            "mercury_free": mercury_free,
        }
        if certificate is not None:
            data["certificate"] = certificate
        if contributions is not None:
            data["contributions"] = [{"group": g, "share_bp": bp} for g, bp in contributions]
        return self.sign(asmo, "lot.extracted", lot, data, time=time, event_id=event_id)

    def assay(self, holder: str, lot: str, fineness: str, *, assayer: str = LAB) -> SignedEvent:
        """`lot.assayed`."""
        data = {"lot": lot, "fineness": fineness, "method": "fire assay", "assayer": assayer, "report_sha256": "a" * 64}
        return self.sign(holder, "lot.assayed", lot, data)

    def ship(
        self,
        sender: str,
        lot: str,
        to: str,
        mass_mg: int,
        *,
        shipment: str | None = None,
        premium_usd: str | None = None,
        premium_currency: str = "USD",
        time: str | None = None,
    ) -> SignedEvent:
        """`lot.shipped` (shipment id defaults to `<lot>/ship/<counter>`)."""
        data: dict[str, Any] = {
            "lot": lot,
            "shipment": shipment or f"{lot}.s{self.counter}",
            "to": to,
            "mass_mg": mass_mg,
        }
        if premium_usd is not None:
            data["premium"] = {"currency": premium_currency, "amount": premium_usd}
        return self.sign(sender, "lot.shipped", lot, data, time=time)

    def receive(self, receiver: str, lot: str, shipment: str, mass_mg: int) -> SignedEvent:
        """`lot.received`."""
        return self.sign(receiver, "lot.received", lot, {"lot": lot, "shipment": shipment, "mass_mg": mass_mg})

    def transform(
        self, holder: str, inputs: list[str], outputs: list[tuple[str, int, str]], *, process: str = "melting"
    ) -> SignedEvent:
        """`lot.transformed`; outputs are (lot, mass_mg, fineness)."""
        data = {
            "process": process,
            "inputs": inputs,
            "outputs": [{"lot": lot, "form": "bar", "mass_mg": m, "fineness": f} for lot, m, f in outputs],
        }
        return self.sign(holder, "lot.transformed", inputs[0], data)

    def export(self, holder: str, lot: str, *, destination: str = "CH") -> SignedEvent:
        """`lot.exported`."""
        data = {"lot": lot, "declaration": f"DAM-{lot}", "destination": destination}
        return self.sign(holder, "lot.exported", lot, data)


def shipment_of(event: SignedEvent) -> str:
    """The shipment id of a `lot.shipped` event."""
    shipment: str = event.raw["data"]["shipment"]
    return shipment


def apply(state: State, *events: SignedEvent) -> list[Outcome]:
    """Fold events into the state, returning the outcomes."""
    outcomes = []
    for signed in events:
        outcome = decide(state, signed)
        evolve(state, outcome)
        outcomes.append(outcome)
    return outcomes


def accept(state: State, *events: SignedEvent) -> list[Accepted]:
    """Fold events that must all be accepted; fail loudly on the first that is not."""
    accepted = []
    for signed in events:
        outcome = decide(state, signed)
        assert isinstance(outcome, Accepted), f"{signed.event.type} {signed.id}: {outcome}"
        evolve(state, outcome)
        accepted.append(outcome)
    return accepted


def world_state(scenario: Scenario) -> State:
    """A state holding the standard world, every registry event accepted."""
    state = initial_state(scenario.anchor())
    accept(state, *scenario.world())
    return state


def refusal(state: State, signed: SignedEvent) -> str:
    """The reason code `decide` rejects an event with (fails when it is not rejected); state unchanged."""
    outcome = decide(state, signed)
    assert isinstance(outcome, Rejected), f"expected a rejection of {signed.event.type}, got {outcome}"
    assert len(outcome.detail) > 20, outcome.detail  # a sentence a person can act on
    assert outcome.detail.endswith((".", ")")), outcome.detail
    return outcome.code


def findings_of(state: State, signed: SignedEvent) -> list[str]:
    """Accept an event and return the codes of its findings."""
    (accepted,) = accept(state, signed)
    return [finding.code for finding in accepted.findings]
