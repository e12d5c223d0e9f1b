-- An accepted invitation is an entry of its own, written in the invitee's name: the administrator
-- sees who turned an invitation into access, and when.
ALTER TABLE activity_log DROP CONSTRAINT activity_log_action_check;
ALTER TABLE activity_log ADD CONSTRAINT activity_log_action_check CHECK (action IN (
    'USER_INVITED', 'ROLE_CHANGED', 'ACCESS_REMOVED', 'INVITATION_RESENT', 'INVITATION_REVOKED',
    'INVITATION_EXPIRED', 'INVITATION_ACCEPTED', 'ACCOUNT_LINKED', 'ACCOUNT_UNLINKED'));
ALTER TABLE activity_log DROP CONSTRAINT activity_log_actor_kind_check;
ALTER TABLE activity_log ADD CONSTRAINT activity_log_actor_kind_check
    CHECK (actor_kind IN ('ADMINISTRATOR', 'IDENTITY_PROVIDER', 'INVITEE'));
