-- Portfolio administration: who may administer a portfolio and with which permissions (portfolio
-- users and portfolio roles), the pending Owner transfer, the portfolio's custom account roles and
-- the log of administrative changes. Owner: api-gateway, which reads the permissions on each request
-- and writes them through its portfolio administration API. The account directory (accounts and
-- their links, users, memberships) stays the bulk-worker's.

-- Custom portfolio roles: a code and a set of named portfolio permissions. The built-in roles
-- OWNER, ADMIN, USER_MANAGEMENT_EDIT and USER_MANAGEMENT_VIEW are not stored.
CREATE TABLE portfolio_roles (
    portfolio_id uuid        NOT NULL,
    code         text        NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description  text        NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    permissions  text[]      NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, code)
);

-- A portfolio user: a directory user (the token's subject) with one portfolio role, built-in or custom.
CREATE TABLE portfolio_users (
    portfolio_id uuid        NOT NULL,
    user_id      uuid        NOT NULL,
    email        text        NOT NULL CHECK (email = lower(email)),
    role         text        NOT NULL CHECK (role ~ '^[A-Z][A-Z0-9_]{0,63}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, user_id)
);
-- The permission check of every request: a caller's portfolios.
CREATE INDEX portfolio_users_by_user ON portfolio_users (user_id, portfolio_id);
CREATE INDEX portfolio_users_by_role ON portfolio_users (portfolio_id, role);
-- At most one Owner per portfolio; exactly one is kept by the API (the Owner cannot be removed or
-- re-roled, only replaced by an accepted transfer).
CREATE UNIQUE INDEX one_owner_per_portfolio ON portfolio_users (portfolio_id) WHERE role = 'OWNER';

-- At most one pending Owner transfer per portfolio, until the new Owner accepts or it is withdrawn.
CREATE TABLE owner_transfers (
    portfolio_id uuid PRIMARY KEY,
    from_user_id uuid        NOT NULL,
    to_user_id   uuid        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now()
);

-- Custom account roles a portfolio defines for bulk invitations and role changes.
CREATE TABLE account_roles (
    portfolio_id uuid        NOT NULL,
    code         text        NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description  text        NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    permissions  text[]      NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portfolio_id, code)
);

-- The confirmation the Owner must send back to close the portfolio: one at a time, short-lived.
CREATE TABLE closure_tokens (
    portfolio_id uuid PRIMARY KEY,
    token        text        NOT NULL,
    expires_at   timestamptz NOT NULL
);

-- Closed portfolios: no one administers them any more; their jobs and activity logs stay.
CREATE TABLE closed_portfolios (
    portfolio_id uuid PRIMARY KEY,
    closed_by    uuid        NOT NULL,
    closed_at    timestamptz NOT NULL DEFAULT now()
);

-- Every administrative change of a portfolio: who did what to whom, newest first.
CREATE TABLE portfolio_admin_log (
    id            uuid PRIMARY KEY,
    portfolio_id  uuid        NOT NULL,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    action        text        NOT NULL,
    actor_user_id uuid        NOT NULL,
    actor_email   text        NOT NULL,
    subject       text,
    detail        text        NOT NULL
);
CREATE INDEX portfolio_admin_log_by_portfolio ON portfolio_admin_log (portfolio_id, occurred_at DESC, id DESC);
