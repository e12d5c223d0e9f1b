-- Invitation e-mails: an outbox with one row per (job, invitee), written in the transaction that
-- creates the invitations. Owner: bulk-worker (writes the rows, sends the mails, marks them).
--
-- A membership remembers the job whose invitation it is (invitation_job_id), so that the message of
-- a (job, invitee) names exactly that job's invitations, and its token accepts exactly those. A
-- resend moves the membership to the resend job: the older message's token no longer finds it.

ALTER TABLE memberships ADD COLUMN invitation_job_id uuid;

CREATE TABLE invitation_mails (
    id              uuid PRIMARY KEY,
    job_id          uuid        NOT NULL,
    user_id         uuid        NOT NULL REFERENCES users (id),
    email           text        NOT NULL,
    language        text        NOT NULL,
    portfolio_id    uuid        NOT NULL,
    inviter_email   text        NOT NULL,
    -- The secret of the message's accept link: accepts every pending invitation of the job for the invitee.
    token           text        NOT NULL UNIQUE,
    status          text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'CANCELLED')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (job_id, user_id)
);
-- The sender's queue: due messages, oldest first.
CREATE INDEX invitation_mails_due ON invitation_mails (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX memberships_by_invitation_job ON memberships (invitation_job_id, user_id) WHERE state = 'INVITED';
