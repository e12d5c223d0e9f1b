-- An accepted invitation is an entry of its own, written in the invitee's name: the administrator
-- sees who turned an invitation into access, and when. The checks are added NOT VALID, so this
-- migration holds the log's lock for a moment only; V91 validates them in a transaction of its own,
-- reading the whole log without stopping its reads and writes.
ALTER TABLE activity_log DROP CONSTRAINT activity_log_action_check;
ALTER TABLE activity_log ADD CONSTRAINT activity_log_action_check CHECK (action IN (
    'USER_INVITED', 'ROLE_CHANGED', 'ACCESS_REMOVED', 'INVITATION_RESENT', 'INVITATION_REVOKED',
    'INVITATION_EXPIRED', 'INVITATION_ACCEPTED', 'ACCOUNT_LINKED', 'ACCOUNT_UNLINKED')) NOT VALID;
ALTER TABLE activity_log DROP CONSTRAINT activity_log_actor_kind_check;
ALTER TABLE activity_log ADD CONSTRAINT activity_log_actor_kind_check
    CHECK (actor_kind IN ('ADMINISTRATOR', 'IDENTITY_PROVIDER', 'INVITEE')) NOT VALID;
