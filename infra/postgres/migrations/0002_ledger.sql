-- The ledger's projections of goldtrace.events.accepted and goldtrace.events.rejected (services/ledger):
-- lots with their current state, the provenance graph, findings, rejections, the transparency log and its
-- signed tree heads, and the ledger's own consumer offsets (written in the same transaction as the rows).
--
-- `events` (0001) keeps one row per event id with the best outcome known: an accepted record replaces a row that
-- was stored as rejected (the id was refused once, then a genuine event with that id was accepted), never the
-- other way round. Every rejection, whatever its id, is also kept in `rejections`.

ALTER TABLE events ADD COLUMN IF NOT EXISTS registry_position bigint CHECK (registry_position >= 0);
ALTER TABLE events ADD COLUMN IF NOT EXISTS decided_at timestamptz;

-- Current state of every lot, as the custody processor last decided it (`state` is events.custody Lot.to_json).
CREATE TABLE IF NOT EXISTS lots (
    lot              text PRIMARY KEY,
    custodian        text,
    status           text NOT NULL,
    lot_class        text NOT NULL,
    mass_mg          bigint NOT NULL,
    fineness         text NOT NULL,
    fine_mg          bigint,
    state            jsonb NOT NULL,
    last_event_id    text NOT NULL REFERENCES events (event_id),
    last_leaf_index  bigint NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS lots_custodian_idx ON lots (custodian) WHERE custodian IS NOT NULL;

-- Provenance graph: each lot made by a transformation, with each of its input lots and the event that made it.
CREATE TABLE IF NOT EXISTS lot_inputs (
    lot        text NOT NULL,
    input_lot  text NOT NULL,
    event_id   text NOT NULL REFERENCES events (event_id),
    process    text NOT NULL,
    PRIMARY KEY (lot, input_lot)
);
CREATE INDEX IF NOT EXISTS lot_inputs_input_idx ON lot_inputs (input_lot);

-- Hand-offs: each shipment of a lot, and its receipt once accepted (the receiver's weight prevails).
CREATE TABLE IF NOT EXISTS shipments (
    lot                text NOT NULL,
    shipment           text NOT NULL,
    sender             text NOT NULL,
    receiver           text NOT NULL,
    shipped_mg         bigint NOT NULL,
    shipped_event_id   text NOT NULL REFERENCES events (event_id),
    shipped_at         timestamptz NOT NULL,
    received_mg        bigint,
    received_event_id  text REFERENCES events (event_id),
    received_at        timestamptz,
    PRIMARY KEY (lot, shipment)
);
CREATE INDEX IF NOT EXISTS shipments_receiver_idx ON shipments (receiver);

-- Findings for the auditor. `event_id` is the accepted event whose decision raised it (null for findings that
-- become due with time); `ordinal` is its place in that event's list, so a finding is stored once.
CREATE TABLE IF NOT EXISTS findings (
    finding_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          text NOT NULL,
    severity      text NOT NULL,
    lot           text,
    organization  text,
    mine          text,
    event_id      text REFERENCES events (event_id),
    ordinal       integer NOT NULL DEFAULT 0,
    event_ids     text[] NOT NULL,
    figures       jsonb NOT NULL,
    detail        text NOT NULL,
    event_time    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, ordinal)
);
CREATE INDEX IF NOT EXISTS findings_organization_time_idx ON findings (organization, event_time);
CREATE INDEX IF NOT EXISTS findings_time_idx ON findings (event_time);
CREATE INDEX IF NOT EXISTS findings_lot_idx ON findings (lot) WHERE lot IS NOT NULL;
CREATE INDEX IF NOT EXISTS findings_mine_time_idx ON findings (mine, event_time) WHERE mine IS NOT NULL;
CREATE INDEX IF NOT EXISTS findings_event_ids_idx ON findings USING gin (event_ids);

-- Every refusal, kept forever: the event object as submitted (`body`), or the bytes when they were not a JSON
-- object that PostgreSQL can hold (`raw`). One row per (digest of what was refused, reason code).
CREATE TABLE IF NOT EXISTS rejections (
    rejection_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest        bytea NOT NULL CHECK (octet_length(digest) = 32),
    code          text NOT NULL,
    detail        text NOT NULL,
    event_id      text,
    type          text,
    source        text,
    subject       text,
    body          jsonb,
    raw           bytea,
    topic         text NOT NULL,
    decided_by    text,
    decided_at    timestamptz,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (digest, code),
    CHECK (body IS NOT NULL OR raw IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS rejections_event_id_idx ON rejections (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS rejections_source_time_idx ON rejections (source, recorded_at);
CREATE INDEX IF NOT EXISTS rejections_code_time_idx ON rejections (code, recorded_at);

-- The transparency log (RFC 9162): leaf i is the i-th accepted event the ledger read, indexes dense from 0.
-- leaf_hash = SHA-256(0x00 || SHA-256("goldtrace/leaf/v1\n" || event_digest || registry_position as 8 bytes BE)).
CREATE TABLE IF NOT EXISTS log_leaves (
    leaf_index         bigint PRIMARY KEY CHECK (leaf_index >= 0),
    event_id           text NOT NULL UNIQUE REFERENCES events (event_id),
    event_digest       bytea NOT NULL CHECK (octet_length(event_digest) = 32),
    registry_position  bigint NOT NULL CHECK (registry_position >= 0),
    leaf_hash          bytea NOT NULL CHECK (octet_length(leaf_hash) = 32)
);

-- Hash of every complete perfect subtree: 2^level leaves starting at leaf position * 2^level (level 0 = leaves).
-- Complete subtrees never change, so a root or proof of any tree size needs O(log n) rows of this table.
CREATE TABLE IF NOT EXISTS log_nodes (
    level     smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
    position  bigint NOT NULL CHECK (position >= 0),
    hash      bytea NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (level, position)
);

-- Signed tree heads (events/treehead.py), one per tree size; `timestamp` is the exact text that was signed.
CREATE TABLE IF NOT EXISTS tree_heads (
    tree_size  bigint PRIMARY KEY CHECK (tree_size >= 0),
    root_hash  bytea NOT NULL CHECK (octet_length(root_hash) = 32),
    timestamp  text NOT NULL,
    signed_at  timestamptz NOT NULL,
    keyid      text NOT NULL,
    signature  text NOT NULL
);
CREATE INDEX IF NOT EXISTS tree_heads_signed_at_idx ON tree_heads (signed_at);

-- Where the ledger resumes each topic partition: the next offset to read, committed with the rows it produced.
CREATE TABLE IF NOT EXISTS ledger_offsets (
    topic        text NOT NULL,
    partition    integer NOT NULL CHECK (partition >= 0),
    next_offset  bigint NOT NULL CHECK (next_offset >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);
