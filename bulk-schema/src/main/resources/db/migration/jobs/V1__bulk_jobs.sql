-- Bulk jobs, their tasks (one per account x user) and idempotency keys.
-- Owner: api-gateway (creates, cancels, publishes). The bulk-worker sets a task's outcome and the
-- job's counters with conditional updates.

CREATE TABLE bulk_jobs (
    id                   uuid PRIMARY KEY,
    portfolio_id         uuid        NOT NULL,
    type                 text        NOT NULL CHECK (type IN ('INVITE_USERS', 'UPDATE_ROLES', 'REMOVE_ACCESS', 'OFFBOARD_USERS')),
    status               text        NOT NULL CHECK (status IN ('QUEUED', 'IN_PROGRESS', 'COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED')),
    requested_by_user_id uuid        NOT NULL,
    requested_by_email   text        NOT NULL,
    total                integer     NOT NULL CHECK (total >= 0),
    pending              integer     NOT NULL CHECK (pending >= 0),
    succeeded            integer     NOT NULL DEFAULT 0 CHECK (succeeded >= 0),
    skipped              integer     NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    failed               integer     NOT NULL DEFAULT 0 CHECK (failed >= 0),
    cancelled            integer     NOT NULL DEFAULT 0 CHECK (cancelled >= 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    started_at           timestamptz,
    completed_at         timestamptz,
    -- Bumped on every change: the ETag of the job's status.
    version              bigint      NOT NULL DEFAULT 0,
    CONSTRAINT counts_add_up CHECK (pending + succeeded + skipped + failed + cancelled = total)
);
CREATE INDEX bulk_jobs_by_portfolio ON bulk_jobs (portfolio_id, created_at DESC, id DESC);
CREATE INDEX bulk_jobs_finished ON bulk_jobs (completed_at) WHERE completed_at IS NOT NULL;

-- seq orders tasks for the relay (the outbox is "published_at IS NULL"; there is no second copy)
-- and for listing a job's tasks.
CREATE TABLE bulk_tasks (
    id            uuid PRIMARY KEY,
    seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    job_id        uuid        NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
    portfolio_id  uuid        NOT NULL,
    account_id    uuid        NOT NULL,
    user_id       uuid,
    email         text,
    action        text        NOT NULL CHECK (action IN ('INVITE', 'CHANGE_ROLE', 'REMOVE')),
    role          text,
    language      text,
    expires_at    timestamptz,
    status        text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'SKIPPED', 'FAILED', 'CANCELLED')),
    reason        text,
    error         text,
    attempts      integer     NOT NULL DEFAULT 0,
    previous_role text,
    published_at  timestamptz,
    applied_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (user_id IS NOT NULL OR email IS NOT NULL)
);
CREATE INDEX bulk_tasks_by_job ON bulk_tasks (job_id, seq);
CREATE INDEX bulk_tasks_by_job_status ON bulk_tasks (job_id, status, seq);
CREATE INDEX bulk_tasks_unpublished ON bulk_tasks (seq) WHERE published_at IS NULL;

-- An Idempotency-Key is scoped to a portfolio. job_id is set in the same transaction that
-- creates the job, so a committed key always names its job.
CREATE TABLE idempotency_keys (
    portfolio_id uuid        NOT NULL,
    key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text        NOT NULL,
    job_id       uuid        NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
