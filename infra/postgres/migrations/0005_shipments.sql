-- Shipments as the gateway saw them submitted (first event with a shipment id wins), so a receipt can be stamped
-- with whom its shipment was addressed to; and what a custody partition learned of shipments coming to it: handed
-- over (its hand-off was applied: a redelivered copy changes nothing) or refused by the sender's partition (its
-- receipts are decided at once instead of waiting for a hand-off that will never come).

CREATE TABLE IF NOT EXISTS submitted_shipments (
    shipment   text PRIMARY KEY,
    lot        text NOT NULL,
    sender     text NOT NULL,
    receiver   text NOT NULL,
    event_id   text NOT NULL
);

CREATE TABLE IF NOT EXISTS custody_shipment_marks (
    topic      text NOT NULL,
    partition  integer NOT NULL,
    shipment   text NOT NULL,
    mark       text NOT NULL CHECK (mark IN ('handed_over', 'refused')),
    PRIMARY KEY (topic, partition, shipment)
);
