-- The gateway marks a request's claims as published with one row per request instead of an UPDATE of every claim
-- (which wrote a new version of each row and its index entry: about a third of the gateway's PostgreSQL work).
-- A claim is published when its own flag says so (claims from before this migration, and claims re-published by a
-- later request after a crash) or when its request's publication row exists.
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS publication uuid;

CREATE TABLE IF NOT EXISTS publications (
    publication   uuid PRIMARY KEY,
    published_at  timestamptz NOT NULL DEFAULT now()
);
