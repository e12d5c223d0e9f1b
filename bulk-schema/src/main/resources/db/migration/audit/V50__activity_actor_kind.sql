-- Whether an entry's change was requested by an administrator or by the portfolio's identity
-- provider (SCIM). Metadata-only change: existing entries read the default.
ALTER TABLE activity_log ADD COLUMN actor_kind text NOT NULL DEFAULT 'ADMINISTRATOR'
    CHECK (actor_kind IN ('ADMINISTRATOR', 'IDENTITY_PROVIDER'));
