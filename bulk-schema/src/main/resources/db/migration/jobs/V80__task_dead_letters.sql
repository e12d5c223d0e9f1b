-- The task records the bulk-worker sent to the dead-letter topic, one row per consumed record (its
-- topic, partition and offset): a batch delivered again publishes no dead letter twice, and an
-- operator re-drives a dead letter from here, once, with who did it and why.
-- Owner: api-gateway (migrates); written by the bulk-worker.

CREATE TABLE task_dead_letters (
    id               uuid PRIMARY KEY,
    source_topic     text        NOT NULL,
    source_partition integer     NOT NULL,
    source_offset    bigint      NOT NULL,
    record_key       text,
    record_value     bytea,
    task_id          uuid,
    reason           text        NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    -- Set once the broker acknowledged the dead letter; a redelivered record is published again only while null.
    published_at     timestamptz,
    redriven_at      timestamptz,
    redriven_by      text,
    redrive_reason   text,
    CONSTRAINT task_dead_letters_source UNIQUE (source_topic, source_partition, source_offset),
    CHECK ((redriven_at IS NULL) = (redriven_by IS NULL))
);
CREATE INDEX task_dead_letters_by_time ON task_dead_letters (recorded_at DESC, id);
