-- The custody processor's state, per inbound partition, written in one transaction with the partition's next
-- offset (so a crash at any point neither loses nor repeats an effect). `lot_claims` makes lot ids unique across
-- partitions: the first accepted event that creates a lot id owns it.

CREATE TABLE IF NOT EXISTS custody_partitions (
    topic              text NOT NULL,
    partition          integer NOT NULL,
    next_offset        bigint NOT NULL DEFAULT 0,
    registry_position  bigint NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

CREATE TABLE IF NOT EXISTS custody_lots (
    topic      text NOT NULL,
    partition  integer NOT NULL,
    lot        text NOT NULL,
    state      jsonb NOT NULL,
    PRIMARY KEY (topic, partition, lot)
);

CREATE TABLE IF NOT EXISTS custody_tallies (
    topic      text NOT NULL,
    partition  integer NOT NULL,
    key        text NOT NULL,
    fine_mg    bigint NOT NULL,
    PRIMARY KEY (topic, partition, key)
);

CREATE TABLE IF NOT EXISTS custody_seen (
    topic      text NOT NULL,
    partition  integer NOT NULL,
    event_id   text NOT NULL,
    digest     bytea NOT NULL,
    PRIMARY KEY (topic, partition, event_id)
);

CREATE TABLE IF NOT EXISTS custody_parked (
    topic      text NOT NULL,
    partition  integer NOT NULL,
    lot        text NOT NULL,
    records    jsonb NOT NULL,
    PRIMARY KEY (topic, partition, lot)
);

CREATE TABLE IF NOT EXISTS lot_claims (
    topic      text NOT NULL,
    lot        text NOT NULL,
    event_id   text NOT NULL,
    PRIMARY KEY (topic, lot)
);
