package com.portfoliobulk.contracts;

/** What an activity log entry records. */
public enum ActivityAction {
    USER_INVITED,
    ROLE_CHANGED,
    ACCESS_REMOVED
}
