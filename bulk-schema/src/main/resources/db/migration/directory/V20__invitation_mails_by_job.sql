-- The sender claims a due message of a job that has finished. Its queue was one index on
-- next_attempt_at, scanned past every message of running jobs at each poll (all of them: an
-- invitation of 100,000 people made each poll read 100,000 rows until the job ended). Now it finds the
-- jobs with pending messages one index probe each, skips the running ones, and reads the due messages
-- of a finished job in order from this index.
CREATE INDEX invitation_mails_pending_by_job ON invitation_mails (job_id, next_attempt_at) WHERE status = 'PENDING';
DROP INDEX invitation_mails_due;
