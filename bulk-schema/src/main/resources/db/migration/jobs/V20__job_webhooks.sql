-- Job webhooks. Owner: api-gateway (subscriptions, fan-out, delivery). The event outbox is written by
-- a trigger on bulk_jobs, so whichever transaction makes a job terminal (the worker's when the last
-- task ends, the gateway's on cancel) writes the job's event in that same transaction: an ended job
-- has exactly one event, and no event exists for a job that did not end.

CREATE TABLE webhook_subscriptions (
    id                        uuid PRIMARY KEY,
    portfolio_id              uuid        NOT NULL,
    url                       text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    event_types               text[]      NOT NULL CHECK (cardinality(event_types) > 0),
    -- Only with 'job.progress': at most one progress message per job every so many seconds.
    progress_interval_seconds integer CHECK (progress_interval_seconds > 0),
    -- The signing secret, encrypted with the gateway's key (AES-GCM); HMAC needs it in clear to sign.
    secret_ciphertext         text        NOT NULL,
    status                    text        NOT NULL CHECK (status IN ('ACTIVE', 'DISABLED')),
    disabled_reason           text,
    -- Set by the first failed attempt after a success; a subscription failing for a day is disabled.
    failing_since             timestamptz,
    created_by_user_id        uuid        NOT NULL,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_by_portfolio ON webhook_subscriptions (portfolio_id, created_at, id);

-- The outbox: one row per job event, fanned out to the subscriptions of the job's portfolio.
CREATE TABLE webhook_events (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    job_id        uuid        NOT NULL,
    portfolio_id  uuid        NOT NULL,
    type          text        NOT NULL CHECK (type IN ('job.completed', 'job.failed', 'job.cancelled', 'job.progress')),
    occurred_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    fanned_out_at timestamptz
);
-- A job ends once: at most one terminal event per job, whatever writes it.
CREATE UNIQUE INDEX webhook_events_one_end_per_job ON webhook_events (job_id) WHERE type <> 'job.progress';
CREATE INDEX webhook_events_unfanned ON webhook_events (seq) WHERE fanned_out_at IS NULL;

-- One message per (event, subscription); its id is the webhook-id, the same on every attempt.
CREATE TABLE webhook_deliveries (
    id                 uuid PRIMARY KEY,
    subscription_id    uuid        NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id           uuid        NOT NULL,
    event_type         text        NOT NULL,
    job_id             uuid        NOT NULL,
    payload            text        NOT NULL,
    status             text        NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
    attempts           integer     NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz,
    -- An instance sending the message holds it until then; after a crash another one sends it.
    leased_until       timestamptz,
    last_response_code integer,
    last_duration_ms   integer,
    last_error         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- When retries stop: created_at plus the retry period, moved on by a redelivery.
    give_up_at         timestamptz NOT NULL,
    delivered_at       timestamptz,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id       uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at      timestamptz NOT NULL,
    outcome           text        NOT NULL CHECK (outcome IN ('SUCCEEDED', 'WILL_RETRY', 'FAILED')),
    response_code     integer,
    duration_ms       integer     NOT NULL,
    error             text,
    response_excerpt  text CHECK (length(response_excerpt) <= 500),
    next_attempt_at   timestamptz
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);

-- job.progress: when each subscription last got a progress message of a running job, so that it
-- gets one only when the job changed and its interval has passed.
CREATE TABLE webhook_progress (
    subscription_id uuid        NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    job_id          uuid        NOT NULL,
    job_version     bigint      NOT NULL,
    sent_at         timestamptz NOT NULL,
    PRIMARY KEY (subscription_id, job_id)
);
-- The running jobs of a portfolio, for progress messages (the status rarely changes, so the index
-- costs little on the frequent counter updates).
CREATE INDEX bulk_jobs_running ON bulk_jobs (portfolio_id) WHERE status IN ('QUEUED', 'IN_PROGRESS');

CREATE FUNCTION record_job_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs.webhook_events (job_id, portfolio_id, type)
    VALUES (NEW.id, NEW.portfolio_id, CASE NEW.status
        WHEN 'COMPLETED' THEN 'job.completed'
        WHEN 'COMPLETED_WITH_ERRORS' THEN 'job.failed'
        ELSE 'job.cancelled' END);
    RETURN NULL;
END
$$;

-- Fires only on the update that moves a job into a terminal status (the WHEN clause costs nothing
-- on the many counter updates before).
CREATE TRIGGER bulk_jobs_record_end
    AFTER UPDATE OF status ON bulk_jobs
    FOR EACH ROW
    WHEN (OLD.status IN ('QUEUED', 'IN_PROGRESS')
          AND NEW.status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED'))
    EXECUTE FUNCTION record_job_end();
