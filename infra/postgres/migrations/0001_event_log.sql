-- The ledger's event log: every event the custody processor decided on, accepted or rejected, kept forever.
-- Later migrations add lots, the provenance graph, findings and the transparency log.

CREATE TABLE IF NOT EXISTS events (
    event_id     text PRIMARY KEY CHECK (event_id ~ '^[A-Za-z0-9._:-]{1,128}$'),
    digest       bytea NOT NULL CHECK (octet_length(digest) = 32),
    type         text NOT NULL,
    source       text NOT NULL,
    subject      text NOT NULL,
    event_time   timestamptz NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    reason_code  text,
    reason       text,
    body         jsonb NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((outcome = 'rejected') = (reason_code IS NOT NULL))
);

CREATE INDEX IF NOT EXISTS events_subject_idx ON events (subject);
CREATE INDEX IF NOT EXISTS events_source_idx ON events (source);
