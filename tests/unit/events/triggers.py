"""One trigger per reason code an event can meet on its way through goldtrace, and the codes it cannot meet.

A trigger builds, from a `TriggerScenario` of its own (every id it makes starts with `<code>:`), the events it
needs -- extra registry events, then custody history, all expected accepted -- and the offending item last: a
signed event, or raw bytes for a decode code. Triggers only read the standard world (`Scenario.world()`): keys
are revoked, certificates suspended and capacities crossed only on the trigger's own participants, mines and
certificates, and masses stay small enough that all triggers together stay below every shared mine's capacity
and every shared ASMO's productivity threshold. So the world can be submitted once, then every trigger's
registry events, histories and offending items run through one pipeline together.

A partitioned processor decides an event with its signer's partition only: `shares_partition` names the
participants that must land in one inbound partition for it to reach the kernel's code.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from events.codec import MAX_BATCH_BYTES, MAX_BATCH_EVENTS, SignedEvent, decode_event
from events.model.envelope import MAX_EVENT_BYTES
from events.reasons import CATALOGUE, Kind
from tests.unit.events.scenario import (
    CERTIFIER,
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    FM_CERT,
    FM_MINE,
    JEWELLER,
    REFINER,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    Signer,
)

# Whole kinds of codes no event can meet, and why.
EXCLUDED_KINDS: Final[dict[Kind, str]] = {
    "key file": "raised reading or writing private-key files (events/keys.py, the CLI); no event carries a key file",
    "log": "raised checking transparency-log proofs and tree heads; never the outcome of an event",
    "bundle": "raised verifying a provenance bundle offline (events/bundle_verify.py); never the outcome of an event",
    "verdict": "why a lot's provenance is not verified (events/verdict.py), derived from outcomes; never an outcome",
}

# Codes of the other kinds no event can meet, and why.
EXCLUDED_CODES: Final[dict[str, str]] = {
    "key.malformed": "an event's public keys must match the schema's 32-byte canonical base64url pattern, so a "
    "malformed key is refused by decoding (event.schema) before any key is loaded",
    "signature.malformed": "an event's signature must match the schema's 64-byte canonical base64url pattern, so a "
    "malformed signature is refused by decoding (event.schema) before it is verified",
    "shipment.not_received": "clock-dependent: due_findings(state, now) reports it as time passes, no event does",
    "lot.held_past_certificate": "clock-dependent: due_findings(state, now) reports it as time passes, no event does",
}


@dataclass
class TriggerScenario(Scenario):
    """A Scenario whose default event ids carry a prefix; `id(name)` prefixes lot, shipment and other ids."""

    prefix: str = ""

    def id(self, name: str) -> str:
        """A name made unique to this trigger."""
        return f"{self.prefix}{name}"

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
        """Sign as Scenario does, with a prefixed default event id."""
        event_id = event_id or self.id(f"ev-{self.counter:05d}")
        return super().sign(by, event_type, subject, data, time=time, event_id=event_id)


@dataclass(frozen=True, slots=True)
class Built:
    """What a trigger needs: extra registry events and custody history (all accepted), then the offending item."""

    offending: SignedEvent | bytes
    registry: tuple[SignedEvent, ...] = ()
    history: tuple[SignedEvent, ...] = ()


Make = Callable[[TriggerScenario], Sequence[SignedEvent] | bytes]
"""Builds the events in log order, the offending one last; or the offending bytes of a decode code."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """How to meet one code; decode bytes go whole as the request body, or as an item of a JSON array."""

    code: str
    make: Make
    whole_body: bool = False
    shares_partition: tuple[str, ...] = ()

    @property
    def kind(self) -> Kind:
        """The code's kind in the catalogue."""
        return CATALOGUE[self.code].kind

    @property
    def prefix(self) -> str:
        """What every id this trigger makes starts with."""
        return f"{self.code}:"

    def build(self) -> Built:
        """Build the trigger's events from a fresh scenario of its own."""
        made = self.make(TriggerScenario(prefix=self.prefix))
        if isinstance(made, bytes):
            return Built(made)
        *before, offending = made
        registry = tuple(e for e in before if is_registry(e))
        assert list(registry) == before[: len(registry)], f"{self.code}: registry events come before the history"
        return Built(offending, registry, tuple(before[len(registry) :]))


