"""The buyer's API over a real season: a lot's state, its provenance verdict and its bundle, checked against the
kernel run over the submitted events and against the log's own proofs."""

from __future__ import annotations

import pytest

from events.bundle import Bundle
from events.bundle_verify import verify_bundle
from events.codec import decode_object
from events.log_entry import event_log_leaf_hash
from events.merkle import verify_inclusion
from events.signing import load_public_key
from events.treehead import verify_tree_head
from events.verdict import verify_lot
from services.query.api_models import BundleOut, LotProvenance, LotState
from tests.integration.query.conftest import Played
from tests.integration.query.season import BAR, ECO_LOT, ORE_LOTS, REFUSED_LOT
from tests.unit.events.scenario import CERTIFIER, FM_CERT, FM_MINE, JEWELLER, REFINER

pytestmark = pytest.mark.integration


async def test_a_lot_state_is_its_current_row(played: Played) -> None:
    answer = await played.query.get(f"/v1/lots/{BAR}")
    assert answer.status_code == 200, answer.text
    state = LotState.model_validate(answer.json())
    assert (state.custodian, state.status, state.lot_class) == (JEWELLER, "held", "fairmined")
    assert (state.mass_mg, state.fineness, state.fine_mg) == (298_000, "995", 296_510)
    consumed = LotState.model_validate((await played.query.get(f"/v1/lots/{ORE_LOTS[0]}")).json())
    assert (consumed.status, consumed.custodian) == ("consumed", REFINER)  # who consumed it


async def test_the_server_verdict_is_the_kernel_verdict_over_the_submitted_events(played: Played) -> None:
    answer = await played.query.get(f"/v1/lots/{BAR}/provenance")
    assert answer.status_code == 200, answer.text
    document = LotProvenance.model_validate(answer.json())
    offline = verify_lot(played.season.events, played.settings.anchor, BAR)
    assert document.verified
    assert offline.verified
    assert document.reasons == []
    assert [e.id for e in document.events] == [r.event_id for r in offline.events]
    assert document.provenance is not None
    assert document.provenance.model_dump() == offline.to_json()["provenance"]
    assert document.provenance.premium_paid_usd_cents > 0
    by_id = {event.id: event for event in played.season.events}
    for event in document.events:
        assert event.digest == by_id[event.id].digest.hex()
        assert event.outcome == "accepted"
        assert event.data == by_id[event.id].raw["data"]


async def test_the_provenance_names_the_graph_and_the_registry(played: Played) -> None:
    document = LotProvenance.model_validate((await played.query.get(f"/v1/lots/{BAR}/provenance")).json())
    edges = {(edge.lot, edge.input_lot, edge.process) for edge in document.graph.edges}
    assert edges == {(BAR, ORE_LOTS[0], "refining"), (BAR, ORE_LOTS[1], "refining")}
    assert document.graph.lots == sorted([BAR, *ORE_LOTS])
    assert document.names.participants[REFINER]["name"] == "Andes Refinery"
    assert document.names.participants[CERTIFIER]["roles"] == ["certifier"]  # who issued the certificate
    assert document.names.mines[FM_MINE]["region"] == "Puno"
    assert document.names.certificates[FM_CERT]["standard"] == "fairmined"
    assert document.names.certificates[FM_CERT]["status"] == "issued"
    assert document.state is not None
    assert document.state.custodian == JEWELLER
    assert document.refusals == []
    assay = next(event for event in document.events if event.type == "lot.assayed")
    assert assay.data["fineness"] == "851"
    leaves = [event.leaf_index for event in document.events]
    assert len(set(leaves)) == len(leaves)


async def test_a_womens_group_share_is_shown(played: Played) -> None:
    document = LotProvenance.model_validate((await played.query.get(f"/v1/lots/{ECO_LOT}/provenance")).json())
    assert document.verified
    assert document.provenance is not None
    assert document.provenance.lot_class == "fairmined-ecological"
    # 60 % from the bateadoras (21 women) and 40 % from the cooperatives (37 women of 179 members)
    assert 6_800 < document.provenance.women_share_bp < 6_900
    assert {share.name for share in document.provenance.contributors} == {"women", "men"}


