-- Index for the query service's reads (services/query/upstream_reads.py): a lot that only a refused transformation
-- claimed to make is named by no subject (a transformation's subject is its first input), only by the refused
-- event's `data.outputs[].lot`; its page finds that refusal by containment,
--   body -> 'data' -> 'outputs' @> '[{"lot": "<lot>"}]'
-- Partial (refused transformations only) and jsonb_path_ops (hashes of path and value: small, containment only).
-- fastupdate off: a pending list would be scanned whole by every lookup; the ledger's inserts here are few.

CREATE INDEX IF NOT EXISTS rejections_outputs_idx ON rejections
    USING gin ((body -> 'data' -> 'outputs') jsonb_path_ops) WITH (fastupdate = off)
    WHERE type = 'lot.transformed';
