-- When the identity provider last deactivated the user here: a deactivation that needed no job (the
-- user had no access then) is the time after which a membership of theirs is access to remove again.
-- updated_at cannot tell it: every later PATCH or PUT moves it. Null for deactivations recorded before.
ALTER TABLE scim_users ADD COLUMN deactivated_at timestamptz;
