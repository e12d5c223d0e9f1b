-- task_dead_letters_by_time, made again, and task_dead_letters_not_redriven_by_time hold the task dead
-- letters newest first, by when they were recorded and then by id, for the worker's listing of them
-- (GET /internal/dead-letters, DeadLetterStore.page): all of them, and those no operator has re-driven
-- yet (?redriven=false).
--
-- Why. The listing answered the newest 500 dead letters and no more, and a re-driven one stays listed
-- until the retention deletes it 30 days after its re-drive: after an incident of more than 500 (task
-- rows restored from an older backup, say) the older ones could not be listed, nor re-driven. Now the
-- listing pages with a cursor on (recorded_at, id): each page is read in the index's order from where
-- the previous one ended, without the sort the index of before (id ascending within a time) needed,
-- and the ones not re-driven are read without the re-driven ones in between.
--
-- Built without CONCURRENTLY, as the indexes before them (Flyway runs each migration in a
-- transaction, which CONCURRENTLY cannot run in): the worker's recording and re-driving of dead letters
-- wait while they are built (the table is read, but not the large record values PostgreSQL stores
-- apart), and so do listings of them.
DROP INDEX task_dead_letters_by_time;
CREATE INDEX task_dead_letters_by_time ON task_dead_letters (recorded_at DESC, id DESC);
CREATE INDEX task_dead_letters_not_redriven_by_time ON task_dead_letters (recorded_at DESC, id DESC)
    WHERE redriven_at IS NULL;
