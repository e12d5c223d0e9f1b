-- The jobs a portfolio's close cancelled: the gateway notes each in the transaction that cancels it, so
-- the close's last step counts the jobs it cancelled since it began (closure_tokens.close_started_at),
-- those of its earlier attempts too, for its answer's cancelledJobs and its PORTFOLIO_CLOSED entry.
-- It counted every job of the portfolio cancelled since then, also one an administrator cancelled
-- (POST .../bulk-jobs/{id}/cancel) while the accounts were unlinked, which takes minutes for thousands of
-- them, or between an attempt that failed half way and the close sent again. The last step deletes the
-- portfolio's rows after counting them, as it deletes account_unlinks_asked's; a close that never ends
-- leaves its rows, which a later close does not count (they are older than its start) and deletes.
-- Owner: api-gateway; the worker is not given it (it is not named in afterMigrate__worker_grants.sql).
CREATE TABLE closure_cancelled_jobs (
    portfolio_id uuid        NOT NULL,
    job_id       uuid        NOT NULL,
    cancelled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, job_id)
);
