package com.portfoliobulk.gateway.portfolio;

/**
 * The named permissions a custom account role is made of: the standard permissions of an account's
 * roles, combined as the portfolio needs.
 */
public enum AccountPermission {
    VIEW_ACCOUNT,
    VIEW_REPORTS,
    MANAGE_CAMPAIGNS,
    CREATE_CONTENT,
    PUBLISH_CONTENT,
    RESPOND_TO_MESSAGES,
    MANAGE_USERS,
    MANAGE_INTEGRATIONS,
    MANAGE_BILLING
}
