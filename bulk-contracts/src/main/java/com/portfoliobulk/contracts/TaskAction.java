package com.portfoliobulk.contracts;

/** What one task does to one (account, user) pair. */
public enum TaskAction {
    /** Create a pending invitation (an {@code INVITED} membership). */
    INVITE,
    /** Change the role of an existing membership. */
    CHANGE_ROLE,
    /** Remove the membership. */
    REMOVE;

    /** The activity recorded when a task with this action is applied. */
    public ActivityAction activity() {
        return switch (this) {
            case INVITE -> ActivityAction.USER_INVITED;
            case CHANGE_ROLE -> ActivityAction.ROLE_CHANGED;
            case REMOVE -> ActivityAction.ACCESS_REMOVED;
        };
    }
}
