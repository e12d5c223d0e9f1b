-- SCIM 2.0 provisioning: the portfolio's identity provider deprovisions users, which becomes an
-- OFFBOARD_USERS job. Owner: api-gateway.

-- Where a job came from: an administrator through the API, or the identity provider through SCIM.
-- Metadata-only change: existing rows read the default.
ALTER TABLE bulk_jobs ADD COLUMN origin text NOT NULL DEFAULT 'API' CHECK (origin IN ('API', 'SCIM'));

-- Per-portfolio SCIM bearer tokens. Only the SHA-256 of a token is stored; the token itself is shown
-- once, when it is created.
CREATE TABLE scim_tokens (
    id                 uuid PRIMARY KEY,
    portfolio_id       uuid        NOT NULL,
    name               text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash         text        NOT NULL UNIQUE,
    created_by_user_id uuid        NOT NULL,
    created_by_email   text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_used_at       timestamptz,
    revoked_at         timestamptz
);
CREATE INDEX scim_tokens_by_portfolio ON scim_tokens (portfolio_id, created_at DESC, id DESC);

-- The identity provider's view of a directory user in one portfolio: linked when it created or
-- matched the user, with its own attributes. deactivations counts the times it set active=false;
-- each one offboards the user once (its job's idempotency key includes the count). deleted_at hides
-- the user from the identity provider's view of this portfolio after a SCIM DELETE.
CREATE TABLE scim_users (
    portfolio_id      uuid        NOT NULL,
    user_id           uuid        NOT NULL,
    external_id       text CHECK (length(external_id) <= 255),
    display_name      text CHECK (length(display_name) <= 255),
    active            boolean     NOT NULL DEFAULT true,
    deactivations     integer     NOT NULL DEFAULT 0,
    last_job_id       uuid,
    deleted_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (portfolio_id, user_id)
);
CREATE INDEX scim_users_by_external_id ON scim_users (portfolio_id, external_id) WHERE external_id IS NOT NULL;