async def test_a_lot_that_was_only_refused_is_unverified_with_the_refusal_in_words(played: Played) -> None:
    answer = await played.query.get(f"/v1/lots/{REFUSED_LOT}/provenance")
    assert answer.status_code == 200, answer.text
    document = LotProvenance.model_validate(answer.json())
    assert not document.verified
    assert document.provenance is None
    assert document.state is None
    assert document.events == []
    (refusal,) = document.refusals
    assert (refusal.event_id, refusal.type) == (played.season.refused.id, "lot.extracted")
    (reason,) = document.reasons
    assert reason.code == "verdict.refused"
    assert refusal.code in reason.detail
    assert played.season.refused.id in reason.detail
    bundle = await played.query.get(f"/v1/lots/{REFUSED_LOT}/bundle")
    assert (bundle.status_code, bundle.json()["error"]) == (409, "lot.no_bundle")
    assert (await played.query.get(f"/v1/lots/{REFUSED_LOT}")).status_code == 404


@pytest.mark.parametrize("suffix", ["", "/provenance", "/bundle"])
async def test_unknown_lots_are_404_and_malformed_ids_422(played: Played, suffix: str) -> None:
    unknown = await played.query.get(f"/v1/lots/NO-SUCH-LOT{suffix}")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "lot.not_found"
    assert "NO-SUCH-LOT" in unknown.json()["detail"]
    for malformed in ("bad%20lot", "x" * 129, "%C3%B1"):
        answer = await played.query.get(f"/v1/lots/{malformed}{suffix}")
        assert answer.status_code == 422, (malformed, answer.text)
        assert answer.json()["error"] == "request.invalid"


async def test_the_bundle_proves_every_event_of_the_verdict_offline(played: Played) -> None:
    answer = await played.query.get(f"/v1/lots/{BAR}/bundle")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == f'attachment; filename="goldtrace-bundle-{BAR}.json"'
    BundleOut.model_validate(answer.json())
    log_key = load_public_key(played.settings.log_public_key)
    checked = verify_bundle(answer.content, log_key, played.settings.log_keyid, lot=BAR)
    assert checked.verified, checked.failures
    assert checked.steps_passed == 6
    provenance = LotProvenance.model_validate((await played.query.get(f"/v1/lots/{BAR}/provenance")).json())
    bundle = Bundle.model_validate_json(answer.content)
    leaf_of = {event.id: event.leaf_index for event in provenance.events}
    assert [entry.event_id for entry in bundle.entries] == sorted(leaf_of, key=leaf_of.__getitem__)
    assert checked.verdict is not None
    assert [r.event_id for r in checked.verdict.events] == [event.id for event in provenance.events]
    head = verify_tree_head(bundle.tree_head, log_key, played.settings.log_keyid)
    for entry in bundle.entries:  # independently of verify_bundle: each leaf is in the signed tree
        leaf = event_log_leaf_hash(decode_object(entry.event).digest, entry.registry_position)
        proof = [bytes.fromhex(step) for step in entry.inclusion_proof]
        verify_inclusion(leaf, entry.leaf_index, head.tree_size, proof, head.root)


@pytest.mark.parametrize("lot", [ORE_LOTS[0], ECO_LOT])
async def test_bundles_of_a_consumed_lot_and_of_a_fresh_one_verify_offline(played: Played, lot: str) -> None:
    answer = await played.query.get(f"/v1/lots/{lot}/bundle")
    assert answer.status_code == 200, answer.text
    log_key = load_public_key(played.settings.log_public_key)
    checked = verify_bundle(answer.content, log_key, played.settings.log_keyid, lot=lot)
    assert checked.verified, checked.failures
    provenance = LotProvenance.model_validate((await played.query.get(f"/v1/lots/{lot}/provenance")).json())
    assert checked.verdict is not None
    assert checked.verdict.to_json()["provenance"] == provenance.model_dump()["provenance"]
