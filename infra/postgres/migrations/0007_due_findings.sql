-- Findings that become due with time (services/ledger/audit_clock.py): a shipment not received within the
-- receipt window, a certified lot held past its certificate's end. The audit clock writes them with event_id NULL
-- and a `due_key` (`<code>/<lot>/<shipment or certificate>`), unique, so each is stored once whatever the number
-- of ticks, restarts, replays or ledgers running.
ALTER TABLE findings ADD COLUMN IF NOT EXISTS due_key text;
CREATE UNIQUE INDEX IF NOT EXISTS findings_due_key_idx ON findings (due_key) WHERE due_key IS NOT NULL;

-- What the clock reads on every tick: open shipments by age, and the certificates' events.
CREATE INDEX IF NOT EXISTS shipments_open_idx ON shipments (shipped_at) WHERE received_event_id IS NULL;
CREATE INDEX IF NOT EXISTS events_certificate_idx ON events (type) WHERE type LIKE 'certificate.%';
