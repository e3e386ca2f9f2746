"""Refusals in a lot's provenance over the real season: the refused event's own time, its signer's registered name,
and a lot that only a refused transformation claimed to make (found by its outputs, not by subject)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from services.query.api_models import LotProvenance
from services.query.web.formats import Formats
from tests.integration.query.conftest import Played
from tests.integration.query.season import ECO_LOT, REFUSED_LOT, REFUSED_OUTPUT
from tests.unit.events.scenario import TRADER, UNCERTIFIED_ASMO

pytestmark = pytest.mark.integration

UNREADABLE_LOT = "LOT-T"


async def provenance(played: Played, lot: str) -> LotProvenance:
    """The lot's provenance document, validated against the published model."""
    answer = await played.query.get(f"/v1/lots/{lot}/provenance")
    assert answer.status_code == 200, answer.text
    return LotProvenance.model_validate(answer.json())


async def test_a_refusal_carries_the_time_its_event_says_and_its_signer_is_named(played: Played) -> None:
    document = await provenance(played, REFUSED_LOT)
    (refusal,) = document.refusals
    refused = played.season.refused
    assert refusal.time == refused.raw["time"]  # as signed, not when the pipeline refused it
    assert refusal.outputs == []
    assert refusal.signer == UNCERTIFIED_ASMO
    assert document.names.participants[UNCERTIFIED_ASMO]["name"] == "Linda 2"
    assert document.names.participants[UNCERTIFIED_ASMO]["roles"] == ["asmo"]
    assert document.events == []  # the signer's registration names it, it is not an event of the lot


async def test_a_lot_only_a_refused_transformation_claimed_is_found_unverified(played: Played) -> None:
    document = await provenance(played, REFUSED_OUTPUT)
    melt = played.season.refused_melt
    assert not document.verified
    assert (document.state, document.provenance, document.events) == (None, None, [])
    (refusal,) = document.refusals
    assert (refusal.event_id, refusal.type, refusal.subject) == (melt.id, "lot.transformed", ECO_LOT)
    assert refusal.outputs == [REFUSED_OUTPUT]
    assert refusal.time == melt.raw["time"]
    (reason,) = document.reasons
    assert reason.code == "verdict.refused"
    assert melt.id in reason.detail
    assert refusal.code in reason.detail
    assert f"No accepted event creates lot {REFUSED_OUTPUT!r}" in reason.detail
    assert document.names.participants[TRADER]["name"] == "Aurum Trading"
    assert (await played.query.get(f"/v1/lots/{REFUSED_OUTPUT}")).status_code == 404  # no row: never accepted
    bundle = await played.query.get(f"/v1/lots/{REFUSED_OUTPUT}/bundle")
    assert (bundle.status_code, bundle.json()["error"]) == (409, "lot.no_bundle")


async def test_an_accepted_lot_lists_the_refused_melt_and_names_its_signer_outside_the_replay(played: Played) -> None:
    document = await provenance(played, ECO_LOT)
    assert document.verified
    assert document.reasons == []
    (refusal,) = document.refusals
    assert (refusal.event_id, refusal.outputs) == (played.season.refused_melt.id, [REFUSED_OUTPUT])
    assert document.names.participants[TRADER]["name"] == "Aurum Trading"
    registrations = {e.subject for e in document.events if e.type == "participant.registered"}
    assert TRADER not in registrations  # named for the page only: the verdict and the bundle are unchanged
    bundle = (await played.query.get(f"/v1/lots/{ECO_LOT}/bundle")).json()
    assert {entry["event"]["id"] for entry in bundle["entries"]} == {e.id for e in document.events}


async def test_a_refused_record_without_a_readable_time_has_time_null(played: Played) -> None:
    # The ledger keeps any refused object with its reason; this one names a lot but its `time` is no timestamp.
    event: dict[str, Any] = {"id": "ev-unreadable-time", "type": "lot.extracted", "subject": UNREADABLE_LOT}
    event |= {"source": f"/participants/{UNCERTIFIED_ASMO}", "time": "yesterday", "data": {"lot": UNREADABLE_LOT}}
    record = {"event": event, "code": "event.schema", "detail": "`time` is no timestamp.", "by": "custody"}
    record["decided_at"] = "2026-03-09T10:00:00Z"
    await produce(played.settings.kafka_bootstrap, played.settings.topics.rejected, orjson.dumps(record))
    answer = await until_found(played.query, f"/v1/lots/{UNREADABLE_LOT}/provenance")
    document = LotProvenance.model_validate(answer.json())
    (refusal,) = document.refusals
    assert refusal.time is None
    assert refusal.decided_at == "2026-03-09T10:00:00Z"
    assert not document.verified


@pytest.mark.parametrize(("lot", "signer"), [(REFUSED_LOT, "Linda 2"), (REFUSED_OUTPUT, "Aurum Trading")])
async def test_the_page_of_a_refused_lot_names_the_signer_and_dates_the_event(
    played: Played, lot: str, signer: str
) -> None:
    page = await played.query.get(f"/verify/{lot}?lang=en")
    assert page.status_code == 200, page.text
    refused = played.season.refused if lot == REFUSED_LOT else played.season.refused_melt
    assert signer in page.text
    assert Formats("en").day(refused.raw["time"]) in page.text


async def produce(bootstrap: str, topic: str, value: bytes) -> None:
    """Append one record to a topic."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()


async def until_found(query: httpx.AsyncClient, path: str, seconds: float = 30.0) -> httpx.Response:
    """Ask until the answer is 200 (the ledger stores the record within a second or so)."""
    async with asyncio.timeout(seconds):
        while True:
            answer = await query.get(path)
            if answer.status_code == 200:
                return answer
            assert answer.status_code == 404, answer.text
            await asyncio.sleep(0.1)
