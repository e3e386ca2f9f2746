"""Attacks with signed events, through the live pipeline (gateway, two custody workers, ledger): each is refused with
its reason code, kept, and changes nothing. SECURITY.md points here for each mitigation.

- a replay of an accepted event under a new id: without the signer's key (the signature breaks), and re-signed by the
  signer itself (the custody rules refuse a second effect);
- a revoked key used after its revocation, also for an event signed before the revocation but sent after;
- one participant's key signing as another;
- a certificate forged by a non-certifier, and a lot that claims it; registry changes by someone not the authority;
- an insider at the operator who edits an accepted event in PostgreSQL: the lot's bundle no longer verifies offline;
- an insider who writes a forged event straight to the inbound topic, stamped as checked by the gateway: custody takes
  the gateway's word by default (SECURITY.md, "Who checks a signature") and logs it, but the query service's replay
  refuses it and no bundle is served; with GOLDTRACE_CUSTODY_SIGNATURES=verify custody refuses it itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from events.anchor import sign_anchor
from events.bundle_verify import BundleVerdict, verify_bundle
from events.codec import SignedEvent, decode_event, decode_object
from events.custody import fold, initial_state
from events.custody.outcome import Rejected
from events.keys import derive_key_id, generate_private_key, write_private_key
from events.signing import load_public_key, public_key_b64, sign_event
from services.common import records
from services.common.partitioning import inbound_partitions, partitioner
from services.common.settings import PipelineSettings
from services.query.app import create_app as query_app
from services.sandbox.processes import Workers
from tests.integration.client import final_status, submit
from tests.unit.events.scenario import (
    ECO_ASMO,
    ECO_CERT,
    ECO_MINE,
    FM_ASMO,
    TRADER,
    UNCERTIFIED_ASMO,
    UNCERTIFIED_MINE,
    Scenario,
    shipment_of,
)

pytestmark = pytest.mark.integration

NO_ROLE = "role.missing"


def with_new_id(signed: SignedEvent, event_id: str) -> SignedEvent:
    """The same event under another id, signature untouched (what a replayer without the key can do)."""
    raw = orjson.loads(orjson.dumps(signed.raw))
    raw["id"] = event_id
    return decode_object(raw)


def resigned(scenario: Scenario, signed: SignedEvent, event_id: str) -> SignedEvent:
    """The same event re-signed by its own signer under another id (what a replaying signer can do)."""
    raw = signed.raw
    signer = raw["source"].removeprefix("/participants/")
    return scenario.sign(signer, raw["type"], raw["subject"], raw["data"], time=raw["time"], event_id=event_id)


def signed_as(scenario: Scenario, source: str, key_of: str, data: dict[str, Any]) -> SignedEvent:
    """A `lot.extracted` naming `source` as its signer, signed (validly) with a key of `key_of`."""
    key = scenario.signer(key_of)
    unsigned = {
        "specversion": "1.0",
        "id": "impostor-1",
        "source": f"/participants/{source}",
        "type": "lot.extracted",
        "subject": data["lot"],
        "time": scenario.now(),
        "datacontenttype": "application/json",
        "keyid": key.keyid,
        "data": data,
    }
    return decode_event(orjson.dumps(sign_event(unsigned, key.private_key)))


async def lots(database_url: str) -> dict[str, dict[str, Any]]:
    """The ledger's lot states."""
    db = await asyncpg.connect(database_url)
    try:
        return {r["lot"]: orjson.loads(r["state"]) for r in await db.fetch("SELECT lot, state FROM lots")}
    finally:
        await db.close()


def with_log_key(pipeline: PipelineSettings, workers: Workers) -> PipelineSettings:
    """A log key for the ledger (written where Workers.start_ledger points it), and the query's settings for it."""
    log_key = generate_private_key()
    write_private_key(workers.logs / "log.pem", log_key)
    keyid = derive_key_id(log_key.public_key())
    return replace(
        pipeline,
        stack=replace(pipeline.stack, ledger_port=workers.ledger_port),
        log_keyid=keyid,
        log_public_key=public_key_b64(log_key),
        anchor_signature=sign_anchor(pipeline.anchor, keyid, log_key),
    )


async def served(settings: PipelineSettings, lot: str, log_size: int) -> tuple[httpx.Response, dict[str, Any]]:
    """The lot's bundle answer and its provenance, as the query service serves them once a head covers the log."""
    app = query_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://query") as query,
    ):
        async with asyncio.timeout(30):  # the ledger signs a head every 0.5 s while the log grows
            while True:
                head = await query.get("/v1/log/head")
                if head.status_code == 200 and head.json()["tree_size"] >= log_size:
                    break
                await asyncio.sleep(0.2)
        bundle = await query.get(f"/v1/lots/{lot}/bundle")
        provenance = (await query.get(f"/v1/lots/{lot}/provenance")).json()
    return bundle, provenance


