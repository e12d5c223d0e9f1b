-- An account's log also records when the account was linked to or unlinked from a portfolio (by its
-- Owner, or by closing the portfolio). Such an entry has no job, task or target user; event_id is the
-- id of that link change.
ALTER TABLE activity_log ALTER COLUMN job_id DROP NOT NULL;
ALTER TABLE activity_log ALTER COLUMN task_id DROP NOT NULL;
ALTER TABLE activity_log DROP CONSTRAINT activity_log_action_check;
ALTER TABLE activity_log ADD CONSTRAINT activity_log_action_check
    CHECK (action IN ('USER_INVITED', 'ROLE_CHANGED', 'ACCESS_REMOVED', 'ACCOUNT_LINKED', 'ACCOUNT_UNLINKED'));
ALTER TABLE activity_log ADD CONSTRAINT activity_log_job_entries_complete
    CHECK (action IN ('ACCOUNT_LINKED', 'ACCOUNT_UNLINKED') OR (job_id IS NOT NULL AND task_id IS NOT NULL));
