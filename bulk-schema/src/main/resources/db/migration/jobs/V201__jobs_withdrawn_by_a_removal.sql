-- Who withdrew a job: the removal of the portfolio user who submitted it (an administrator's removal or
-- role change, the identity provider's deprovisioning, the hourly run) cancels their unfinished jobs and
-- names itself here, in the same transaction; an administrator's ordinary cancel leaves the columns
-- empty. The worker holds the invitation e-mails of a withdrawn job as it holds those of a running one,
-- and revokes the invitations the job applied before it was cancelled (an INVITATION_REVOKED entry by
-- the withdrawer each), then ends its e-mails CANCELLED.
--
-- Why. The worker sent a job's e-mails once the job was no longer QUEUED or IN_PROGRESS, so the
-- removal's cancellation released the e-mails of the invitations the job had applied: a fired Admin's
-- invitation of an outsider as ADMIN was mailed after the removal, naming them, and its link made the
-- outsider ADMIN. The actor columns are stored as directory.account_link_changes stores an actor.
ALTER TABLE bulk_jobs
    ADD COLUMN withdrawn_by_user_id uuid,
    ADD COLUMN withdrawn_by_email text,
    ADD COLUMN withdrawn_by_kind text;
CREATE INDEX bulk_jobs_withdrawn ON bulk_jobs (id) WHERE withdrawn_by_kind IS NOT NULL;