def offline(settings: PipelineSettings, document: bytes, lot: str) -> BundleVerdict:
    """`goldtrace verify`'s check of a bundle: the log key alone."""
    return verify_bundle(document, load_public_key(settings.log_public_key), settings.log_keyid, lot=lot)


async def test_replays_revoked_keys_impersonation_forged_certificates_and_database_edits_are_caught(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers
) -> None:
    query_settings = with_log_key(pipeline, workers)
    await asyncio.to_thread(workers.start_ledger)
    await asyncio.to_thread(workers.start, 0)
    await asyncio.to_thread(workers.start, 1)
    s = Scenario()
    extracted = s.extract(ECO_ASMO, "L1", ECO_MINE, 10_000, certificate=ECO_CERT)
    shipped = s.ship(ECO_ASMO, "L1", TRADER, 10_000, premium_usd="60.00")
    received = s.receive(TRADER, "L1", shipment_of(shipped), 10_000)
    signed_before_revocation = s.extract(ECO_ASMO, "L2", ECO_MINE, 10_000)
    history = [*s.world(), extracted, shipped, received]
    await submit(gateway, history)
    for signed in history:
        assert (await final_status(gateway, signed.id))["status"] == "accepted"
    before = await lots(pipeline.database_url)

    new_key, new_signer = s.add_key(ECO_ASMO, f"{ECO_ASMO}:2")
    revocation = s.revoke_key(ECO_ASMO, f"{ECO_ASMO}:1")
    await submit(gateway, [new_key, revocation])
    assert (await final_status(gateway, revocation.id))["status"] == "accepted"
    with_revoked_key = s.extract(ECO_ASMO, "L3", ECO_MINE, 10_000)  # still the old key: s.signers is not updated
    s.signers[ECO_ASMO] = new_signer
    impostor = signed_as(s, ECO_ASMO, FM_ASMO, {**extracted.raw["data"], "lot": "L4"})
    forged_certificate = s.certificate("cert-forged", UNCERTIFIED_ASMO, [UNCERTIFIED_MINE], by=TRADER)
    attacks: dict[str, tuple[SignedEvent, str, str]] = {  # event, who refuses it, reason code
        "replay under a new id without the key": (with_new_id(received, "replay-1"), "gateway", "signature.invalid"),
        "the receiver replays its receipt": (resigned(s, received, "replay-2"), "custody", "receipt.not_in_transit"),
        "the miner replays its extraction": (resigned(s, extracted, "replay-3"), "custody", "lot.id_reused"),
        "the seller replays its shipment": (resigned(s, shipped, "replay-4"), "custody", "custody.not_custodian"),
        "a revoked key used after revocation": (with_revoked_key, "gateway", "key.revoked"),
        "signed before revocation, sent after": (signed_before_revocation, "gateway", "key.revoked"),
        "one participant's key signing as another": (impostor, "gateway", "key.wrong_participant"),
        "a certificate forged by a trader": (forged_certificate, "custody", NO_ROLE),
        "a trader revokes a miner's key": (s.revoke_key(ECO_ASMO, f"{ECO_ASMO}:2", by=TRADER), "custody", NO_ROLE),
        "a trader registers an authority": (s.register("arm-2", ["authority"], by=TRADER), "custody", NO_ROLE),
    }
    claims = {
        "a lot under the forged certificate": s.extract(
            UNCERTIFIED_ASMO, "L5", UNCERTIFIED_MINE, 10_000, certificate="cert-forged"
        ),
        "a lot under another holder's certificate": s.extract(
            UNCERTIFIED_ASMO, "L6", UNCERTIFIED_MINE, 10_000, certificate=ECO_CERT
        ),
    }
    kernel = fold(initial_state(s.anchor()), [*history, new_key, revocation, *(a[0] for a in attacks.values())])
    for (what, (_, _, code)), outcome in zip(attacks.items(), kernel[-len(attacks) :], strict=True):
        assert isinstance(outcome, Rejected), what
        assert outcome.code == code, (what, outcome.code)

    answers = await submit(gateway, [a[0] for a in attacks.values()], all_queued=False)
    await submit(gateway, list(claims.values()))
    for (what, (signed, by, code)), answer in zip(attacks.items(), answers, strict=True):
        assert answer["status"] == ("rejected" if by == "gateway" else "queued"), (what, answer)
        status = await final_status(gateway, signed.id)
        assert (status["status"], status["error"]["code"], status["refused_by"]) == ("rejected", code, by), what
    claimed = {what: (await final_status(gateway, e.id))["error"]["code"] for what, e in claims.items()}
    assert claimed == {
        "a lot under the forged certificate": "certificate.unknown",
        "a lot under another holder's certificate": "certificate.not_holder",
    }
    assert await lots(pipeline.database_url) == before, "no attack changed any lot"

    accepted = len(history) + 2  # the new key and the revocation
    bundle, provenance = await served(query_settings, "L1", accepted)
    assert bundle.status_code == 200, bundle.text
    assert provenance["verified"]
    assert offline(query_settings, bundle.content, "L1").verified
    await insider_edit(pipeline.database_url, extracted.id)
    refused, provenance = await served(query_settings, "L1", accepted)
    assert (refused.status_code, refused.json()["error"]) == (409, "lot.no_bundle"), refused.text
    assert not provenance["verified"]
    first_refused = next((e["id"], e["code"]) for e in provenance["events"] if e["outcome"] != "accepted")
    assert first_refused == (extracted.id, "signature.invalid"), "the service's own replay catches the edit"
    edited = offline(query_settings, bundle.content.replace(b'"mass_mg":10000', b'"mass_mg":20000', 1), "L1")
    assert not edited.verified, "and a bundle served with the edit fails offline"
    assert [failure.code for failure in edited.failures] == ["bundle.inclusion_invalid"], edited.failures