def is_registry(signed: SignedEvent) -> bool:
    """Registry events (participants, keys, mines, certificates) as opposed to custody (`lot.*`) events."""
    return not signed.event.type.startswith("lot.")


# -- helpers --------------------------------------------------------------------------------------------------------


def extracted(s: TriggerScenario, mass_mg: int = 10_000, **options: Any) -> SignedEvent:
    """`<prefix>lot` extracted by CECOMIP at its own mine."""
    return s.extract(ECO_ASMO, s.id("lot"), ECO_MINE, mass_mg, **options)


def shipped(s: TriggerScenario, mass_mg: int = 10_000, asmo: str = ECO_ASMO, mine: str = ECO_MINE) -> list[SignedEvent]:
    """`<prefix>lot` extracted (uncertified) and shipped to the trader as `<prefix>shipment`."""
    lot = s.id("lot")
    return [s.extract(asmo, lot, mine, mass_mg), s.ship(asmo, lot, TRADER, mass_mg, shipment=s.id("shipment"))]


def received(s: TriggerScenario, mass_mg: int, by: str = TRADER) -> SignedEvent:
    """`<prefix>lot` received from `<prefix>shipment`."""
    return s.receive(by, s.id("lot"), s.id("shipment"), mass_mg)


def melted(s: TriggerScenario, inputs: list[str], mass_mg: int, fineness: str) -> SignedEvent:
    """CECOMIP melts its lots `inputs` (unprefixed names) into `<prefix>bar`."""
    return s.transform(ECO_ASMO, [s.id(lot) for lot in inputs], [(s.id("bar"), mass_mg, fineness)])


def signed_with(s: TriggerScenario, keyid: str) -> SignedEvent:
    """An extraction by CECOMIP naming the key id `keyid` (signed with a key made for it)."""
    s.signers[ECO_ASMO] = s.new_signer(ECO_ASMO, keyid)
    return extracted(s)


def tampered(signed: SignedEvent) -> SignedEvent:
    """The event with its mass changed after signing."""
    raw = copy.deepcopy(signed.raw)
    raw["data"]["mass_mg"] += 1
    return decode_event(orjson.dumps(raw))


def revoked(s: TriggerScenario, role: str, members: tuple[int, int] | None = None) -> list[SignedEvent]:
    """A participant `<prefix><role>` registered, and its only key revoked by the authority."""
    participant = s.id(role)
    return [s.register(participant, [role], members=members), s.revoke_key(participant, f"{participant}:1")]


def in_status(s: TriggerScenario, status: str) -> list[SignedEvent]:
    """CECOMIP's own certificate `<prefix>cert` issued for its mine, then suspended or withdrawn; a lot claims it."""
    cert = s.id("cert")
    issued = s.certificate(cert, ECO_ASMO, [ECO_MINE], standard="fairmined-ecological")
    return [issued, s.certificate_status(cert, status), extracted(s, certificate=cert)]


def unsigned(signed: SignedEvent) -> dict[str, Any]:
    """The event without its signature."""
    return {name: value for name, value in signed.raw.items() if name != "signature"}


def event_bytes(s: TriggerScenario) -> bytes:
    """A valid signed extraction as JSON bytes (carrying the trigger's event id), to spoil."""
    return orjson.dumps(extracted(s).raw)


def spoiled(s: TriggerScenario, old: bytes, new: bytes) -> bytes:
    """A valid event's bytes with one piece replaced."""
    data = event_bytes(s)
    assert old in data, old
    return data.replace(old, new, 1)


MASS: Final = b'"mass_mg":10000'
DORE: Final = "doré".encode()

