-- Two more job types, each with its own task action: resend pending invitations (new token and
-- expiry, new e-mail) and revoke them.
ALTER TABLE bulk_jobs DROP CONSTRAINT bulk_jobs_type_check;
ALTER TABLE bulk_jobs ADD CONSTRAINT bulk_jobs_type_check CHECK (type IN (
    'INVITE_USERS', 'UPDATE_ROLES', 'REMOVE_ACCESS', 'OFFBOARD_USERS', 'RESEND_INVITATIONS', 'REVOKE_INVITATIONS'));

ALTER TABLE bulk_tasks DROP CONSTRAINT bulk_tasks_action_check;
ALTER TABLE bulk_tasks ADD CONSTRAINT bulk_tasks_action_check CHECK (action IN (
    'INVITE', 'CHANGE_ROLE', 'REMOVE', 'RESEND_INVITATION', 'REVOKE_INVITATION'));
