"""Pre-signed events for the pipeline bench: a registry, then custody batches that each stand on their own.

The cast: the authority ARM (an in-memory key: the private pipeline's trust anchor), a certification body, an assay
lab, four traders (one on each custody partition), a refiner and twenty ASMOs around Puno, each with a mine,
seventeen of them certified (Fairmined or Fairmined Ecological) and three still in certification.

Custody comes in groups of 28 events, one ASMO each: six lots extracted (with the women's group's share), assayed,
sold with the premium and received. Four go to the trader whose custody partition is the ASMO's, who melts them into
a bar, ships it to the refiner, who receives and refines it; two go to a trader on another partition (a hand-off
between partitions). A batch holds whole chains (a group cut at the end of a batch only loses its tail), so batches
may be sent concurrently in any order.

Why the melting trader shares the ASMO's partition: a transformation parked behind a receipt that waits for its
hand-off does not park the events acting on its outputs, so shipping the bar right after the melt is refused with
`lot.unknown` (services/custody/engine.py `_must_park`); the bench keeps to the flows the pipeline decides right.
Event times are 20 s apart, so a run stays within a month and far inside the receipt window.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events.canonical import signing_input
from events.custody.registry import TrustAnchor
from events.signing import b64url_encode, public_key_b64

AUTHORITY, CERTIFIER, LAB, REFINER = "arm", "fairmined-cb", "lab-puno", "andes-refinery"
TRADERS = ("aurum-trading", "inti-metales", "andes-bullion", "titicaca-trading")  # on every partition
PLACES = (
    "ananea", "rinconada", "cerro-lunar", "limata", "pampa-blanca", "chaquiminas", "untuca", "trapiche",
    "sandia", "cuyocuyo", "phara", "limbani", "patambuco", "quiaca", "crucero", "potoni", "macusani",
    "ollachea", "ayapata", "coasa",
)  # fmt: skip
UNCERTIFIED = 3  # the last three ASMOs are still in certification
LOTS_PER_BAR = 4
LOTS_ELSEWHERE = 2
GROUP_EVENTS = (LOTS_PER_BAR + LOTS_ELSEWHERE) * 4 + 4
SEASON_START = datetime(2026, 8, 3, 6, 0, tzinfo=UTC)
STEP = timedelta(seconds=20)
ASSAYED = "902.5"
PREMIUM_USD_PER_KG = {"fairmined": 4_000, "fairmined-ecological": 6_000}


@dataclass(frozen=True)
class Asmo:
    """A mining organization with one mine and, unless in certification, a certificate."""

    name: str
    mine: str
    standard: str | None

    @property
    def certificate(self) -> str | None:
        """Its certificate id (None while in certification)."""
        return None if self.standard is None else f"{self.name}-cert-2026"

    @property
    def women_group(self) -> str:
        """Its pallaqueras or bateadoras group."""
        return f"{self.name}-{'pallaqueras' if len(self.name) % 2 else 'bateadoras'}"


def asmos() -> list[Asmo]:
    """The twenty ASMOs, alternating standards, the last three uncertified."""
    found = []
    for n, place in enumerate(PLACES):
        certified = n < len(PLACES) - UNCERTIFIED
        standard = ("fairmined-ecological" if n % 3 == 0 else "fairmined") if certified else None
        found.append(Asmo(f"coop-{place}", f"{place}-mine", standard))
    return found


@dataclass(frozen=True)
class Triple:
    """What raw verification of one event needs: cached key object, raw signature, signing input."""

    public: Ed25519PublicKey
    signature: bytes
    message: bytes


@dataclass
class Season:
    """Signs events in order (ids `ev-0000001`..., 20 s apart); `partition_of` is the custody partitioner."""

    partition_of: Callable[[str], int]
    keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    triples: list[Triple] = field(default_factory=list)
    count: int = 0
    lots: int = 0
    keep_triples: int = 5_000

    def __post_init__(self) -> None:
        self.asmos = asmos()
        self._next_group = 0

    def key(self, participant: str) -> Ed25519PrivateKey:
        """The participant's in-memory key, made on first use."""
        if participant not in self.keys:
            self.keys[participant] = Ed25519PrivateKey.generate()
        return self.keys[participant]

    def anchor(self) -> TrustAnchor:
        """The authority's key: the only trust anchor of the private pipeline."""
        return TrustAnchor(AUTHORITY, f"{AUTHORITY}:1", public_key_b64(self.key(AUTHORITY)))

    def sign(self, signer: str, event_type: str, subject: str, data: dict[str, Any]) -> bytes:
        """One signed event, as the JSON bytes a client sends."""
        self.count += 1
        unsigned = {
            "specversion": "1.0",
            "id": f"ev-{self.count:07d}",
            "source": f"/participants/{signer}",
            "type": event_type,
            "subject": subject,
            "time": (SEASON_START + STEP * self.count).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "datacontenttype": "application/json",
            "keyid": f"{signer}:1",
            "data": data,
        }
        key = self.key(signer)
        message = signing_input(unsigned)
        signature = key.sign(message)
        if len(self.triples) < self.keep_triples:
            self.triples.append(Triple(key.public_key(), signature, message))
        return orjson.dumps({**unsigned, "signature": b64url_encode(signature)})

    # -- registry ---------------------------------------------------------------------------------------------
    def registry(self) -> list[bytes]:
        """Participants, mines and certificates, in an order the rules accept."""
        events = [self._register(AUTHORITY, ["authority"]), self._register(CERTIFIER, ["certifier"])]
        events.append(self._register(LAB, ["assayer"]))
        events.extend(self._register(trader, ["trader"]) for trader in TRADERS)
        events.append(self._register(REFINER, ["refiner"]))
        for asmo in self.asmos:
            events.append(self._register(asmo.name, ["asmo"], asmo))
            mine: dict[str, Any] = {
                "mine": asmo.mine,
                "operator": asmo.name,
                "name": asmo.mine.replace("-", " ").title(),
                "region": "Puno",
                "capacity_mg_per_month": 100_000_000,
            }
            events.append(self.sign(AUTHORITY, "mine.registered", asmo.mine, mine))
            if asmo.certificate is not None:
                certificate = {
                    "certificate": asmo.certificate,
                    "holder": asmo.name,
                    "standard": asmo.standard,
                    "mines": [asmo.mine],
                    "valid_from": "2026-01-01T00:00:00Z",
                    "valid_until": "2028-01-01T00:00:00Z",
                }
                events.append(self.sign(CERTIFIER, "certificate.issued", asmo.certificate, certificate))
        return events

    def _register(self, participant: str, roles: list[str], asmo: Asmo | None = None) -> bytes:
        data: dict[str, Any] = {
            "participant": participant,
            "name": participant.replace("-", " ").title(),
            "roles": roles,
            "country": "PE",
            "keys": [{"keyid": f"{participant}:1", "public_key": public_key_b64(self.key(participant))}],
        }
        if asmo is not None:
            kind = asmo.women_group.rsplit("-", 1)[1]
            data["members"] = {"women": 58, "men": 142}
            data["groups"] = [
                {"group": asmo.women_group, "kind": kind, "women": 21, "men": 0},
                {"group": f"{asmo.name}-members", "kind": "members", "women": 37, "men": 142},
            ]
        return self.sign(AUTHORITY, "participant.registered", participant, data)

    # -- custody ----------------------------------------------------------------------------------------------
    def batch(self, size: int) -> list[bytes]:
        """`size` custody events: whole groups, the last one cut short if it does not fit."""
        events: list[bytes] = []
        while len(events) < size:
            events.extend(itertools.islice(self._group(), size - len(events)))
        return events

    def _group(self) -> Iterator[bytes]:
        asmo = self.asmos[self._next_group % len(self.asmos)]
        self._next_group += 1
        home = self.partition_of(asmo.name)
        local = next((t for t in TRADERS if self.partition_of(t) == home), None)
        elsewhere = [t for t in TRADERS if t != local]
        inputs: list[tuple[str, int]] = []
        for n in range(LOTS_PER_BAR + LOTS_ELSEWHERE):
            self.lots += 1
            lot = f"{asmo.name}-lot-{self.lots}"
            mass = 15_000 + 7_919 * self.lots % 20_000  # 15-35 g of dore
            trader = local if local is not None and n < LOTS_PER_BAR else elsewhere[self.lots % len(elsewhere)]
            yield from self._lot_chain(asmo, trader, lot, mass)
            if trader == local:
                inputs.append((lot, mass - 40))
        if local is not None:  # (with no trader on the ASMO's partition, nobody melts)
            yield from self._bar_chain(asmo, local, inputs)

    def _lot_chain(self, asmo: Asmo, trader: str, lot: str, mass: int) -> Iterator[bytes]:
        share = 2_000 + self.lots % 3_000
        extraction: dict[str, Any] = {
            "lot": lot,
            "mine": asmo.mine,
            "form": "doré",
            "mass_mg": mass,
            "fineness": "850",
            "mercury_free": True,
            "contributions": [
                {"group": asmo.women_group, "share_bp": share},
                {"group": f"{asmo.name}-members", "share_bp": 10_000 - share},
            ],
        }
        if asmo.certificate is not None:
            extraction["certificate"] = asmo.certificate
        yield self.sign(asmo.name, "lot.extracted", lot, extraction)
        assay = {"lot": lot, "fineness": ASSAYED, "method": "fire assay", "assayer": LAB, "report_sha256": "ab" * 32}
        yield self.sign(asmo.name, "lot.assayed", lot, assay)
        shipment: dict[str, Any] = {"lot": lot, "shipment": f"{lot}-s1", "to": trader, "mass_mg": mass}
        if asmo.standard is not None:
            fine_g = mass * float(ASSAYED) / 1000 / 1000
            amount = math.ceil(fine_g * PREMIUM_USD_PER_KG[asmo.standard] / 1000 * 100) / 100
            shipment["premium"] = {"currency": "USD", "amount": f"{amount:.2f}"}
        yield self.sign(asmo.name, "lot.shipped", lot, shipment)
        yield self.sign(trader, "lot.received", lot, {"lot": lot, "shipment": f"{lot}-s1", "mass_mg": mass - 40})

    def _bar_chain(self, asmo: Asmo, trader: str, inputs: list[tuple[str, int]]) -> Iterator[bytes]:
        bar = f"{asmo.name}-bar-{self.lots}"
        mass = sum(m for _, m in inputs) - 200
        output = {"lot": bar, "form": "bar", "mass_mg": mass, "fineness": "900"}
        melt = {"process": "melting", "inputs": [lot for lot, _ in inputs], "outputs": [output]}
        yield self.sign(trader, "lot.transformed", inputs[0][0], melt)
        yield self.sign(
            trader, "lot.shipped", bar, {"lot": bar, "shipment": f"{bar}-s1", "to": REFINER, "mass_mg": mass}
        )
        yield self.sign(REFINER, "lot.received", bar, {"lot": bar, "shipment": f"{bar}-s1", "mass_mg": mass})
        fine = {"lot": f"{bar}-fine", "form": "grain", "mass_mg": mass * 900 // 1000 - 500, "fineness": "999.9"}
        refining = {"process": "refining", "inputs": [bar], "outputs": [fine]}
        yield self.sign(REFINER, "lot.transformed", bar, refining)


def body(events: list[bytes]) -> bytes:
    """A JSON array of events, as POST /v1/events takes it."""
    return b"[" + b",".join(events) + b"]"


def event_ids(events: list[bytes]) -> list[str]:
    """The ids of signed events (read back from their bytes)."""
    return [str(orjson.loads(raw)["id"]) for raw in events]
