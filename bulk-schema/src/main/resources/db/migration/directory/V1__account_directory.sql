-- The account directory: portfolios, their linked accounts, users and memberships.
-- Owner: bulk-worker (applies changes). The api-gateway only reads it.

CREATE TABLE portfolios (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- An account is linked to at most one portfolio; unlinking sets portfolio_id to NULL.
CREATE TABLE accounts (
    id           uuid PRIMARY KEY,
    portfolio_id uuid REFERENCES portfolios (id),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_by_portfolio ON accounts (portfolio_id, name, id);

-- E-mail addresses are stored lower-cased; one user per address.
CREATE TABLE users (
    id          uuid PRIMARY KEY,
    email       text        NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    idp_managed boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_by_email_pattern ON users (email text_pattern_ops);

CREATE TABLE memberships (
    account_id       uuid        NOT NULL REFERENCES accounts (id),
    user_id          uuid        NOT NULL REFERENCES users (id),
    role             text        NOT NULL CHECK (role ~ '^[A-Z][A-Z0-9_]{0,63}$'),
    state            text        NOT NULL CHECK (state IN ('INVITED', 'ACTIVE')),
    invited_at       timestamptz,
    expires_at       timestamptz,
    invitation_token text UNIQUE,
    invitation_language text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, user_id),
    CHECK (state = 'ACTIVE' OR (invited_at IS NOT NULL AND expires_at IS NOT NULL AND invitation_token IS NOT NULL))
);
CREATE INDEX memberships_by_user ON memberships (user_id, account_id);
-- Exactly one Owner per account is enforced by seeding; at most one by the database.
CREATE UNIQUE INDEX one_owner_per_account ON memberships (account_id) WHERE role = 'OWNER';
