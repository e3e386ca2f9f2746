-- The gateway's claim on event ids: an id belongs to the first event (by digest) submitted with it, across
-- every signer and partition. `published` turns true once the event is on Kafka, so a retry after a failed
-- publish sends it again instead of reporting a duplicate that was never queued.

CREATE TABLE IF NOT EXISTS submissions (
    event_id     text PRIMARY KEY CHECK (event_id ~ '^[A-Za-z0-9._:-]{1,128}$'),
    digest       bytea NOT NULL CHECK (octet_length(digest) = 32),
    signer       text NOT NULL,
    type         text NOT NULL,
    published    boolean NOT NULL DEFAULT false,
    received_at  timestamptz NOT NULL DEFAULT now()
);
