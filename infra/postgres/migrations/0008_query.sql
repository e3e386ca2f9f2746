-- Indexes for the query service's reads (services/query/upstream_reads.py): a lot's upstream graph walks
-- lot_inputs by event (the other inputs of a transformation), and a lot's refusals are found by subject.

CREATE INDEX IF NOT EXISTS lot_inputs_event_idx ON lot_inputs (event_id);
CREATE INDEX IF NOT EXISTS rejections_subject_idx ON rejections (subject) WHERE subject IS NOT NULL;
