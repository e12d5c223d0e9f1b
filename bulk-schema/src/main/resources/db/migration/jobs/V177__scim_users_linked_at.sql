-- When the portfolio's identity provider created the user here (POST /Users, which links the directory
-- user of the address if there is one), again when it creates them after deleting them: the user's
-- meta.created. The directory user's own created_at is when the address became a user anywhere, maybe in
-- another portfolio, which this portfolio's identity provider is not to learn.
-- Null for a user linked when the identity provider first changed them (in view already through their
-- access: their meta.created stays the directory user's) and for users linked before this column.
-- Metadata-only change: existing rows read NULL.
ALTER TABLE scim_users ADD COLUMN linked_at timestamptz;
