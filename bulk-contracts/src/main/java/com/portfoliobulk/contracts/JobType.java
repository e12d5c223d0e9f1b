package com.portfoliobulk.contracts;

/** The kinds of bulk job a portfolio administrator can submit. */
public enum JobType {
    /** Invite e-mail addresses to accounts, with a role per account. */
    INVITE_USERS,
    /** Set a role for users on accounts, per assignment or one role for a users x accounts selection. */
    UPDATE_ROLES,
    /** Remove users from selected accounts. */
    REMOVE_ACCESS,
    /** Remove users from every linked account of the portfolio. */
    OFFBOARD_USERS,
    /**
     * Send pending invitations again, with a new token and expiry: one new e-mail per invitee, within the
     * invitee's daily limit of the portfolio's e-mails.
     */
    RESEND_INVITATIONS,
    /** Withdraw pending invitations: their tokens stop working. */
    REVOKE_INVITATIONS
}
