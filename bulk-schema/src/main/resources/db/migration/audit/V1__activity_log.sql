-- The per-account activity log. Owner: audit-consumer.
-- event_id is the task id of the applied change: a redelivered event inserts nothing.

CREATE TABLE activity_log (
    entry_id          uuid PRIMARY KEY,
    event_id          uuid        NOT NULL UNIQUE,
    account_id        uuid        NOT NULL,
    occurred_at       timestamptz NOT NULL,
    action            text        NOT NULL CHECK (action IN ('USER_INVITED', 'ROLE_CHANGED', 'ACCESS_REMOVED')),
    target_user_id    uuid,
    target_user_email text,
    previous_role     text,
    new_role          text,
    initiated_from    text        NOT NULL,
    actor_user_id     uuid        NOT NULL,
    actor_email       text        NOT NULL,
    portfolio_id      uuid        NOT NULL,
    job_id            uuid        NOT NULL,
    task_id           uuid        NOT NULL,
    summary           text        NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
-- Newest first per account, with a stable tie-break for cursor paging.
CREATE INDEX activity_log_by_account ON activity_log (account_id, occurred_at DESC, entry_id DESC);