async def insider_edit(database_url: str, event_id: str) -> None:
    """What an insider with the database can do: make an accepted extraction twice as heavy."""
    db = await asyncpg.connect(database_url)
    try:
        await db.execute(
            "UPDATE events SET body = jsonb_set(body, '{data,mass_mg}', '20000') WHERE event_id = $1", event_id
        )
    finally:
        await db.close()


async def forge_on_inbound(pipeline: PipelineSettings, s: Scenario, lot: str, registry_at: int) -> str:
    """Write an extraction with a signature no key made straight to the inbound topic, stamped as the gateway would
    stamp a checked one (what an insider with the topic, or a compromised gateway, can do); return its id."""
    genuine = s.extract(ECO_ASMO, lot, ECO_MINE, 10_000)
    forged = {**genuine.raw, "signature": "A" * 86}
    record = records.inbound_event_record(forged, registry_at, s.now(), s.signer(ECO_ASMO).public_key)
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.kafka_bootstrap)
    await producer.start()
    try:
        partition = partitioner(inbound_partitions())(ECO_ASMO)
        await producer.send_and_wait(
            pipeline.topics.inbound, records.encode(record), key=ECO_ASMO.encode(), partition=partition
        )
    finally:
        await producer.stop()
    return genuine.id


@pytest.mark.parametrize("custody_signatures", ["gateway", "verify"])
async def test_a_forged_event_written_straight_to_the_inbound_topic_never_verifies(
    gateway: httpx.AsyncClient, pipeline: PipelineSettings, workers: Workers, custody_signatures: str
) -> None:
    query_settings = with_log_key(pipeline, workers)
    workers.env["GOLDTRACE_CUSTODY_SIGNATURES"] = custody_signatures
    await asyncio.to_thread(workers.start_ledger)
    await asyncio.to_thread(workers.start, 0)
    s = Scenario()
    history = s.world()
    await submit(gateway, history)
    for signed in history:
        assert (await final_status(gateway, signed.id))["status"] == "accepted"

    forged = await forge_on_inbound(pipeline, s, "L9", registry_at=len(history))
    status = await final_status(gateway, forged)
    if custody_signatures == "verify":
        assert (status["status"], status["error"]["code"], status["refused_by"]) == (
            "rejected",
            "signature.invalid",
            "custody",
        )
        assert "L9" not in await lots(pipeline.database_url)
        return
    assert status["status"] == "accepted", "custody took the gateway's stamp: the inbound topic is trusted"
    bundle, provenance = await served(query_settings, "L9", len(history) + 1)
    assert (bundle.status_code, bundle.json()["error"]) == (409, "lot.no_bundle"), bundle.text
    assert not provenance["verified"]
    refused = [(e["id"], e["code"]) for e in provenance["events"] if e["outcome"] != "accepted"]
    assert refused == [(forged, "signature.invalid")], "the query service's replay checks every signature"
