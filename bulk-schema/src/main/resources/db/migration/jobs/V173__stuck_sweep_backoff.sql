-- The stuck-task sweep's memory of a job: how many sweeps in a row found it without progress, and its
-- pending count at the last one. A job still without progress waits twice as long before each next
-- sweep (at most 16 periods), so that an outage of the workers does not send every pending task again
-- at each period; progress brings the period back. Owner: api-gateway.
ALTER TABLE bulk_jobs
    ADD COLUMN stuck_sweeps  integer NOT NULL DEFAULT 0,
    ADD COLUMN stuck_pending integer;
