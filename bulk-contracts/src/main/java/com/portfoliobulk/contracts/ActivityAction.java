package com.portfoliobulk.contracts;

/** What an activity log entry records. */
public enum ActivityAction {
    USER_INVITED,
    ROLE_CHANGED,
    ACCESS_REMOVED,
    /** A pending invitation was sent again with a new token and expiry. */
    INVITATION_RESENT,
    /** A pending invitation was withdrawn. */
    INVITATION_REVOKED,
    /** A pending invitation reached its expiry unaccepted and was ended by the expiry sweep. */
    INVITATION_EXPIRED,
    /** The invitee accepted a pending invitation: their access became active. The actor is the invitee. */
    INVITATION_ACCEPTED,
    /** The account was linked to the portfolio; no job, task or target user. */
    ACCOUNT_LINKED,
    /** The account was unlinked from the portfolio (or the portfolio closed); no job, task or target user. */
    ACCOUNT_UNLINKED;

    /** Whether this records a change of the account's link to a portfolio rather than a user's access. */
    public boolean isLinkChange() {
        return this == ACCOUNT_LINKED || this == ACCOUNT_UNLINKED;
    }
}
