-- The unfinished jobs, oldest first: for the age of the oldest pending task (a metric read every
-- scrape) without reading the finished jobs, which are nearly all of them.
CREATE INDEX bulk_jobs_unfinished ON bulk_jobs (created_at) WHERE status IN ('QUEUED', 'IN_PROGRESS');
