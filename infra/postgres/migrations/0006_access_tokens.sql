-- Access tokens of the query service (services/query/audit/auth.py): the operator issues them with
-- `goldtrace token issue` and revokes them with `goldtrace token revoke`. The token text `gt_<token_id>_<secret>`
-- is shown once and never stored: only SHA-256 of it is kept, compared in constant time on every request.
-- `role` is `auditor` (reads every organization's records) or `participant` (reads only its own).

CREATE TABLE IF NOT EXISTS access_tokens (
    token_id      text PRIMARY KEY CHECK (token_id ~ '^[0-9a-f]{12}$'),
    participant   text NOT NULL CHECK (participant ~ '^[A-Za-z0-9._:-]{1,128}$'),
    role          text NOT NULL CHECK (role IN ('auditor', 'participant')),
    token_sha256  bytea NOT NULL CHECK (octet_length(token_sha256) = 32),
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE INDEX IF NOT EXISTS access_tokens_participant_idx ON access_tokens (participant);
