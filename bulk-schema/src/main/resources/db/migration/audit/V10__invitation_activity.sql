-- Invitations resent, revoked (by a job) and expired (by the worker's expiry sweep, with no job of
-- its own: job_id is then the job that sent the invitation, task_id the entry's event id).
ALTER TABLE activity_log DROP CONSTRAINT activity_log_action_check;
ALTER TABLE activity_log ADD CONSTRAINT activity_log_action_check CHECK (action IN (
    'USER_INVITED', 'ROLE_CHANGED', 'ACCESS_REMOVED', 'INVITATION_RESENT', 'INVITATION_REVOKED', 'INVITATION_EXPIRED'));
