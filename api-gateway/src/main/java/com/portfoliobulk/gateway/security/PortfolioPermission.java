package com.portfoliobulk.gateway.security;

/** A caller's permission on one portfolio, from the token's {@code portfolios} claim. */
public enum PortfolioPermission {
    /** The Portfolio Owner: may do everything. */
    OWNER,
    /** May preview, submit and cancel bulk jobs, and read. */
    USER_MANAGEMENT_EDIT,
    /** May read users, accounts, jobs and activity logs. */
    USER_MANAGEMENT_VIEW;

    boolean allowsChanges() {
        return this == OWNER || this == USER_MANAGEMENT_EDIT;
    }
}
