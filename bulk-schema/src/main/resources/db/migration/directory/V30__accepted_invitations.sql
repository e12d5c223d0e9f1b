-- The accepted invitations still to be logged: an acceptance notes each membership it made active here,
-- in its own transaction, and the worker publishes an INVITATION_ACCEPTED activity event for each row
-- and deletes it (an outbox). An acceptance so never waits for Kafka, and no entry is logged for an
-- acceptance that did not commit. Owner: bulk-worker.
CREATE TABLE accepted_invitations (
    account_id   uuid        NOT NULL,
    user_id      uuid        NOT NULL,
    -- The job whose invitation it was (the nil UUID for one no job of this service made).
    job_id       uuid        NOT NULL,
    portfolio_id uuid        NOT NULL,
    email        text        NOT NULL,
    role         text        NOT NULL,
    accepted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id, job_id)
);
CREATE INDEX accepted_invitations_by_age ON accepted_invitations (accepted_at);
