package com.portfoliobulk.gateway.security;

/**
 * A caller's named permission on one portfolio. With permissions kept in the database (the default)
 * they come from the caller's portfolio role; where the identity provider is the source of
 * permissions, from the token's {@code portfolios} claim.
 */
public enum PortfolioPermission {
    /** The Portfolio Owner: may do everything, and alone links accounts, transfers and closes. */
    OWNER,
    /** May preview, submit and cancel bulk jobs, and read. */
    USER_MANAGEMENT_EDIT,
    /** May read users, accounts, jobs and activity logs. */
    USER_MANAGEMENT_VIEW,
    /** May manage the portfolio's users and custom portfolio roles. */
    PORTFOLIO_USERS_MANAGE,
    /** May manage the portfolio's custom account roles. */
    ACCOUNT_ROLES_MANAGE;

    boolean allowsChanges() {
        return this == OWNER || this == USER_MANAGEMENT_EDIT;
    }

    /**
     * Whether it lets its holder read the portfolio's users, accounts, jobs and activity logs: user
     * management's permissions do. Administering portfolio users or account roles alone does not: a
     * role made for that reads none of the people, accounts or changes it does not manage.
     */
    boolean allowsReading() {
        return allowsChanges() || this == USER_MANAGEMENT_VIEW;
    }
}
