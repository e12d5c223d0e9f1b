package com.portfoliobulk.contracts;

/** The state of a user's access to one account. */
public enum MembershipState {
    /** A pending invitation; it expires. */
    INVITED,
    /** Accepted or directly granted access. */
    ACTIVE
}
