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
    INVITATION_EXPIRED
}
