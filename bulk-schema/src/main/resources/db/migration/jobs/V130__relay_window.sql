-- How many of a job's tasks the relay has sent (each task once: a task sent again is not counted again).
-- With the job's counters it tells how many sent tasks are not ended yet, relayed_tasks - (total -
-- pending), which the relay keeps under bulk.gateway.relay.max-in-flight. Jobs running when this
-- migration runs start at 0: the relay sees fewer tasks in flight than there are, and sends on.
-- A constant default: a metadata-only change, no table rewrite.
ALTER TABLE bulk_jobs ADD COLUMN relayed_tasks bigint NOT NULL DEFAULT 0;