_TABLE: Final[tuple[Trigger, ...]] = (
    # -- decoding: the bytes are not a well-formed v1 event ---------------------------------------------------------
    Trigger("event.too_large", lambda s: event_bytes(s) + b" " * MAX_EVENT_BYTES, whole_body=True),
    Trigger("event.invalid_utf8", lambda s: spoiled(s, DORE, "doré".encode("latin-1")), whole_body=True),
    Trigger("event.malformed_json", lambda s: event_bytes(s)[:-1], whole_body=True),
    Trigger("event.lone_surrogate", lambda s: spoiled(s, DORE, b"dor\\ud800")),
    Trigger("event.duplicate_key", lambda s: spoiled(s, MASS, MASS + b',"mass_mg":20000')),
    Trigger("event.non_finite_number", lambda s: spoiled(s, MASS, b'"mass_mg":NaN')),
    Trigger("event.float", lambda s: spoiled(s, MASS, b'"mass_mg":10000.5')),
    Trigger("event.integer_out_of_range", lambda s: spoiled(s, MASS, b'"mass_mg":9007199254740992')),
    Trigger("event.too_deep", lambda s: spoiled(s, MASS, MASS + b',"x":' + b"[" * 10 + b"]" * 10)),
    Trigger("event.null_value", lambda s: spoiled(s, b'"mercury_free":true', b'"mercury_free":null')),
    Trigger("event.not_object", lambda s: orjson.dumps(f"{s.id('event')} is a string, not an event")),
    Trigger("event.schema", lambda s: spoiled(s, b'"mine":', b'"mine_":')),
    Trigger("event.unsigned", lambda s: orjson.dumps(unsigned(extracted(s))), whole_body=True),
    Trigger("batch.not_array", lambda s: b'{"events":[' + event_bytes(s) + b"]}", whole_body=True),
    Trigger("batch.too_large", lambda s: b"[" + event_bytes(s) + b" " * MAX_BATCH_BYTES + b"]", whole_body=True),
    Trigger(
        "batch.too_many_events",
        lambda s: b"[" + b",".join([event_bytes(s)] * (MAX_BATCH_EVENTS + 1)) + b"]",
        whole_body=True,
    ),
    # -- signatures and keys --------------------------------------------------------------------------------------
    Trigger("key.unknown", lambda s: [signed_with(s, s.id("never-registered"))]),
    Trigger("key.wrong_participant", lambda s: [signed_with(s, f"{TRADER}:1")]),
    Trigger(
        "key.revoked",
        lambda s: [*revoked(s, "asmo", members=(1, 1)), s.extract(s.id("asmo"), s.id("lot"), ECO_MINE, 10_000)],
    ),
    Trigger("signature.invalid", lambda s: [tampered(extracted(s))]),
    # -- registry rules -------------------------------------------------------------------------------------------
    Trigger("participant.already_registered", lambda s: [s.register(TRADER, ["trader"])]),
    Trigger("participant.unknown", lambda s: [s.add_key(s.id("nobody"), s.id("nobody:2"))[0]]),
    Trigger("participant.members_required", lambda s: [s.register(s.id("asmo"), ["asmo"])]),
    Trigger("key.id_taken", lambda s: [s.add_key(TRADER, f"{ECO_ASMO}:1")[0]]),
    Trigger("revocation.unknown_key", lambda s: [s.revoke_key(ECO_ASMO, f"{TRADER}:1")]),
    Trigger(
        "revocation.already_revoked", lambda s: [*revoked(s, "trader"), s.revoke_key(s.id("trader"), s.id("trader:1"))]
    ),
    Trigger("revocation.own_signing_key", lambda s: [s.revoke_key(TRADER, f"{TRADER}:1", by=TRADER)]),
    Trigger("mine.already_registered", lambda s: [s.mine(ECO_MINE, ECO_ASMO)]),
    Trigger("mine.operator_not_asmo", lambda s: [s.mine(s.id("pit"), TRADER)]),
    Trigger("certificate.already_issued", lambda s: [s.certificate(ECO_CERT, ECO_ASMO, [ECO_MINE])]),
    Trigger("certificate.holder_not_asmo", lambda s: [s.certificate(s.id("cert"), TRADER, [ECO_MINE])]),
    Trigger("certificate.mine_not_of_holder", lambda s: [s.certificate(s.id("cert"), FM_ASMO, [FM_MINE, ECO_MINE])]),
    Trigger(
        "certificate.not_issuer",
        lambda s: [s.register(s.id("cb"), ["certifier"]), s.certificate_status(ECO_CERT, "suspended", by=s.id("cb"))],
    ),
    Trigger("certificate.invalid_transition", lambda s: [s.certificate_status(ECO_CERT, "reinstated")]),
    # -- custody rules: identity, roles, extraction -------------------------------------------------------------------
    Trigger(
        "event.id_conflict",
        lambda s: [first := extracted(s), s.extract(ECO_ASMO, s.id("other"), ECO_MINE, 10_000, event_id=first.id)],
    ),
    Trigger("role.missing", lambda s: [s.extract(TRADER, s.id("lot"), ECO_MINE, 10_000)]),
    Trigger("role.cannot_hold_gold", lambda s: [extracted(s), s.assay(CERTIFIER, s.id("lot"), "860")]),
    Trigger("mine.unknown", lambda s: [s.extract(ECO_ASMO, s.id("lot"), s.id("secret-pit"), 10_000)]),
    Trigger("extraction.not_operator", lambda s: [s.extract(FM_ASMO, s.id("lot"), ECO_MINE, 10_000)]),
    Trigger("extraction.no_fine_gold", lambda s: [extracted(s, 999, fineness="1")]),
    Trigger("extraction.unknown_group", lambda s: [extracted(s, contributions=[(s.id("strangers"), 10_000)])]),
    Trigger("lot.id_reused", lambda s: [extracted(s), extracted(s)]),
    Trigger("certificate.unknown", lambda s: [extracted(s, certificate=s.id("forged-cert"))]),
    Trigger("certificate.not_holder", lambda s: [extracted(s, certificate=FM_CERT)]),
    Trigger(
        "certificate.mine_not_covered",
        lambda s: [
            s.mine(s.id("pit"), ECO_ASMO),
            s.extract(ECO_ASMO, s.id("lot"), s.id("pit"), 10_000, certificate=ECO_CERT),
        ],
    ),
    Trigger("certificate.is_suspended", lambda s: in_status(s, "suspended")),
    Trigger("certificate.is_withdrawn", lambda s: in_status(s, "withdrawn")),
    Trigger(
        "certificate.not_valid_at_time", lambda s: [extracted(s, certificate=ECO_CERT, time="2025-12-31T23:00:00Z")]
    ),
    Trigger("certificate.mercury_used", lambda s: [extracted(s, certificate=ECO_CERT, mercury_free=False)]),
    # -- custody rules: custody, assay, shipment, export --------------------------------------------------------------
    Trigger("lot.unknown", lambda s: [s.ship(ECO_ASMO, s.id("ghost"), TRADER, 10_000)]),
    Trigger(
        "lot.consumed",
        lambda s: [extracted(s), melted(s, ["lot"], 10_000, "850"), s.ship(ECO_ASMO, s.id("lot"), TRADER, 10_000)],
    ),
    Trigger("lot.in_transit", lambda s: [*shipped(s), s.ship(ECO_ASMO, s.id("lot"), REFINER, 10_000)]),
    Trigger(  # the refiner may hold gold; it must be decided in CECOMIP's partition, which holds the lot
        "custody.not_custodian",
        lambda s: [extracted(s), s.ship(REFINER, s.id("lot"), TRADER, 10_000)],
        shares_partition=(REFINER, ECO_ASMO),
    ),
    Trigger("assay.not_an_assayer", lambda s: [extracted(s), s.assay(ECO_ASMO, s.id("lot"), "860", assayer=TRADER)]),
    Trigger(  # 100 g at 800: 80,000 mg fine, ceiling 92,000 mg
        "assay.above_ceiling",
        lambda s: [extracted(s, 100_000, fineness="800"), s.assay(ECO_ASMO, s.id("lot"), "920.01")],
    ),
    Trigger("shipment.to_self", lambda s: [extracted(s), s.ship(ECO_ASMO, s.id("lot"), ECO_ASMO, 10_000)]),
    Trigger(
        "shipment.receiver_cannot_hold", lambda s: [extracted(s), s.ship(ECO_ASMO, s.id("lot"), CERTIFIER, 10_000)]
    ),
    Trigger(
        "export.already_declared",
        lambda s: [extracted(s), s.export(ECO_ASMO, s.id("lot")), s.export(ECO_ASMO, s.id("lot"))],
    ),
    # -- custody rules: receipt ---------------------------------------------------------------------------------------
    Trigger("receipt.not_in_transit", lambda s: [*shipped(s), received(s, 10_000), received(s, 10_000)]),
    Trigger("receipt.wrong_shipment", lambda s: [*shipped(s), s.receive(TRADER, s.id("lot"), s.id("other"), 10_000)]),
    Trigger(  # the jeweller may hold gold; it must be decided in the trader's partition, which holds the lot
        "receipt.not_receiver",
        lambda s: [*shipped(s), received(s, 10_000, by=JEWELLER)],
        shares_partition=(JEWELLER, TRADER),
    ),
    Trigger(  # 100 g at 850: 85,000 mg fine, ceiling 97,750 mg
        "receipt.above_ceiling", lambda s: [*shipped(s, 100_000), received(s, 115_002)]
    ),
    # -- custody rules: transformation --------------------------------------------------------------------------------
    Trigger(
        "transformation.mixed_classes",
        lambda s: [
            s.extract(ECO_ASMO, s.id("eco"), ECO_MINE, 10_000, certificate=ECO_CERT),
            s.extract(ECO_ASMO, s.id("plain"), ECO_MINE, 10_000),
            melted(s, ["eco", "plain"], 18_000, "900"),
        ],
    ),
    Trigger(  # 85,000 mg fine in: at most 85,425 mg out
        "transformation.fine_gold_gain", lambda s: [extracted(s, 100_000), melted(s, ["lot"], 85_426, "1000")]
    ),
    Trigger(  # assayed up to the ceiling, 92,000 mg fine; the gain is within the tolerance, not within the ceiling
        "transformation.above_ceiling",
        lambda s: [
            extracted(s, 100_000, fineness="800"),
            s.assay(ECO_ASMO, s.id("lot"), "920"),
            melted(s, ["lot"], 92_001, "1000"),
        ],
    ),
    # -- findings: accepted, and flagged ------------------------------------------------------------------------------
    Trigger(  # uncertified, so the shipment owes no premium
        "receipt.weight_mismatch",
        lambda s: [*shipped(s, 100_000, UNCERTIFIED_ASMO, UNCERTIFIED_MINE), received(s, 99_499)],
    ),
    Trigger(  # 85,000 mg fine in: the alert is below 82,450 mg out
        "transformation.high_loss", lambda s: [extracted(s, 100_000), melted(s, ["lot"], 82_449, "1000")]
    ),
    Trigger(
        "premium.missing",
        lambda s: [extracted(s, 100_000, certificate=ECO_CERT), s.ship(ECO_ASMO, s.id("lot"), TRADER, 100_000)],
    ),
    Trigger(  # USD 510.00 due for 85 g of ecological fine gold; 1 % short is 504.90
        "premium.below_rate",
        lambda s: [
            extracted(s, 100_000, certificate=ECO_CERT),
            s.ship(ECO_ASMO, s.id("lot"), TRADER, 100_000, premium_usd="504.89"),
        ],
    ),
    Trigger(
        "mine.over_capacity",
        lambda s: [
            s.mine(s.id("pit"), FM_ASMO, capacity_mg=1_000),
            s.extract(FM_ASMO, s.id("lot"), s.id("pit"), 1_001, fineness="1000"),
        ],
    ),
    Trigger(  # one miner may produce at most 31 days x 4 g = 124 g of fine gold a month
        "asmo.above_productivity",
        lambda s: [
            s.register(s.id("asmo"), ["asmo"], members=(0, 1)),
            s.mine(s.id("pit"), s.id("asmo"), capacity_mg=10**12),
            s.extract(s.id("asmo"), s.id("lot"), s.id("pit"), 200_000, fineness="1000"),
        ],
    ),
    Trigger(  # one registered pallaquera may sell at most 66 g a month; the ASMO's productivity allows 124 g
        "pallaqueras.above_monthly_limit",
        lambda s: [
            s.register(s.id("asmo"), ["asmo"], members=(1, 0), groups=[(s.id("pallaqueras"), "pallaqueras", 1, 0)]),
            s.mine(s.id("pit"), s.id("asmo"), capacity_mg=10**12),
            s.extract(
                s.id("asmo"),
                s.id("lot"),
                s.id("pit"),
                66_001,
                fineness="1000",
                contributions=[(s.id("pallaqueras"), 10_000)],
            ),
        ],
    ),
)

TRIGGERS: Final[dict[str, Trigger]] = {t.code: t for t in _TABLE}
