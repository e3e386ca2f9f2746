"""The SQL of the ledger's batch transaction (parameterised only; see store.py for the order it runs in)."""

from __future__ import annotations

from typing import Final

OFFSETS_SQL: Final = "SELECT topic, partition, next_offset FROM ledger_offsets"
KNOWN_EVENTS: Final = "SELECT event_id, digest, outcome FROM events WHERE event_id = ANY($1::text[])"
EVENT_COLUMNS: Final = (
    "event_id", "digest", "type", "source", "subject", "event_time", "outcome", "body", "decided_at",
    "registry_position",
)  # fmt: skip
ACCEPT_REJECTED: Final = """
    UPDATE events
       SET digest = $2, type = $3, source = $4, subject = $5, event_time = $6, outcome = 'accepted',
           reason_code = NULL, reason = NULL, body = $7::jsonb, decided_at = $8, registry_position = $9,
           recorded_at = now()
     WHERE event_id = $1 AND outcome = 'rejected'
"""
INSERT_REJECTED_EVENTS: Final = """
    INSERT INTO events (event_id, digest, type, source, subject, event_time, outcome, reason_code, reason, body,
                        decided_at)
    SELECT r.event_id, r.digest, r.type, r.source, r.subject, r.event_time, 'rejected', r.code, r.detail,
           r.body::jsonb, r.decided_at
    FROM unnest($1::text[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
                $8::text[], $9::text[], $10::timestamptz[])
         AS r(event_id, digest, type, source, subject, event_time, code, detail, body, decided_at)
    ON CONFLICT (event_id) DO NOTHING
"""
INSERT_REJECTIONS: Final = """
    INSERT INTO rejections (digest, code, detail, event_id, type, source, subject, body, raw, topic, decided_by,
                            decided_at)
    SELECT r.digest, r.code, r.detail, r.event_id, r.type, r.source, r.subject, r.body::jsonb, r.raw, r.topic,
           r.decided_by, r.decided_at
    FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::bytea[], $10::text[], $11::text[], $12::timestamptz[])
         AS r(digest, code, detail, event_id, type, source, subject, body, raw, topic, decided_by, decided_at)
    ON CONFLICT (digest, code) DO NOTHING
"""
UPSERT_LOTS: Final = """
    INSERT INTO lots AS l (lot, custodian, status, lot_class, mass_mg, fineness, fine_mg, state, last_event_id,
                           last_leaf_index, updated_at)
    SELECT t.lot, t.custodian, t.status, t.lot_class, t.mass_mg, t.fineness, t.fine_mg, t.state::jsonb,
           t.last_event_id, t.last_leaf_index, $11
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::text[],
                $9::text[], $10::bigint[])
         AS t(lot, custodian, status, lot_class, mass_mg, fineness, fine_mg, state, last_event_id, last_leaf_index)
    ON CONFLICT (lot) DO UPDATE
       SET custodian = EXCLUDED.custodian, status = EXCLUDED.status, lot_class = EXCLUDED.lot_class,
           mass_mg = EXCLUDED.mass_mg, fineness = EXCLUDED.fineness, fine_mg = EXCLUDED.fine_mg,
           state = EXCLUDED.state, last_event_id = EXCLUDED.last_event_id,
           last_leaf_index = EXCLUDED.last_leaf_index, updated_at = EXCLUDED.updated_at
       WHERE l.last_leaf_index < EXCLUDED.last_leaf_index
"""
INSERT_INPUTS: Final = """
    INSERT INTO lot_inputs (lot, input_lot, event_id, process)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
    ON CONFLICT (lot, input_lot) DO NOTHING
"""
INSERT_SHIPPED: Final = """
    INSERT INTO shipments (lot, shipment, sender, receiver, shipped_mg, shipped_event_id, shipped_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                         $7::timestamptz[])
    ON CONFLICT (lot, shipment) DO NOTHING
"""
RECORD_RECEIPTS: Final = """
    UPDATE shipments s SET received_mg = t.received_mg, received_event_id = t.event_id, received_at = t.received_at
      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[])
           AS t(lot, shipment, received_mg, event_id, received_at)
     WHERE s.lot = t.lot AND s.shipment = t.shipment AND s.received_event_id IS NULL
"""
UPSERT_OFFSETS: Final = """
    INSERT INTO ledger_offsets AS o (topic, partition, next_offset, updated_at)
    SELECT t, p, n, now() FROM unnest($1::text[], $2::int[], $3::bigint[]) AS x(t, p, n)
    ON CONFLICT (topic, partition) DO UPDATE
       SET next_offset = greatest(o.next_offset, EXCLUDED.next_offset), updated_at = now()
"""
FINDING_COLUMNS: Final = (
    "code", "severity", "lot", "organization", "mine", "event_id", "ordinal", "event_ids", "figures", "detail",
    "event_time", "created_at",
)  # fmt: skip
