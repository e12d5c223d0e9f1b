package com.portfoliobulk.contracts;

/** What one task does to one (account, user) pair. */
public enum TaskAction {
    /** Create a pending invitation (an {@code INVITED} membership). */
    INVITE,
    /** Change the role of an existing membership. */
    CHANGE_ROLE,
    /** Remove the membership. */
    REMOVE,
    /** Renew a pending invitation (new token and expiry) and send it again. */
    RESEND_INVITATION,
    /** Delete a pending invitation. */
    REVOKE_INVITATION;

    /** Whether the task needs a role: it grants one. */
    public boolean grantsRole() {
        return this == INVITE || this == CHANGE_ROLE;
    }

    /** Whether the task needs an invitation expiry: it creates or renews an invitation. */
    public boolean setsExpiry() {
        return this == INVITE || this == RESEND_INVITATION;
    }

    /** The activity recorded when a task with this action is applied. */
    public ActivityAction activity() {
        return switch (this) {
            case INVITE -> ActivityAction.USER_INVITED;
            case CHANGE_ROLE -> ActivityAction.ROLE_CHANGED;
            case REMOVE -> ActivityAction.ACCESS_REMOVED;
            case RESEND_INVITATION -> ActivityAction.INVITATION_RESENT;
            case REVOKE_INVITATION -> ActivityAction.INVITATION_REVOKED;
        };
    }
}
