-- The link changes still to be logged: a link or unlink notes each account it changed here, in its own
-- transaction, and with an unlink each pending invitation of the portfolio it ended there; the worker
-- publishes an activity event per row (ACCOUNT_LINKED, ACCOUNT_UNLINKED, INVITATION_REVOKED) and deletes
-- it (an outbox, as accepted_invitations). A change so never waits for Kafka, no entry is logged for a
-- change that did not commit, and each one that did is logged once: its row keeps the event id that
-- every publication of it carries. Owner: bulk-worker.
CREATE TABLE account_link_changes (
    event_id     uuid        PRIMARY KEY,
    account_id   uuid        NOT NULL,
    portfolio_id uuid        NOT NULL,
    action       text        NOT NULL,
    actor_id     uuid        NOT NULL,
    actor_email  text        NOT NULL,
    actor_kind   text        NOT NULL,
    -- An ended invitation's: its invitee, the role it offered (and a custom role's name as the unlink
    -- found it: a close deletes the portfolio's roles right after), the job that made it; null for a
    -- link change.
    user_id      uuid,
    email        text,
    role         text,
    role_name    text,
    job_id       uuid,
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX account_link_changes_by_age ON account_link_changes (changed_at);
