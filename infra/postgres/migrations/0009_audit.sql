-- Indexes for the audit API's reads (services/query/audit): a participant's own events newest first (keyset pages
-- on event_time, event_id) and an organization's extractions and transformations in a period walk events by signer
-- and time; its sales, outgoing flows and open shipments walk shipments by sender. The composite index replaces
-- events_source_idx (its prefix serves every lookup by source), so the ledger maintains no more indexes than before.

CREATE INDEX IF NOT EXISTS events_source_time_idx ON events (source, event_time, event_id);
DROP INDEX IF EXISTS events_source_idx;
CREATE INDEX IF NOT EXISTS shipments_sender_time_idx ON shipments (sender, shipped_at);
