-- Every action an activity event can carry (com.portfoliobulk.contracts.ActivityAction): V70 listed
-- the link changes but dropped the invitation actions of V10, so the database refused the entries of
-- resent, revoked and expired invitations.
ALTER TABLE activity_log DROP CONSTRAINT activity_log_action_check;
ALTER TABLE activity_log ADD CONSTRAINT activity_log_action_check CHECK (action IN (
    'USER_INVITED', 'ROLE_CHANGED', 'ACCESS_REMOVED', 'INVITATION_RESENT', 'INVITATION_REVOKED',
    'INVITATION_EXPIRED', 'ACCOUNT_LINKED', 'ACCOUNT_UNLINKED'));
