-- A consumed record is named by its position and its timestamp: once the task topic started over
-- (Kafka lost its data, or the topic was made again) its offsets count from 0 again, and a record at
-- the position of an earlier record's dead letter is another record. Rows from before read -1, so a
-- record dead-lettered before this change and delivered again after it is sent once more.

-- Metadata-only for the column; the constraint's index is rebuilt over a small table.
ALTER TABLE task_dead_letters ADD COLUMN source_timestamp bigint NOT NULL DEFAULT -1;
ALTER TABLE task_dead_letters DROP CONSTRAINT task_dead_letters_source;
ALTER TABLE task_dead_letters
    ADD CONSTRAINT task_dead_letters_source
        UNIQUE (source_topic, source_partition, source_offset, source_timestamp);
